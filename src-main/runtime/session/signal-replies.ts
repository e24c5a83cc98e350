import { readClaudeReply } from '../signals/claude-transcript';
import { CodexThreadFilter } from '../signals/codex-notify';
import { readGeminiReply } from '../signals/gemini-transcript';
import type { SignalAgentType } from '../signals/agent-signals';
import type { ReplySource } from './signal-fusion';

/**
 * Where each CLI's turn-end signal finds the turn's reply, and how long a turn whose screen shows
 * the prompt waits for that signal (docs/signals.md, per CLI).
 */

/**
 * Claude: how long a turn whose hooks work waits, once the screen shows the idle prompt, for the
 * Stop hook before the screen ends it anyway (a turn interrupted with Esc gets no Stop hook).
 */
const STOP_HOOK_WAIT_MS = 3_000;
/** How long the reply may take to appear in Claude's transcript after Stop before the screen's reply is used. */
const TRANSCRIPT_REPLY_WAIT_MS = 1_500;

/** Claude Code: the Stop hook names the transcript, whose last assistant message is the reply. */
export function claudeReplySource(): ReplySource {
  return {
    name: 'claude-hooks',
    screenReadyWaitMs: STOP_HOOK_WAIT_MS,
    permissionHookNamesTool: true,
    belongsToSession: () => true,
    reply: async (signal, turn) =>
      signal.transcriptPath === undefined ? undefined : readClaudeReply(signal.transcriptPath, { prompt: turn.message, timeoutMs: TRANSCRIPT_REPLY_WAIT_MS }),
  };
}

/**
 * Codex: how long a turn whose screen shows the prompt waits for notify before the screen's reply
 * is used. Codex runs notify after the turn is recorded, 60–620 ms after its screen (with the
 * adapter's settle) said `done` on this machine (docs/signals.md "Codex"); the bound leaves room for
 * a loaded machine and stays well under what a caller notices.
 */
export const CODEX_NOTIFY_WAIT_MS = 1_500;

/**
 * Codex: notify's `last-assistant-message` is the reply, exactly. Notify comes after the screen's
 * `done`, so the screen makes the agent ready and the reply follows (readyAtScreen); side threads'
 * notifies (its title generator) are told apart by CodexThreadFilter.
 */
export function codexReplySource(): ReplySource {
  const threads = new CodexThreadFilter();
  return {
    name: 'codex-notify',
    screenReadyWaitMs: CODEX_NOTIFY_WAIT_MS,
    turnEndOnly: true,
    readyAtScreen: true,
    belongsToSession: (signal, turn) => threads.isSessionTurn(signal, turn?.message),
    reply: (signal) => Promise.resolve(signal.kind === 'turn_ended' ? signal.reply : undefined),
  };
}

/** How long the reply may take to appear in Gemini's chat record after AfterAgent. */
const CHAT_RECORD_REPLY_WAIT_MS = 1_500;
/** Gemini: how long a live turn whose screen shows the prompt waits for AfterAgent (it comes before the screen's ready as a rule). */
const AFTER_AGENT_WAIT_MS = 3_000;

/**
 * Gemini CLI: AfterAgent names the chat record, whose last model message of the turn is the reply
 * (its `prompt_response` repeats part of a reply that streamed in many chunks: docs/signals.md).
 */
export function geminiReplySource(): ReplySource {
  return {
    name: 'gemini-hooks',
    screenReadyWaitMs: AFTER_AGENT_WAIT_MS,
    belongsToSession: () => true,
    reply: async (signal, turn) =>
      signal.transcriptPath === undefined ? undefined : readGeminiReply(signal.transcriptPath, { prompt: turn.message, timeoutMs: CHAT_RECORD_REPLY_WAIT_MS }),
  };
}

/** The reply source for an agent type with signals. */
export function replySourceFor(type: SignalAgentType): ReplySource {
  switch (type) {
    case 'claude-code':
      return claudeReplySource();
    case 'codex':
      return codexReplySource();
    case 'gemini-cli':
      return geminiReplySource();
  }
}

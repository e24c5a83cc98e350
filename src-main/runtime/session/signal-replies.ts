import { readClaudeReply } from '../signals/claude-transcript';
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
    belongsToSession: () => true,
    reply: async (signal, turn) =>
      signal.transcriptPath === undefined ? undefined : readClaudeReply(signal.transcriptPath, { prompt: turn.message, timeoutMs: TRANSCRIPT_REPLY_WAIT_MS }),
  };
}

/** The reply source for an agent type with signals; undefined while that CLI is not fused yet. */
export function replySourceFor(type: SignalAgentType): ReplySource | undefined {
  switch (type) {
    case 'claude-code':
      return claudeReplySource();
    default:
      return undefined;
  }
}

/**
 * Replies from Claude Code's own record of the conversation (docs/signals.md "Replies"): the JSONL
 * transcript named by `transcript_path` in every hook payload. It holds the model's text exactly
 * as sent — any length, no spinners, footers or wrapping — which the screen cannot give.
 *
 * One JSON object per line. The ones that matter here:
 *   {"type":"user", "isMeta"?, "message":{"role":"user","content": string | [{type:"text"|"tool_result"|…}]}}
 *   {"type":"assistant", "message":{"id","role":"assistant","content":[{type:"text","text"}|{type:"tool_use"}|{type:"thinking"}…]}}
 * Claude writes one line per content block, so one assistant message (one `message.id`) can span
 * several lines. Other line types (summary, system, attachment, file-history-snapshot…) are skipped.
 */
import { readWhenWritten } from './read-record';
import { isRecord } from './signal';

interface TranscriptLine {
  type: string;
  isMeta: boolean;
  messageId?: string;
  content: unknown;
}

function parseLine(text: string): TranscriptLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // A line still being written (the file is appended while we read) or damaged: not ours to judge.
    return undefined;
  }
  if (!isRecord(value) || typeof value.type !== 'string') return undefined;
  const message = isRecord(value.message) ? value.message : undefined;
  return {
    type: value.type,
    isMeta: value.isMeta === true,
    messageId: message && typeof message.id === 'string' ? message.id : undefined,
    content: message?.content,
  };
}

function blocks(content: unknown): Record<string, unknown>[] {
  return Array.isArray(content) ? content.filter(isRecord) : [];
}

/** A prompt the person typed (not a tool result fed back, not a meta line Claude injects). */
function isPrompt(line: TranscriptLine): boolean {
  if (line.type !== 'user' || line.isMeta) return false;
  if (typeof line.content === 'string') return true;
  return blocks(line.content).some((b) => b.type === 'text');
}

function promptText(line: TranscriptLine): string {
  return typeof line.content === 'string' ? line.content : (textOf(line) ?? '');
}

function textOf(line: TranscriptLine): string | undefined {
  const texts = blocks(line.content)
    .filter((b) => b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string);
  return texts.length > 0 ? texts.join('') : undefined;
}

/**
 * The last assistant text of the latest turn in a transcript's text: the text blocks of the last
 * assistant message after the last prompt, joined. Undefined when that turn has no text yet (it
 * only called tools, or the line is not written yet).
 */
export function lastClaudeReply(transcript: string, prompt?: string): string | undefined {
  const lines = transcript
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(parseLine)
    .filter((l): l is TranscriptLine => l !== undefined);
  let turnStart = 0;
  let promptSeen = prompt === undefined;
  lines.forEach((line, index) => {
    if (!isPrompt(line)) return;
    turnStart = index + 1;
    if (prompt !== undefined) promptSeen = promptText(line).includes(prompt);
  });
  // Claude appends to its transcript asynchronously: until this turn's prompt is there, the last
  // text in the file is the previous turn's reply, never this one's.
  if (!promptSeen) return undefined;
  const turn = lines.slice(turnStart);
  for (let i = turn.length - 1; i >= 0; i--) {
    const line = turn[i];
    if (line.type !== 'assistant' || textOf(line) === undefined) continue;
    // Gather every line of this message (one per content block), in order.
    const parts = turn.filter((l) => l.type === 'assistant' && l.messageId !== undefined && l.messageId === line.messageId).map(textOf);
    const joined = parts.filter((p): p is string => p !== undefined).join('');
    return line.messageId === undefined ? textOf(line) : joined;
  }
  return undefined;
}

export interface ReadReplyOptions {
  /** How long to wait for the reply's line to be written after the Stop hook (Claude appends it asynchronously). */
  timeoutMs?: number;
  /**
   * The prompt of the turn that ended (what was sent, or UserPromptSubmit's `prompt`): the reply is
   * taken only from the turn that starts with it, so an older turn's reply is never returned.
   */
  prompt?: string;
}

/**
 * Reads the reply of the turn that just ended from the transcript file. The Stop hook can run a
 * moment before Claude has appended the reply's line, so it re-reads on each change of the file
 * until the turn has a text or `timeoutMs` passes; undefined then (the screen's reply is the fallback).
 */
export function readClaudeReply(transcriptPath: string, options: ReadReplyOptions = {}): Promise<string | undefined> {
  return readWhenWritten(transcriptPath, (text) => lastClaudeReply(text, options.prompt), options.timeoutMs ?? 2_000);
}

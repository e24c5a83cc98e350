/**
 * Replies from Gemini CLI's chat record (docs/signals.md "Replies"): the JSONL file named by
 * `transcript_path` in every Gemini hook payload. Gemini 0.61.0's AfterAgent `prompt_response`
 * repeats part of a reply that streamed in many chunks; the record holds it once, exactly (without
 * a final newline).
 *
 * Lines, as written by Gemini 0.61.0:
 *   {"sessionId","projectHash","startTime","lastUpdated","kind"}          header
 *   {"$set":{"messages":[…]}} / {"$set":{"lastUpdated":…}}                  whole-list or field updates
 *   {"id","timestamp","type":"user","content":[{"text"}|{"functionResponse"}]}
 *   {"id","timestamp","type":"gemini","content":"text","toolCalls"?:[…],…} (rewritten under the same id as it grows)
 */
import { readWhenWritten } from './read-record';
import { isRecord } from './signal';

interface ChatMessage {
  id: string;
  type: string;
  content: unknown;
}

function asMessage(value: unknown): ChatMessage | undefined {
  if (!isRecord(value) || typeof value.id !== 'string' || typeof value.type !== 'string') return undefined;
  return { id: value.id, type: value.type, content: value.content };
}

/** The record's messages in order, each at its latest version. */
function messagesOf(record: string): ChatMessage[] {
  const byId = new Map<string, ChatMessage>();
  for (const line of record.split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // A line still being appended.
      continue;
    }
    if (!isRecord(value)) continue;
    const set = isRecord(value.$set) ? value.$set : undefined;
    if (set && Array.isArray(set.messages)) {
      byId.clear();
      for (const m of set.messages.map(asMessage)) if (m) byId.set(m.id, m);
      continue;
    }
    const message = asMessage(value);
    // A Map keeps first-insertion order, so a rewritten message keeps its place.
    if (message) byId.set(message.id, message);
  }
  return [...byId.values()];
}

/** A prompt the person typed: a user message with text (not a tool's functionResponse fed back). */
function isPrompt(message: ChatMessage): boolean {
  if (message.type !== 'user') return false;
  if (typeof message.content === 'string') return true;
  return Array.isArray(message.content) && message.content.some((part) => isRecord(part) && typeof part.text === 'string');
}

function promptText(message: ChatMessage): string {
  if (typeof message.content === 'string') return message.content;
  if (!Array.isArray(message.content)) return '';
  return message.content.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('');
}

/**
 * The last model text of the latest turn; undefined when that turn has none yet. With `prompt`,
 * only if the latest turn began with it (until Gemini has written this turn's prompt, the last
 * text in the record is the previous turn's reply, never this one's).
 */
export function lastGeminiReply(record: string, prompt?: string): string | undefined {
  const messages = messagesOf(record);
  let turnStart = 0;
  let promptSeen = prompt === undefined;
  messages.forEach((m, i) => {
    if (!isPrompt(m)) return;
    turnStart = i + 1;
    if (prompt !== undefined) promptSeen = promptText(m).includes(prompt);
  });
  if (!promptSeen) return undefined;
  for (let i = messages.length - 1; i >= turnStart; i--) {
    const m = messages[i];
    if (m.type === 'gemini' && typeof m.content === 'string' && m.content !== '') return m.content;
  }
  return undefined;
}

/**
 * Reads the reply of the turn that just ended (AfterAgent) from the chat record, waiting up to
 * `timeoutMs` for it to be written; undefined then (the screen's reply is the fallback).
 */
export function readGeminiReply(recordPath: string, options: { prompt?: string; timeoutMs?: number } = {}): Promise<string | undefined> {
  return readWhenWritten(recordPath, (text) => lastGeminiReply(text, options.prompt), options.timeoutMs ?? 2_000);
}

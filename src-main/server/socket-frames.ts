import type { RawData } from 'ws';

/**
 * Reading client frames, shared by the terminal socket (terminal-hub.ts) and the event sockets
 * (sockets.ts): both speak JSON objects with a string `type`, and both must treat anything else
 * as "not a control frame" rather than an error (terminal text is input; Parallax ignores junk).
 */

/** A JSON object with a string `type`; the other fields are checked by whoever knows that type. */
export type TypedFrame = { type: string } & Record<string, unknown>;

/** The frame's JSON object if it is one with a string `type`, else undefined. */
export function parseTypedFrame(text: string): TypedFrame | undefined {
  // Terminal input is mostly plain text: skip JSON.parse (and its exception) for it.
  if (!text.startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const type = (value as Record<string, unknown>).type;
  return typeof type === 'string' ? (value as TypedFrame) : undefined;
}

/** A message's text, whatever shape ws delivered it in (one buffer, fragments, an ArrayBuffer). */
export function frameText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

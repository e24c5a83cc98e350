/**
 * asciicast v2 (https://docs.asciinema.org/manual/asciicast/v2/), what the runtime records: a JSON
 * header line, then one `[seconds, code, data]` array per line ("o" output, "i" input, "r" resize
 * "COLSxROWS", "m" marker). The one reader and line encoder of the format: the runtime's writer
 * (src-main/runtime/cast-file.ts), the UI's player and the tests' screen fixtures all use it.
 */

export type CastEventCode = 'o' | 'i' | 'r' | 'm';

export interface CastHeader {
  version: 2;
  width: number;
  height: number;
  timestamp?: number;
  title?: string;
}

export interface CastEvent {
  /** Seconds from the start, after idle compression when asked for. */
  time: number;
  code: CastEventCode;
  data: string;
}

export interface Cast {
  header: CastHeader;
  events: CastEvent[];
  duration: number;
  /** Lines that could not be read (a recording cut off by a crash ends mid-line). */
  skipped: number;
}

export function parseCast(text: string): Cast {
  const lines = text.split('\n');
  let header: CastHeader | undefined;
  const events: CastEvent[] = [];
  let skipped = 0;
  for (const line of lines) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skipped++;
      continue;
    }
    if (!header) {
      const h = value as Partial<CastHeader>;
      if (typeof value !== 'object' || value === null || Array.isArray(value) || h.version !== 2) {
        throw new Error('Not an asciicast v2 recording (the first line is not a version 2 header).');
      }
      header = { version: 2, width: Number(h.width) || 80, height: Number(h.height) || 24, timestamp: h.timestamp, title: h.title };
      continue;
    }
    if (!Array.isArray(value) || value.length < 3 || typeof value[0] !== 'number' || typeof value[2] !== 'string') {
      skipped++;
      continue;
    }
    const code = value[1];
    if (code !== 'o' && code !== 'i' && code !== 'r' && code !== 'm') continue;
    events.push({ time: Math.max(0, value[0]), code, data: value[2] });
  }
  if (!header) throw new Error('The recording is empty.');
  events.sort((a, b) => a.time - b.time);
  return { header, events, duration: events.length > 0 ? events[events.length - 1].time : 0, skipped };
}

/** Caps every pause at `limit` seconds (asciinema's idle_time_limit): long thinking does not bore. */
export function compressIdle(cast: Cast, limit: number): Cast {
  let shift = 0;
  let previous = 0;
  const events = cast.events.map((e) => {
    const gap = e.time - previous;
    if (gap > limit) shift += gap - limit;
    previous = e.time;
    return { ...e, time: e.time - shift };
  });
  return { ...cast, events, duration: events.length > 0 ? events[events.length - 1].time : 0 };
}

/** Parses "120x40" resize data. */
export function parseSize(data: string): { cols: number; rows: number } | undefined {
  const m = /^(\d+)x(\d+)$/.exec(data.trim());
  return m ? { cols: Number(m[1]), rows: Number(m[2]) } : undefined;
}

/** Resize data for a terminal of this size ("120x40"). */
export function formatSize(cols: number, rows: number): string {
  return `${cols}x${rows}`;
}

/** One event line (without its newline). Times keep microseconds: finer is noise, and longer lines cost disk. */
export function castEventLine(seconds: number, code: CastEventCode, data: string): string {
  return JSON.stringify([Number(seconds.toFixed(6)), code, data]);
}

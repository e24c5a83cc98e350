import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TranscriptMeta } from '../../src-shared/api';
import { castEventLine, parseSize, type CastEventCode } from '../../src-shared/asciicast';

/**
 * The transcript's file writer and the message protocol that drives it. It runs on the transcript
 * worker thread (transcript-worker.ts), or on the main thread if that worker cannot start
 * (transcript.ts); either way through `castFileHandler`, so both paths write the same files.
 */

export interface TranscriptOptions {
  dir: string;
  meta: Omit<TranscriptMeta, 'parts'>;
  cols: number;
  rows: number;
  maxBytes: number;
  keepParts: number;
}

/** asciicast v2 event kinds: output, input, resize, marker. */
export type EventKind = CastEventCode;

/** What the main thread posts to the writer, one message per call. */
export type CastFileMessage =
  | { op: 'open'; id: number; options: TranscriptOptions }
  | { op: 'event'; id: number; kind: EventKind; at: number; data: string }
  | { op: 'close'; id: number; stoppedAt: string; exitCode: number | null };

/** Also to the worker: answer `{drained: seq}` once every earlier message is handled. */
export type WorkerRequest = CastFileMessage | { op: 'drain'; seq: number };
/** From the worker: `ready` once its module loaded (so a failed load is told apart), then drain answers. */
export type WorkerReply = { ready: true } | { drained: number };

/** One session's recording on disk: parts, rotation and meta.json. */
export class CastFile {
  private fd: number | undefined;
  private partBytes = 0;
  private partIndex = 0;
  private partStartedAt = 0;
  private cols: number;
  private rows: number;
  private readonly meta: TranscriptMeta;
  /** Parts an earlier session under the same (reused) agent id left in this folder: never touched. */
  private readonly earlierParts: string[] = [];
  private failed = false;

  constructor(private readonly options: TranscriptOptions) {
    this.cols = options.cols;
    this.rows = options.rows;
    this.meta = { ...options.meta, parts: [] };
    try {
      fs.mkdirSync(options.dir, { recursive: true });
      // A reused id finds the earlier session's parts here: number on after the highest one.
      for (const entry of fs.readdirSync(options.dir).sort()) {
        const match = /^(\d{4})\.cast$/.exec(entry);
        if (!match) continue;
        this.earlierParts.push(entry);
        this.partIndex = Math.max(this.partIndex, Number(match[1]));
      }
      this.meta.parts.push(...this.earlierParts);
    } catch {
      this.failed = true;
      return;
    }
    this.startPart(Date.now());
    this.writeMeta();
  }

  event(kind: EventKind, at: number, data: string): void {
    if (this.failed || this.fd === undefined) return;
    if (kind === 'r') {
      const size = parseSize(data);
      if (size) ({ cols: this.cols, rows: this.rows } = size);
    }
    const seconds = Math.max(0, at - this.partStartedAt) / 1000;
    const line = `${castEventLine(seconds, kind, data)}\n`;
    this.append(line);
    // Counted in characters: exact bytes would cost another pass, and the cap only needs to
    // bound the size (bytes ≤ 3 × characters).
    this.partBytes += line.length;
    if (this.partBytes >= this.options.maxBytes) {
      this.closeFd();
      this.startPart(at);
      this.writeMeta();
    }
  }

  close(stoppedAt: string, exitCode: number | null): void {
    this.meta.stoppedAt = stoppedAt;
    this.meta.exitCode = exitCode;
    this.writeMeta();
    this.closeFd();
  }

  private append(text: string): void {
    if (this.fd === undefined) return;
    try {
      fs.writeSync(this.fd, text);
    } catch {
      // A full or read-only disk must not take the session down; the transcript just stops.
      this.failed = true;
    }
  }

  private closeFd(): void {
    if (this.fd === undefined) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      // Already closed, or the disk went away: nothing left to save.
    }
    this.fd = undefined;
  }

  private startPart(at: number): void {
    this.partIndex++;
    const name = `${String(this.partIndex).padStart(4, '0')}.cast`;
    this.partStartedAt = at;
    try {
      this.fd = fs.openSync(path.join(this.options.dir, name), 'w');
    } catch {
      this.failed = true;
      return;
    }
    const header = {
      version: 2,
      width: this.cols,
      height: this.rows,
      timestamp: Math.floor(at / 1000),
      title: `${this.meta.name} (${this.meta.type})${this.partIndex > 1 ? ` part ${this.partIndex}` : ''}`,
      env: { TERM: 'xterm-256color' },
    };
    const line = `${JSON.stringify(header)}\n`;
    this.append(line);
    this.partBytes = line.length;
    this.meta.parts.push(name);
    // Rotation removes this session's oldest parts only; the earlier session's stay listed first.
    while (this.meta.parts.length - this.earlierParts.length > this.options.keepParts) {
      const oldest = this.meta.parts.splice(this.earlierParts.length, 1)[0];
      try {
        fs.rmSync(path.join(this.options.dir, oldest), { force: true });
      } catch {
        // Removing an old part is housekeeping; failing it loses nothing.
      }
    }
  }

  private writeMeta(): void {
    try {
      fs.writeFileSync(path.join(this.options.dir, 'meta.json'), JSON.stringify(this.meta, null, 2));
    } catch {
      this.failed = true;
    }
  }
}

/** Routes each message to its session's file; one handler serves every session of the process. */
export function castFileHandler(): (message: CastFileMessage) => void {
  const files = new Map<number, CastFile>();
  return (message) => {
    if (message.op === 'open') files.set(message.id, new CastFile(message.options));
    else if (message.op === 'event') files.get(message.id)?.event(message.kind, message.at, message.data);
    else {
      files.get(message.id)?.close(message.stoppedAt, message.exitCode);
      files.delete(message.id);
    }
  };
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TranscriptMeta } from '../../src-shared/api';

export type { TranscriptMeta };

/**
 * A session's full transcript in asciicast v2 (https://docs.asciinema.org/manual/asciicast/v2/):
 * a JSON header line, then `[seconds, "o"|"i"|"r", data]` events. It outlives the session, so a
 * person can replay what an agent did. Each session gets a folder:
 *
 *   <dataDir>/transcripts/<agentId>/meta.json   who, what, when, exit code, parts
 *   <dataDir>/transcripts/<agentId>/0001.cast   first part; 0002.cast… after rotation
 *
 * When a part passes `maxBytes` a new part starts (each one a complete recording with its own
 * header), and only the newest `keepParts` are kept, so an agent that floods its terminal cannot
 * fill the disk.
 *
 * Encoding and disk writes run on one worker thread shared by all sessions. A flood is tens of MB
 * per second of JSON escaping plus page-cache copies; on the event loop that work, and the garbage
 * it leaves for the GC, stalls PTY reads, and the agent blocks on a full PTY buffer (measured:
 * throughput fell from ~0.8 to ~0.6 of raw node-pty). The main thread only coalesces chunks and
 * posts them. If a worker cannot be started, the same writer runs inline.
 */

export interface TranscriptOptions {
  dir: string;
  meta: Omit<TranscriptMeta, 'parts'>;
  cols: number;
  rows: number;
  maxBytes: number;
  keepParts: number;
}

type EventKind = 'o' | 'i' | 'r' | 'm';

/**
 * Output is coalesced for up to OUTPUT_COALESCE_MS (or OUTPUT_COALESCE_CHARS) before it becomes an
 * event: a flood arrives in 2–16 KB reads, and one JSON line per read costs more than needed.
 * 10 ms is well under what a replay can show as a distinct frame. The size cap keeps each message
 * and its JSON below V8's large-object threshold (~128 KB): large objects are only freed by full
 * GCs, which stall the event loop for 10–20 ms during a flood.
 */
const OUTPUT_COALESCE_MS = 10;
const OUTPUT_COALESCE_CHARS = 32 * 1024;

// ───────────────────────── the file writer (runs in the worker) ─────────────────────────

interface CastFileApi {
  event(kind: EventKind, at: number, data: string): void;
  close(stoppedAt: string, exitCode: number | null): void;
}
type CastFileClass = new (options: TranscriptOptions) => CastFileApi;

/**
 * Builds the file writer from injected `fs`/`path`. It is self-contained (no outer references)
 * because its source text is also what the worker evaluates.
 */
export function castFileFactory(fsModule: typeof fs, pathModule: typeof path): CastFileClass {
  return class CastFile implements CastFileApi {
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
        fsModule.mkdirSync(options.dir, { recursive: true });
        // A reused id finds the earlier session's parts here: number on after the highest one.
        for (const entry of fsModule.readdirSync(options.dir).sort()) {
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
        const [cols, rows] = data.split('x').map(Number);
        this.cols = cols;
        this.rows = rows;
      }
      const seconds = Math.max(0, at - this.partStartedAt) / 1000;
      const line = `${JSON.stringify([Number(seconds.toFixed(6)), kind, data])}\n`;
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
        fsModule.writeSync(this.fd, text);
      } catch {
        // A full or read-only disk must not take the session down; the transcript just stops.
        this.failed = true;
      }
    }

    private closeFd(): void {
      if (this.fd === undefined) return;
      try {
        fsModule.closeSync(this.fd);
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
        this.fd = fsModule.openSync(pathModule.join(this.options.dir, name), 'w');
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
          fsModule.rmSync(pathModule.join(this.options.dir, oldest), { force: true });
        } catch {
          // Removing an old part is housekeeping; failing it loses nothing.
        }
      }
    }

    private writeMeta(): void {
      try {
        fsModule.writeFileSync(pathModule.join(this.options.dir, 'meta.json'), JSON.stringify(this.meta, null, 2));
      } catch {
        this.failed = true;
      }
    }
  };
}

// ───────────────────────── the backend (worker, or inline fallback) ─────────────────────────

type BackendMessage =
  | { op: 'open'; id: number; options: TranscriptOptions }
  | { op: 'event'; id: number; kind: EventKind; at: number; data: string }
  | { op: 'close'; id: number; stoppedAt: string; exitCode: number | null };

interface Backend {
  post(message: BackendMessage): void;
  /** Resolves when every message posted so far has been handled. */
  drain(): Promise<void>;
}

function handlerFor(CastFile: CastFileClass): (message: BackendMessage) => void {
  const files = new Map<number, CastFileApi>();
  return (message) => {
    if (message.op === 'open') files.set(message.id, new CastFile(message.options));
    else if (message.op === 'event') files.get(message.id)?.event(message.kind, message.at, message.data);
    else {
      files.get(message.id)?.close(message.stoppedAt, message.exitCode);
      files.delete(message.id);
    }
  };
}

class InlineBackend implements Backend {
  private readonly handle = handlerFor(castFileFactory(fs, path));
  post(message: BackendMessage): void {
    this.handle(message);
  }
  drain(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The worker evaluates the factory's compiled source. The shims cover helpers a TS compiler may
 * emit inside it (esbuild's `__name` when names are kept); they are harmless otherwise.
 */
function workerSource(): string {
  return [
    'var __defProp = Object.defineProperty;',
    'var __name = (target, value) => __defProp(target, "name", { value, configurable: true });',
    "const { parentPort } = require('node:worker_threads');",
    `const factory = (${castFileFactory.toString()});`,
    "const CastFile = factory(require('node:fs'), require('node:path'));",
    `const handle = (${handlerFor.toString()})(CastFile);`,
    "parentPort.on('message', (m) => { if (m.op === 'drain') parentPort.postMessage({ drained: m.seq }); else handle(m); });",
  ].join('\n');
}

class WorkerBackend implements Backend {
  private readonly waiting = new Map<number, () => void>();
  private seq = 0;
  private broken = false;
  private readonly fallback = new InlineBackend();

  constructor(private readonly worker: Worker) {
    worker.unref();
    worker.on('message', (message: { drained?: number }) => {
      if (message.drained === undefined) return;
      this.waiting.get(message.drained)?.();
      this.waiting.delete(message.drained);
    });
    worker.on('error', () => this.fail());
    worker.on('exit', () => this.fail());
  }

  private fail(): void {
    this.broken = true;
    for (const resolve of this.waiting.values()) resolve();
    this.waiting.clear();
  }

  post(message: BackendMessage): void {
    if (this.broken) return this.fallback.post(message);
    this.worker.postMessage(message);
  }

  drain(): Promise<void> {
    if (this.broken) return Promise.resolve();
    const seq = ++this.seq;
    return new Promise((resolve) => {
      this.waiting.set(seq, resolve);
      this.worker.postMessage({ op: 'drain', seq });
    });
  }
}

let sharedBackend: Backend | undefined;

function backend(): Backend {
  if (sharedBackend) return sharedBackend;
  try {
    sharedBackend = new WorkerBackend(new Worker(workerSource(), { eval: true }));
  } catch {
    sharedBackend = new InlineBackend();
  }
  return sharedBackend;
}

let nextId = 0;

/** One session's transcript. Cheap on the calling thread: it only coalesces and posts. */
export class TranscriptWriter {
  private readonly id = ++nextId;
  private readonly backend = backend();
  private pendingOutput: string[] = [];
  private pendingOutputChars = 0;
  private pendingOutputAt = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: TranscriptOptions) {
    this.backend.post({ op: 'open', id: this.id, options });
  }

  get directory(): string {
    return this.options.dir;
  }

  output(data: string): void {
    if (this.closed) return;
    if (this.pendingOutput.length === 0) this.pendingOutputAt = Date.now();
    this.pendingOutput.push(data);
    this.pendingOutputChars += data.length;
    if (this.pendingOutputChars >= OUTPUT_COALESCE_CHARS) this.flushOutput();
    else if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flushOutput(), OUTPUT_COALESCE_MS);
  }

  input(data: string): void {
    this.flushOutput();
    this.post('i', data, Date.now());
  }

  resize(cols: number, rows: number): void {
    this.flushOutput();
    this.post('r', `${cols}x${rows}`, Date.now());
  }

  /** A marker event (asciicast v2 `"m"`), e.g. where flood output was skipped. */
  marker(label: string): void {
    this.flushOutput();
    this.post('m', label, Date.now());
  }

  private flushOutput(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pendingOutput.length === 0) return;
    const data = this.pendingOutput.join('');
    this.pendingOutput = [];
    this.pendingOutputChars = 0;
    this.post('o', data, this.pendingOutputAt);
  }

  private post(kind: EventKind, data: string, at: number): void {
    if (this.closed) return;
    this.backend.post({ op: 'event', id: this.id, kind, at, data });
  }

  /** Records the end of the session; resolves once everything is on disk. */
  close(exitCode: number | null): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.flushOutput();
    this.closed = true;
    this.backend.post({ op: 'close', id: this.id, stoppedAt: new Date().toISOString(), exitCode });
    return this.backend.drain();
  }
}

/** Reads the metadata of every recorded session under `transcriptsDir`, newest first. */
export function listTranscripts(transcriptsDir: string): TranscriptMeta[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(transcriptsDir);
  } catch {
    return [];
  }
  const metas: TranscriptMeta[] = [];
  for (const entry of entries) {
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(path.join(transcriptsDir, entry, 'meta.json'), 'utf8'));
    } catch {
      // A folder without readable metadata is not a transcript.
      continue;
    }
    const meta = asTranscriptMeta(raw, entry);
    if (meta) metas.push(meta);
  }
  return metas.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/**
 * A meta.json as the API may show it, or undefined. The file is on disk where anything may have
 * edited it; one odd file must not break the list for every other transcript.
 */
function asTranscriptMeta(raw: unknown, folder: string): TranscriptMeta | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const value = raw as Record<string, unknown>;
  const text = (field: string, fallback = ''): string => (typeof value[field] === 'string' ? (value[field] as string) : fallback);
  const strings = (field: string): string[] => (Array.isArray(value[field]) ? (value[field] as unknown[]).filter((v): v is string => typeof v === 'string') : []);
  const createdAt = text('createdAt');
  if (createdAt === '') return undefined;
  const exitCode = value.exitCode;
  return {
    id: text('id', folder),
    name: text('name'),
    type: text('type'),
    workdir: text('workdir'),
    command: text('command'),
    args: strings('args'),
    createdAt,
    ...(typeof value.stoppedAt === 'string' ? { stoppedAt: value.stoppedAt } : {}),
    ...(typeof exitCode === 'number' || exitCode === null ? { exitCode } : {}),
    parts: strings('parts').filter((part) => /^\d{4}\.cast$/.test(part)),
  };
}

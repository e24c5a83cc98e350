import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TranscriptMeta } from '../../src-shared/api';
import { formatSize } from '../../src-shared/asciicast';
import { castFileHandler, type CastFileMessage, type EventKind, type TranscriptOptions, type WorkerReply, type WorkerRequest } from './cast-file';

export type { TranscriptMeta, TranscriptOptions };

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
 * posts them. The writer itself is cast-file.ts; the worker's entry is transcript-worker.ts. If the
 * worker cannot be started, the same writer runs inline (with a TranscriptWorkerWarning).
 */

/**
 * Output is coalesced for up to OUTPUT_COALESCE_MS (or OUTPUT_COALESCE_CHARS) before it becomes an
 * event: a flood arrives in 2–16 KB reads, and one JSON line per read costs more than needed.
 * 10 ms is well under what a replay can show as a distinct frame. The size cap keeps each message
 * and its JSON below V8's large-object threshold (~128 KB): large objects are only freed by full
 * GCs, which stall the event loop for 10–20 ms during a flood.
 */
const OUTPUT_COALESCE_MS = 10;
const OUTPUT_COALESCE_CHARS = 32 * 1024;

// ───────────────────────── the backend (worker, or inline fallback) ─────────────────────────

interface Backend {
  post(message: CastFileMessage): void;
  /** Resolves when every message posted so far has been handled. */
  drain(): Promise<void>;
}

class InlineBackend implements Backend {
  private readonly handle = castFileHandler();
  post(message: CastFileMessage): void {
    this.handle(message);
  }
  drain(): Promise<void> {
    return Promise.resolve();
  }
}

/** Where recordings are written: the worker thread, or the main thread when the worker could not start. */
export type TranscriptThread = 'worker' | 'main';

class WorkerBackend implements Backend {
  private readonly waiting = new Map<number, () => void>();
  private seq = 0;
  private broken = false;
  /**
   * Until the worker says it loaded, what was posted is kept: if loading fails, the main thread
   * writes it all, so no recording loses its start.
   */
  private unconfirmed: CastFileMessage[] | undefined = [];
  private readonly fallback = new InlineBackend();
  /** Settles once the worker has loaded, or has failed and the main thread took over. */
  readonly thread: Promise<TranscriptThread>;
  private settleThread!: (thread: TranscriptThread) => void;

  constructor(private readonly worker: Worker) {
    this.thread = new Promise((resolve) => (this.settleThread = resolve));
    worker.unref();
    worker.on('message', (message: WorkerReply) => {
      if ('ready' in message) {
        this.unconfirmed = undefined;
        this.settleThread('worker');
        return;
      }
      this.waiting.get(message.drained)?.();
      this.waiting.delete(message.drained);
    });
    worker.on('error', (error: Error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`the transcript worker exited with code ${code}`)));
  }

  private fail(error: Error): void {
    if (this.broken) return;
    this.broken = true;
    // A missing or unloadable worker file is a packaging bug; say so where an operator looks,
    // while recordings continue on the main thread.
    process.emitWarning(`transcripts are written on the main thread: ${error.message}`, 'TranscriptWorkerWarning');
    for (const message of this.unconfirmed ?? []) this.fallback.post(message);
    this.unconfirmed = undefined;
    this.settleThread('main');
    for (const resolve of this.waiting.values()) resolve();
    this.waiting.clear();
  }

  post(message: CastFileMessage): void {
    if (this.broken) return this.fallback.post(message);
    this.unconfirmed?.push(message);
    this.worker.postMessage(message satisfies WorkerRequest);
  }

  drain(): Promise<void> {
    if (this.broken) return Promise.resolve();
    const seq = ++this.seq;
    return new Promise((resolve) => {
      this.waiting.set(seq, resolve);
      this.worker.postMessage({ op: 'drain', seq } satisfies WorkerRequest);
    });
  }
}

/** The worker's file name, without extension: the desktop build emits `transcript-worker.js` next to its bundle. */
const WORKER_ENTRY = 'transcript-worker';

/**
 * Starts the worker from its entry file. In a bundle the compiled `.js` sits next to this code
 * (`__dirname` is the bundle's folder); from source (tsx, vitest) the `.ts` entry is loaded
 * through tsx's require hook, registered inside the worker before the entry is required.
 */
function startWorker(): Worker {
  const compiled = path.join(__dirname, `${WORKER_ENTRY}.js`);
  if (fs.existsSync(compiled)) return new Worker(compiled);
  const source = path.join(__dirname, `${WORKER_ENTRY}.ts`);
  const tsx = require.resolve('tsx/cjs/api');
  return new Worker(`require(${JSON.stringify(tsx)}).register();\nrequire(${JSON.stringify(source)});`, { eval: true });
}

let sharedBackend: WorkerBackend | InlineBackend | undefined;

function backend(): Backend {
  if (sharedBackend) return sharedBackend;
  try {
    sharedBackend = new WorkerBackend(startWorker());
  } catch (error) {
    process.emitWarning(`transcripts are written on the main thread: ${String(error)}`, 'TranscriptWorkerWarning');
    sharedBackend = new InlineBackend();
  }
  return sharedBackend;
}

/** Which thread writes recordings in this process (starting the worker if no recording has yet). */
export function transcriptThread(): Promise<TranscriptThread> {
  const current = backend();
  return current instanceof WorkerBackend ? current.thread : Promise.resolve('main');
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
    this.post('r', formatSize(cols, rows), Date.now());
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

import * as fs from 'node:fs';
import * as path from 'node:path';

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
 */

export interface TranscriptMeta {
  id: string;
  name: string;
  type: string;
  workdir: string;
  command: string;
  args: string[];
  createdAt: string;
  stoppedAt?: string;
  exitCode?: number | null;
  parts: string[];
}

export interface TranscriptOptions {
  dir: string;
  meta: Omit<TranscriptMeta, 'parts'>;
  cols: number;
  rows: number;
  maxBytes: number;
  keepParts: number;
}

export class TranscriptWriter {
  private stream: fs.WriteStream | undefined;
  private partBytes = 0;
  private partIndex = 0;
  private partStartedAt = 0;
  private cols: number;
  private rows: number;
  private readonly meta: TranscriptMeta;
  private closed = false;
  private failed = false;

  constructor(private readonly options: TranscriptOptions) {
    this.cols = options.cols;
    this.rows = options.rows;
    this.meta = { ...options.meta, parts: [] };
    fs.mkdirSync(options.dir, { recursive: true });
    this.startPart();
    this.writeMeta();
  }

  get directory(): string {
    return this.options.dir;
  }

  output(data: string): void {
    this.event('o', data);
  }

  input(data: string): void {
    this.event('i', data);
  }

  resize(cols: number, rows: number): void {
    this.cols = cols;
    this.rows = rows;
    this.event('r', `${cols}x${rows}`);
  }

  private event(kind: 'o' | 'i' | 'r', data: string): void {
    if (this.closed || this.failed || !this.stream) return;
    const seconds = (Date.now() - this.partStartedAt) / 1000;
    const line = `${JSON.stringify([Number(seconds.toFixed(6)), kind, data])}\n`;
    this.stream.write(line);
    this.partBytes += Buffer.byteLength(line);
    if (this.partBytes >= this.options.maxBytes) this.rotate();
  }

  private startPart(): void {
    this.partIndex++;
    const name = `${String(this.partIndex).padStart(4, '0')}.cast`;
    this.partStartedAt = Date.now();
    this.stream = fs.createWriteStream(path.join(this.options.dir, name), { flags: 'w' });
    this.stream.on('error', () => {
      // A full or read-only disk must not take the session down; the transcript just stops.
      this.failed = true;
    });
    const header = {
      version: 2,
      width: this.cols,
      height: this.rows,
      timestamp: Math.floor(this.partStartedAt / 1000),
      title: `${this.meta.name} (${this.meta.type})${this.partIndex > 1 ? ` part ${this.partIndex}` : ''}`,
      env: { TERM: 'xterm-256color' },
    };
    const line = `${JSON.stringify(header)}\n`;
    this.stream.write(line);
    this.partBytes = Buffer.byteLength(line);
    this.meta.parts.push(name);
    while (this.meta.parts.length > this.options.keepParts) {
      const oldest = this.meta.parts.shift() as string;
      fs.rm(path.join(this.options.dir, oldest), { force: true }, () => undefined);
    }
  }

  private rotate(): void {
    this.stream?.end();
    this.startPart();
    this.writeMeta();
  }

  private writeMeta(): void {
    try {
      fs.writeFileSync(path.join(this.options.dir, 'meta.json'), JSON.stringify(this.meta, null, 2));
    } catch {
      this.failed = true;
    }
  }

  /** Records the end of the session and closes the file. */
  close(exitCode: number | null): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.meta.stoppedAt = new Date().toISOString();
    this.meta.exitCode = exitCode;
    this.writeMeta();
    const stream = this.stream;
    return new Promise((resolve) => {
      if (!stream || stream.destroyed) return resolve();
      stream.end(() => resolve());
    });
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
    try {
      metas.push(JSON.parse(fs.readFileSync(path.join(transcriptsDir, entry, 'meta.json'), 'utf8')) as TranscriptMeta);
    } catch {
      // A folder without readable metadata is not a transcript.
    }
  }
  return metas.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

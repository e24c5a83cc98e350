/**
 * Drives one CLI in node-pty, mirrors it into @xterm/headless and records an asciicast v2 file with
 * output ("o"), typed input ("i") and state markers ("m").
 *
 * The state checks here are deliberately simple regexes over the rendered screen: this is a recorder
 * for fixtures, not the product's detector.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as pty from 'node-pty';
import { Terminal } from '@xterm/headless';
import { castEventLine } from '../../src-shared/asciicast';

export interface Screen {
  /** Viewport rows, right-trimmed. */
  lines: string[];
  text: string;
}

export type Predicate = (s: Screen) => boolean;

export interface RecorderOptions {
  file: string;
  args?: string[];
  cwd: string;
  env: Record<string, string>;
  cols?: number;
  rows?: number;
  /** asciicast title, e.g. `claude 2.1.197 hello`. */
  title: string;
  scrollback?: number;
}

export interface MarkerRecord {
  label: string;
  /** Seconds since spawn when the marker was placed (after the stability window). */
  t: number;
  /** Seconds since spawn when the state was first seen in the window that led to the marker. */
  firstSeen: number;
  screen: string;
}

type CastEvent = [number, 'o' | 'i' | 'm', string];

export const KEYS = {
  enter: '\r',
  esc: '\x1b',
  ctrlC: '\x03',
  tab: '\t',
  backspace: '\x7f',
} as const;

const STABLE_MS = 300;
const POLL_MS = 50;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class ScreenRecorder {
  readonly term: Terminal;
  readonly proc: pty.IPty;
  readonly events: CastEvent[] = [];
  readonly markers: MarkerRecord[] = [];
  readonly startedAt = Date.now();
  raw = '';
  exitInfo: { exitCode: number; signal?: number; t: number } | undefined;
  private pendingWrites = 0;
  private readonly exitPromise: Promise<void>;

  constructor(readonly opts: RecorderOptions) {
    const cols = opts.cols ?? 120;
    const rows = opts.rows ?? 40;
    this.term = new Terminal({ cols, rows, scrollback: opts.scrollback ?? 10000, allowProposedApi: true });
    this.proc = pty.spawn(opts.file, opts.args ?? [], { name: 'xterm-256color', cols, rows, cwd: opts.cwd, env: opts.env });
    this.proc.onData((d) => {
      this.events.push([this.now(), 'o', d]);
      this.raw += d;
      this.pendingWrites++;
      this.term.write(d, () => {
        this.pendingWrites--;
      });
    });
    // Answer terminal queries (cursor position, device attributes…) the way a real terminal would;
    // some CLIs wait for these replies before drawing. They are not what "the user typed", so they
    // are not recorded as "i" events.
    this.term.onData((d) => this.proc.write(d));
    this.exitPromise = new Promise((resolve) => {
      this.proc.onExit((e) => {
        this.exitInfo = { exitCode: e.exitCode, signal: e.signal, t: this.now() };
        resolve();
      });
    });
  }

  now(): number {
    return (Date.now() - this.startedAt) / 1000;
  }

  get exited(): boolean {
    return this.exitInfo !== undefined;
  }

  screen(): Screen {
    const b = this.term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < this.term.rows; i++) lines.push(b.getLine(b.baseY + i)?.translateToString(true) ?? '');
    return { lines, text: lines.join('\n') };
  }

  /** Every line in scrollback + viewport. */
  allLines(): string[] {
    const b = this.term.buffer.active;
    const out: string[] = [];
    for (let i = 0; i < b.length; i++) out.push(b.getLine(i)?.translateToString(true) ?? '');
    return out;
  }

  /** Resolves once the headless terminal has parsed everything received so far. */
  async settle(): Promise<void> {
    for (let i = 0; i < 100 && this.pendingWrites > 0; i++) await sleep(10);
  }

  write(data: string): void {
    this.events.push([this.now(), 'i', data]);
    this.proc.write(data);
  }

  key(name: 'up' | 'down' | 'left' | 'right'): void {
    // Arrow keys depend on DECCKM, like in a real terminal.
    const app = this.term.modes.applicationCursorKeysMode;
    const code = { up: 'A', down: 'B', right: 'C', left: 'D' }[name];
    this.write(app ? `\x1bO${code}` : `\x1b[${code}`);
  }

  /**
   * Wait until `pred` has held continuously for ~300 ms, then place marker `label` (if given).
   * Returns false on timeout or when `until` becomes true first (for optional markers).
   */
  async waitStable(pred: Predicate, o: { timeoutMs?: number; until?: Predicate; label?: string } = {}): Promise<boolean> {
    const deadline = Date.now() + (o.timeoutMs ?? 30000);
    let since: number | undefined;
    while (Date.now() < deadline) {
      await this.settle();
      const s = this.screen();
      if (o.until && o.until(s)) return false;
      if (pred(s)) {
        since ??= Date.now();
        if (Date.now() - since >= STABLE_MS) {
          if (o.label) this.mark(o.label, (since - this.startedAt) / 1000);
          return true;
        }
      } else {
        since = undefined;
      }
      if (this.exited && this.pendingWrites === 0 && !pred(s)) return false;
      await sleep(POLL_MS);
    }
    return false;
  }

  /** Like waitStable but throws with the current screen on timeout. */
  async expect(label: string, pred: Predicate, timeoutMs = 30000): Promise<void> {
    const ok = await this.waitStable(pred, { timeoutMs, label });
    if (!ok) {
      throw new Error(`timeout waiting for "${label}" after ${this.now().toFixed(1)}s (exited=${this.exited})\n${this.screen().text}`);
    }
  }

  /** Wait (without a marker) until `pred` is true once. */
  async until(pred: Predicate, timeoutMs = 10000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await this.settle();
      if (pred(this.screen())) return true;
      if (this.exited) return pred(this.screen());
      await sleep(POLL_MS);
    }
    return false;
  }

  mark(label: string, firstSeen?: number): void {
    const t = this.now();
    this.events.push([t, 'm', label]);
    this.markers.push({ label, t, firstSeen: firstSeen ?? t, screen: this.screen().lines.join('\n') });
  }

  waitExit(timeoutMs: number): Promise<boolean> {
    return Promise.race([this.exitPromise.then(() => true), sleep(timeoutMs).then(() => false)]);
  }

  /** Kill the whole process group (node-pty makes the child a session leader). */
  killGroup(): void {
    for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
      try {
        process.kill(-this.proc.pid, sig);
      } catch {
        // ESRCH: the group is already gone.
      }
    }
  }

  toCast(header: Record<string, unknown>): string {
    const lines = [JSON.stringify(header)];
    for (const [t, kind, data] of this.events) lines.push(castEventLine(t, kind, data));
    return lines.join('\n') + '\n';
  }

  /** Screen at each marker, for humans. */
  toText(): string {
    return this.markers.map((m) => `=== ${m.label} ===\n${m.screen}\n`).join('\n');
  }

  save(castPath: string, title: string): void {
    fs.mkdirSync(path.dirname(castPath), { recursive: true });
    const header = {
      version: 2,
      width: this.term.cols,
      height: this.term.rows,
      timestamp: Math.floor(this.startedAt / 1000),
      env: { TERM: 'xterm-256color' },
      title,
    };
    fs.writeFileSync(castPath, this.toCast(header));
    fs.writeFileSync(castPath.replace(/\.cast$/, '.txt'), this.toText());
  }

  dispose(): void {
    this.killGroup();
    this.term.dispose();
  }
}

/** PIDs of live processes whose environment contains `HOME=<home>` (i.e. started for one scratch HOME). */
export function processesWithHome(home: string): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  const needle = `HOME=${home}\0`;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = fs.readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (!env.includes(needle)) continue;
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'latin1').replace(/\0/g, ' ').trim();
      out.push({ pid: Number(entry), cmd });
    } catch {
      // The process ended while we looked, or is not ours to read.
    }
  }
  return out;
}

/** Descendants of `rootPid` with their command lines (from /proc). */
export function processTree(rootPid: number): { pid: number; ppid: number; cmd: string }[] {
  const all: { pid: number; ppid: number; cmd: string }[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'latin1').replace(/\0/g, ' ').trim();
      all.push({ pid: Number(entry), ppid, cmd });
    } catch {
      // Raced with process exit.
    }
  }
  const keep = new Set<number>([rootPid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of all) {
      if (!keep.has(p.pid) && keep.has(p.ppid)) {
        keep.add(p.pid);
        grew = true;
      }
    }
  }
  return all.filter((p) => keep.has(p.pid));
}

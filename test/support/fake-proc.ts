import type { ProcReader } from '../../src-main/runtime/process/proc-fs';

/** A made-up process table read the way /proc is read, and a record of every signal sent. */
export interface FakeProcess {
  ppid: number;
  pgid: number;
  startTime: number;
  state?: string;
  env?: Record<string, string>;
  comm?: string;
}

export class FakeProc implements ProcReader {
  readonly table = new Map<number, FakeProcess>();
  readonly signals: [number, NodeJS.Signals][] = [];
  /** Called after every environ read: lets a test change the table between listing and signalling. */
  afterEnvironRead: ((pid: number) => void) | undefined;

  available(): boolean {
    return true;
  }
  listPids(): number[] {
    return [...this.table.keys()];
  }
  readStat(pid: number): string | undefined {
    const p = this.table.get(pid);
    if (!p) return undefined;
    // Fields 3..22 (state … starttime) as in /proc/<pid>/stat; the rest do not matter here.
    const fields = [p.state ?? 'S', p.ppid, p.pgid, p.pgid, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 1, 0, p.startTime, 1000];
    return `${pid} (${p.comm ?? 'sleep'}) ${fields.join(' ')}\n`;
  }
  readEnviron(pid: number): string | undefined {
    const p = this.table.get(pid);
    if (!p) return undefined;
    const text = Object.entries(p.env ?? {}).map(([k, v]) => `${k}=${v}\0`).join('');
    this.afterEnvironRead?.(pid);
    return text;
  }
  kill = (target: number, signal: NodeJS.Signals): void => {
    this.signals.push([target, signal]);
  };
  targets(): number[] {
    return this.signals.map(([target]) => target).sort((a, b) => a - b);
  }
}

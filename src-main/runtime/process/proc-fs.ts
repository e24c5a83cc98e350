import * as fs from 'node:fs';

/**
 * The few reads of Linux's /proc that tell processes apart, behind an interface so the ownership
 * rules (owned-processes.ts, process-tree.ts) can be tested against a made-up process table.
 */

export interface ProcStat {
  pid: number;
  /** One letter: R, S, D, Z (zombie), X (dead), … */
  state: string;
  ppid: number;
  pgid: number;
  /**
   * Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. A PID can be
   * reused; the pair (pid, startTime) cannot, so it names one process for as long as the machine runs.
   */
  startTime: string;
}

export interface ProcReader {
  /** True where /proc can be read (Linux): only there can a PID's identity be checked. */
  available(): boolean;
  /** Numeric entries of /proc; undefined when /proc is not there (not Linux). */
  listPids(): number[] | undefined;
  /** The raw text of /proc/<pid>/stat, or undefined when the process is gone or unreadable. */
  readStat(pid: number): string | undefined;
  /** The raw bytes of /proc/<pid>/environ as latin1, or undefined when gone or not ours to read. */
  readEnviron(pid: number): string | undefined;
}

/** Parses /proc/<pid>/stat. The command name sits in parentheses and may itself hold spaces or ')'. */
export function parseStat(pid: number, text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // Fields after the name, starting at field 3 (state): index 0 = field 3, so field n is index n - 3.
  const rest = text.slice(close + 2).trim().split(/\s+/);
  if (rest.length < 20) return undefined;
  const ppid = Number(rest[1]);
  const pgid = Number(rest[2]);
  const startTime = rest[19];
  if (!Number.isInteger(ppid) || !Number.isInteger(pgid) || !/^\d+$/.test(startTime)) return undefined;
  return { pid, state: rest[0], ppid, pgid, startTime };
}

/** True when an environ block (NUL-separated `NAME=value` entries) holds exactly `name=value`. */
export function environHas(environ: string, name: string, value: string): boolean {
  const needle = `${name}=${value}\0`;
  return environ.startsWith(needle) || environ.includes(`\0${needle}`) || environ === needle.slice(0, -1) || environ.endsWith(`\0${needle.slice(0, -1)}`);
}

export const systemProc: ProcReader = {
  available() {
    return process.platform === 'linux' && systemProc.readStat(process.pid) !== undefined;
  },
  listPids() {
    if (process.platform !== 'linux') return undefined;
    try {
      return fs
        .readdirSync('/proc')
        .filter((entry) => /^\d+$/.test(entry))
        .map(Number);
    } catch {
      return undefined;
    }
  },
  readStat(pid) {
    try {
      return fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return undefined;
    }
  },
  readEnviron(pid) {
    try {
      return fs.readFileSync(`/proc/${pid}/environ`, 'latin1');
    } catch {
      return undefined;
    }
  },
};

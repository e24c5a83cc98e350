import { execFileSync } from 'node:child_process';
import { environHas, parseStat, systemProc, type ProcReader } from './proc-fs';

/**
 * Listing the processes that belong to an agent session, so stopping it leaves nothing behind.
 *
 * A PTY child is a session leader, so signalling its process group (`kill(-pid)`) reaches most of
 * its descendants. Three kinds escape that: children that called setsid/setpgid (MCP servers,
 * Codex's app-server daemon), grandchildren reparented to init after their parent exited, and
 * anything started through a double fork. We therefore also walk the parent→child tree, and on
 * Linux scan `/proc/<pid>/environ` for the per-session marker variable every agent process inherits.
 *
 * These functions only *list*. Whether a listed PID may be signalled is decided at the moment of
 * signalling by owned-processes.ts (docs/processes.md explains why a list alone is not enough).
 */

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** Start time in clock ticks since boot (Linux); undefined where `ps` was the source. */
  startTime?: string;
}

/** All live (non-zombie) processes visible to us, from /proc on Linux or `ps` elsewhere. */
export function listProcesses(reader: ProcReader = systemProc): ProcessInfo[] {
  const pids = reader.listPids();
  if (pids === undefined) return process.platform === 'win32' ? [] : listFromPs();
  const out: ProcessInfo[] = [];
  for (const pid of pids) {
    const text = reader.readStat(pid);
    // Undefined: the process exited while we were reading.
    const stat = text === undefined ? undefined : parseStat(pid, text);
    if (!stat || stat.state === 'Z' || stat.state === 'X') continue; // zombies are already dead
    out.push({ pid, ppid: stat.ppid, pgid: stat.pgid, startTime: stat.startTime });
  }
  return out;
}

function listFromPs(): ProcessInfo[] {
  try {
    const text = execFileSync('ps', ['-axo', 'pid=,ppid=,pgid=,stat='], { encoding: 'utf8' });
    return text
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((cols) => cols.length >= 4 && !cols[3].startsWith('Z'))
      .map((cols) => ({ pid: Number(cols[0]), ppid: Number(cols[1]), pgid: Number(cols[2]) }));
  } catch {
    return [];
  }
}

/** Processes whose environment carries `name=value` (Linux only; elsewhere an empty list). */
export function processesWithEnvMarker(name: string, value: string, reader: ProcReader = systemProc): number[] {
  const out: number[] = [];
  for (const pid of reader.listPids() ?? []) {
    const environ = reader.readEnviron(pid);
    if (environ !== undefined && environHas(environ, name, value)) out.push(pid);
  }
  return out;
}

/** The root's descendants (parent→child links) and the members of its process group, root excluded. */
export function descendantsAndGroup(rootPid: number, all: readonly ProcessInfo[]): ProcessInfo[] {
  const children = new Map<number, ProcessInfo[]>();
  for (const p of all) {
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const found = new Map<number, ProcessInfo>();
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    for (const child of children.get(pid) ?? []) {
      if (child.pid !== rootPid && !found.has(child.pid)) {
        found.set(child.pid, child);
        queue.push(child.pid);
      }
    }
  }
  for (const p of all) if (p.pgid === rootPid && p.pid !== rootPid) found.set(p.pid, p);
  return [...found.values()];
}

/** True while the process runs. A zombie (dead, not yet reaped by its parent) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM means it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  const text = systemProc.readStat(pid);
  const stat = text === undefined ? undefined : parseStat(pid, text);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

/**
 * Sends a signal to a process group and to each listed pid; missing processes are ignored. Only for
 * a child whose exit has not been observed yet (git clones): agent sessions go through
 * owned-processes.ts, which checks each PID is still the process it was.
 */
export function signalAll(groupLeader: number | undefined, pids: readonly number[], signal: NodeJS.Signals): void {
  if (groupLeader !== undefined && process.platform !== 'win32') {
    try {
      process.kill(-groupLeader, signal);
    } catch {
      // The group is gone already.
    }
  }
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Gone already.
    }
  }
}

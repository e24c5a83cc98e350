import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

/**
 * Finding every process that belongs to an agent session, so stopping it leaves nothing behind.
 *
 * A PTY child is a session leader, so signalling its process group (`kill(-pid)`) reaches most of
 * its descendants. Three kinds escape that: children that called setsid/setpgid (MCP servers,
 * Codex's app-server daemon), grandchildren reparented to init after their parent exited, and
 * anything started through a double fork. We therefore also walk the parent→child tree, and on
 * Linux scan `/proc/<pid>/environ` for the per-session marker variable every agent process inherits.
 */

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
}

/** All processes visible to us, from /proc on Linux or `ps` elsewhere. */
export function listProcesses(): ProcessInfo[] {
  if (process.platform === 'linux') return listFromProc();
  if (process.platform === 'win32') return [];
  return listFromPs();
}

function listFromProc(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return listFromPs();
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name is in parentheses and may itself contain spaces or ')'.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const state = rest[0];
      if (state === 'Z' || state === 'X') continue; // zombies are already dead
      out.push({ pid: Number(entry), ppid: Number(rest[1]), pgid: Number(rest[2]) });
    } catch {
      // The process exited while we were reading.
    }
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
export function processesWithEnvMarker(name: string, value: string): number[] {
  if (process.platform !== 'linux') return [];
  const needle = `${name}=${value}\0`;
  const out: number[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (environ.startsWith(needle) || environ.includes(`\0${needle}`)) out.push(Number(entry));
    } catch {
      // Not ours to read, or gone.
    }
  }
  return out;
}

/** The root and all its descendants, plus members of the root's process group. */
export function sessionProcesses(rootPid: number, marker?: { name: string; value: string }): number[] {
  const all = listProcesses();
  const children = new Map<number, number[]>();
  for (const p of all) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const found = new Set<number>();
  const alive = new Set(all.map((p) => p.pid));
  if (alive.has(rootPid)) found.add(rootPid);
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    for (const child of children.get(pid) ?? []) {
      if (!found.has(child)) {
        found.add(child);
        queue.push(child);
      }
    }
  }
  for (const p of all) if (p.pgid === rootPid) found.add(p.pid);
  if (marker) for (const pid of processesWithEnvMarker(marker.name, marker.value)) found.add(pid);
  found.delete(process.pid);
  return [...found];
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
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Sends a signal to a process group and to each listed pid; missing processes are ignored. */
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

import * as fs from 'node:fs';
import { systemProc, type ProcReader } from '../process/proc-fs';
import { descendantsAndGroup, listProcesses } from '../process/process-tree';

/**
 * The memory limit where no cgroup can be made: the resident memory of the agent's process tree,
 * summed from /proc every interval. RLIMIT_AS is not an option: it caps address space, and V8
 * reserves far more address space than it uses, so Node CLIs fail to start under any useful cap.
 * The watchdog only reports; the session ends the agent (through its own process ownership checks).
 */

export interface MemoryWatchdogOptions {
  limitBytes: number;
  intervalMs: number;
  onOver(usedBytes: number): void;
  proc?: ProcReader;
  /** Resident bytes of one process, undefined when it is gone. */
  residentBytes?: (pid: number) => number | undefined;
}

/** VmRSS from /proc/<pid>/status (in kB there), so the page size never matters. */
export function residentBytesFromStatus(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    // Kernel threads and zombies have no VmRSS line.
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return undefined;
  }
}

/** Resident bytes of the root and everything it started. */
export function treeResidentBytes(rootPid: number, proc: ProcReader, residentBytes: (pid: number) => number | undefined): number {
  const tree = [rootPid, ...descendantsAndGroup(rootPid, listProcesses(proc)).map((p) => p.pid)];
  let total = 0;
  for (const pid of tree) total += residentBytes(pid) ?? 0;
  return total;
}

export class MemoryWatchdog {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: MemoryWatchdogOptions) {}

  /** Starts watching the tree under `rootPid`; reports once, then stops. */
  watch(rootPid: number): void {
    this.stop();
    const proc = this.options.proc ?? systemProc;
    const residentBytes = this.options.residentBytes ?? residentBytesFromStatus;
    this.timer = setInterval(() => {
      const used = treeResidentBytes(rootPid, proc, residentBytes);
      if (used > this.options.limitBytes) {
        this.stop();
        this.options.onOver(used);
      }
    }, this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}

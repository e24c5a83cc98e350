import { descendantsAndGroup, isAlive, listProcesses, processesWithEnvMarker } from './process-tree';
import { parseStat, environHas, systemProc, type ProcReader } from './proc-fs';

/**
 * The processes of one agent session, and the only way the runtime signals them.
 *
 * A PID is a number the kernel hands out again once its process is gone, so "the agent's PID" stops
 * meaning the agent the moment it exits. Every signal therefore goes only to a process the runtime
 * can show is still its own, checked right before sending (docs/processes.md):
 *  - the PTY child (and its process group, and its descendants) only while its exit has not been
 *    observed *and* its start time still equals the one recorded at spawn (Linux), which exposes a
 *    PID recycled before node-pty told us about the exit;
 *  - any other process only if, at the moment of signalling, it still has the start time it was
 *    listed with and (when it was found by the marker) its environment still carries this session's
 *    marker variable.
 * Linux has pidfds that close even the last microsecond window, but Node offers no pidfd_open or
 * pidfd_send_signal, so the start-time check is the closest we get without a native module.
 */

export interface EnvMarker {
  name: string;
  value: string;
}

type Signaller = (target: number, signal: NodeJS.Signals) => void;

export interface OwnedProcessesOptions {
  proc?: ProcReader;
  /** `process.kill` by default; a negative target is a process group. Errors are ignored. */
  kill?: Signaller;
  /** Our own PID, never signalled (defaults to process.pid). */
  selfPid?: number;
}

interface Candidate {
  pid: number;
  startTime?: string;
  /** How it was found, which decides how it is re-checked before a signal. */
  via: 'root' | 'tree' | 'marker';
}

function defaultKill(target: number, signal: NodeJS.Signals): void {
  process.kill(target, signal);
}

const POLL_MS = 100;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class OwnedProcesses {
  private rootPid: number;
  private readonly rootStartTime: string | undefined;
  private rootExited = false;
  private readonly proc: ProcReader;
  private readonly kill: Signaller;
  private readonly selfPid: number;
  /** Whether PIDs can be told apart by start time here (Linux); elsewhere only the exit flag guards. */
  private readonly verifiable: boolean;

  /** Call right after spawning: the start time read now is what later signals are checked against. */
  constructor(rootPid: number, private readonly marker: EnvMarker, options: OwnedProcessesOptions = {}) {
    this.proc = options.proc ?? systemProc;
    this.kill = options.kill ?? defaultKill;
    this.selfPid = options.selfPid ?? process.pid;
    this.verifiable = this.proc.available();
    this.rootPid = rootPid;
    this.rootStartTime = this.startTimeOf(rootPid);
  }

  /** The PTY child's exit was observed: its PID, group and tree are never used again. */
  markRootExited(): void {
    this.rootExited = true;
  }

  /**
   * Test seam: makes this object believe the PTY child had `pid`, keeping the recorded start time.
   * That is exactly what PID reuse looks like, reproduced without waiting for the kernel to recycle.
   */
  simulateRecycledRootPid(pid: number): void {
    this.rootPid = pid;
  }

  /** True while the PTY child is known to be the process we spawned. */
  private rootIsOurs(): boolean {
    if (this.rootExited) return false;
    if (!this.verifiable) return true;
    return this.rootStartTime !== undefined && this.startTimeOf(this.rootPid) === this.rootStartTime;
  }

  /** Running (not a zombie). Read through `proc` where it works, so the rules can be tested on a fake table. */
  private alive(pid: number): boolean {
    if (!this.verifiable) return isAlive(pid);
    const text = this.proc.readStat(pid);
    const stat = text === undefined ? undefined : parseStat(pid, text);
    return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
  }

  private startTimeOf(pid: number): string | undefined {
    const text = this.proc.readStat(pid);
    return text === undefined ? undefined : parseStat(pid, text)?.startTime;
  }

  /** Everything that looks like ours right now; each entry is re-checked before any signal. */
  private candidates(): Candidate[] {
    const found = new Map<number, Candidate>();
    const all = listProcesses(this.proc);
    const startTimes = new Map(all.map((p) => [p.pid, p.startTime]));
    if (this.rootIsOurs()) {
      found.set(this.rootPid, { pid: this.rootPid, startTime: this.rootStartTime, via: 'root' });
      for (const p of descendantsAndGroup(this.rootPid, all)) found.set(p.pid, { pid: p.pid, startTime: p.startTime, via: 'tree' });
    }
    for (const pid of processesWithEnvMarker(this.marker.name, this.marker.value, this.proc)) {
      // Zombies are not in `all`: they are dead already and need no signal.
      if (!found.has(pid) && startTimes.has(pid)) found.set(pid, { pid, startTime: startTimes.get(pid), via: 'marker' });
    }
    found.delete(this.selfPid);
    return [...found.values()];
  }

  /** The check made immediately before each signal. */
  private stillOurs(candidate: Candidate): boolean {
    if (candidate.via === 'root') return candidate.pid === this.rootPid && this.rootIsOurs();
    if (this.verifiable && (candidate.startTime === undefined || this.startTimeOf(candidate.pid) !== candidate.startTime)) return false;
    if (candidate.via === 'marker') {
      const environ = this.proc.readEnviron(candidate.pid);
      return environ !== undefined && environHas(environ, this.marker.name, this.marker.value);
    }
    return true;
  }

  private send(target: number, signal: NodeJS.Signals): void {
    try {
      this.kill(target, signal);
    } catch {
      // Gone already.
    }
  }

  private signalCandidates(candidates: readonly Candidate[], signal: NodeJS.Signals): Candidate[] {
    const sent: Candidate[] = [];
    for (const candidate of candidates) {
      if (!this.stillOurs(candidate)) continue;
      this.send(candidate.pid, signal);
      sent.push(candidate);
    }
    return sent;
  }

  /** Signals the PTY child's process group, only while the child is provably ours. */
  signalGroup(signal: NodeJS.Signals): boolean {
    if (process.platform === 'win32' || !this.rootIsOurs()) return false;
    this.send(-this.rootPid, signal);
    return true;
  }

  /** Signals the group (while ours) and every process that is still ours; returns the PIDs signalled. */
  signalAll(signal: NodeJS.Signals): number[] {
    this.signalGroup(signal);
    return this.signalCandidates(this.candidates(), signal).map((c) => c.pid);
  }

  /** Live processes of this session (diagnostics, tests, and what `reap` will act on). */
  members(): number[] {
    return this.candidates()
      .filter((c) => this.stillOurs(c) && this.alive(c.pid))
      .map((c) => c.pid);
  }

  /**
   * After the PTY child is gone: SIGTERM to whatever of ours outlived it (daemons it started), then
   * SIGKILL to what is left after `graceMs`. Each signal is preceded by the ownership check.
   */
  async reap(graceMs: number): Promise<void> {
    let left = this.candidates().filter((c) => this.alive(c.pid));
    left = this.signalCandidates(left, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (left.length > 0 && Date.now() < deadline) {
      await delay(POLL_MS);
      left = left.filter((c) => this.alive(c.pid) && this.stillOurs(c));
    }
    if (left.length === 0) return;
    left = this.signalCandidates(left, 'SIGKILL');
    for (let i = 0; i < 20 && left.some((c) => this.alive(c.pid)); i++) await delay(POLL_MS / 2);
  }
}

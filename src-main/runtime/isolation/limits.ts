import type { IsolationLimits, LimitsMechanism } from '../../../src-shared/isolation';
import { Emitter } from '../../../src-shared/emitter';
import { RuntimeError } from '../errors';
import { silentLogger, type Logger } from '../logger';
import type { ProcReader } from '../process/proc-fs';
import { readCgroupView } from './cgroup-paths';
import { groupName, type AgentCgroup, type LimitCounters } from './cgroup-group';
import { createV1Group, locateV1, probeV1, type V1Layout } from './cgroup-v1';
import { createV2Group, locateV2, probeV2, type V2Layout } from './cgroup-v2';
import { hitsBetween } from './limit-hits';
import { MemoryWatchdog } from './memory-watchdog';
import type { LimitHit, LimitsHandle } from './types';

/**
 * Resource limits for one agent with the strongest mechanism this machine has: a cgroup v2 or v1
 * group per agent, else a shell `ulimit` for processes plus a memory watchdog, else nothing.
 * What each enforces, how hits are seen and what is weak: docs/isolation-limits.md.
 */

export interface LimitsOptions {
  log?: Logger;
  /** Prefix of every /proc and /sys path read (tests point it at a made-up tree). */
  fsRoot?: string;
  /** How often the hit counters (or the watchdog's /proc walk) are read. */
  pollMs?: number;
  /** Use this mechanism instead of the strongest detected one (it must still work here). */
  mechanism?: LimitsMechanism;
  /** How long `dispose` waits for the group to empty before killing what is left. */
  emptyWaitMs?: number;
  /** The watchdog's /proc reader (tests). */
  proc?: ProcReader;
}

const DEFAULT_POLL_MS = 250;
const DEFAULT_EMPTY_WAIT_MS = 3000;
const EMPTY_CHECK_MS = 25;

/**
 * Puts the shell's own PID (which `exec` hands to the program) into each cgroup.procs file given
 * before `--`, then runs the program: it is limited from its first instruction. A failed write
 * stops the launch (exit 126) rather than running the program unlimited.
 */
export const JOIN_CGROUPS_SCRIPT =
  'while [ "$#" -gt 0 ] && [ "$1" != -- ]; do echo "$$" > "$1" || { echo "raven-limits: cannot enter the cgroup $1" >&2; exit 126; }; shift; done; shift; exec "$@"';

/**
 * Sets RLIMIT_NPROC, then runs the program. bash and macOS sh spell it `-u`; dash (Debian's sh)
 * spells it `-p` and rejects `-u`, so `-u` is tried first.
 */
export const PROCESS_RLIMIT_SCRIPT =
  'ulimit -u "$1" 2>/dev/null || ulimit -p "$1" || { echo "raven-limits: cannot set the process limit" >&2; exit 126; }; shift 2; exec "$@"';

export const PREFIX_NAME = 'raven-limits';

export function cgroupPrefix(procsFiles: readonly string[]): string[] {
  return ['/bin/sh', '-c', JOIN_CGROUPS_SCRIPT, PREFIX_NAME, ...procsFiles, '--'];
}

export function processRlimitPrefix(maxProcesses: number): string[] {
  return ['/bin/sh', '-c', PROCESS_RLIMIT_SCRIPT, PREFIX_NAME, String(maxProcesses), '--'];
}

interface Detection {
  mechanism: LimitsMechanism;
  v1?: V1Layout;
  v2?: V2Layout;
}

const detections = new Map<string, Detection>();

function detect(fsRoot: string): Detection {
  const cached = detections.get(fsRoot);
  if (cached) return cached;
  const detection = detectUncached(fsRoot);
  detections.set(fsRoot, detection);
  return detection;
}

function detectUncached(fsRoot: string): Detection {
  const real = fsRoot === '';
  if (real && process.platform !== 'linux') return { mechanism: 'none' };
  const view = readCgroupView(fsRoot);
  const probeName = `raven-probe-${process.pid}`;
  if (view) {
    const v2 = locateV2(view, fsRoot);
    if (v2 && probeV2(v2, probeName)) return { mechanism: 'cgroup-v2', v2 };
    const v1 = locateV1(view, fsRoot);
    if (v1 && probeV1(v1, probeName)) return { mechanism: 'cgroup-v1', v1 };
  }
  // The watchdog reads /proc, so the fallback needs Linux.
  return { mechanism: 'rlimit' };
}

/** How limits would be enforced here, strongest first; probed once per process (cached). */
export function detectLimitsMechanism(fsRoot = ''): LimitsMechanism {
  return detect(fsRoot).mechanism;
}

/** Forgets the cached detection (tests that change a made-up tree). */
export function forgetLimitsDetection(): void {
  detections.clear();
}

function hasLimits(limits: IsolationLimits): boolean {
  return limits.memoryMb !== undefined || limits.cpuPercent !== undefined || limits.maxProcesses !== undefined;
}

function unavailable(message: string, details: Record<string, unknown> = {}): RuntimeError {
  return new RuntimeError('ISOLATION_UNAVAILABLE', message, details);
}

/** A handle that enforces nothing (no limit was asked for). */
function noLimits(): LimitsHandle {
  return {
    mechanism: 'none',
    prefix: [],
    attach() {},
    onHit: () => ({ dispose() {} }),
    dispose: async () => {},
  };
}

export async function createLimits(agentId: string, limits: IsolationLimits, options: LimitsOptions = {}): Promise<LimitsHandle> {
  if (!hasLimits(limits)) return noLimits();
  const fsRoot = options.fsRoot ?? '';
  const detection = detect(fsRoot);
  const mechanism = options.mechanism ?? detection.mechanism;
  const log = (options.log ?? silentLogger).child({ agentId, limits: mechanism });
  const name = groupName(agentId);
  if (mechanism === 'cgroup-v1' || mechanism === 'cgroup-v2') {
    let group: AgentCgroup;
    try {
      if (mechanism === 'cgroup-v1' && detection.v1) group = createV1Group(detection.v1, name, limits);
      else if (mechanism === 'cgroup-v2' && detection.v2) group = createV2Group(detection.v2, name, limits);
      else throw new Error(`${mechanism} is not available on this machine (it has ${detection.mechanism})`);
    } catch (error) {
      throw unavailable(`cannot create the agent's cgroup: ${(error as Error).message}`, { mechanism });
    }
    return new CgroupLimits(mechanism, group, limits, options.pollMs ?? DEFAULT_POLL_MS, options.emptyWaitMs ?? DEFAULT_EMPTY_WAIT_MS, log);
  }
  if (mechanism === 'rlimit') {
    if (limits.cpuPercent !== undefined) {
      throw unavailable('a CPU limit needs a writable cgroup, and this machine has none (limits fall back to rlimit)', { limit: 'cpu', mechanism });
    }
    return new RlimitLimits(limits, options.pollMs ?? DEFAULT_POLL_MS, options.proc, log);
  }
  throw unavailable('resource limits are not available on this machine (no writable cgroup, and no /proc for the watchdog)', { mechanism });
}

function mib(bytes: number): number {
  return Math.round(bytes / (1024 * 1024));
}

class CgroupLimits implements LimitsHandle {
  readonly prefix: string[];
  private readonly hits = new Emitter<[LimitHit]>();
  private readonly timer: NodeJS.Timeout;
  private last: LimitCounters;
  private disposed: Promise<void> | undefined;

  constructor(
    readonly mechanism: LimitsMechanism,
    private readonly group: AgentCgroup,
    private readonly limits: IsolationLimits,
    pollMs: number,
    private readonly emptyWaitMs: number,
    private readonly log: Logger,
  ) {
    this.prefix = cgroupPrefix(group.procsFiles);
    this.last = group.readCounters();
    // One small read per counter per tick; the kernel offers no event for pids.events in v1.
    this.timer = setInterval(() => this.poll(), pollMs);
    this.timer.unref();
  }

  attach(): void {
    // The prefix placed the program already; nothing is placed by PID afterwards.
  }

  onHit(listener: (hit: LimitHit) => void) {
    return this.hits.on(listener);
  }

  private poll(): void {
    const now = this.group.readCounters();
    const hits = hitsBetween(this.last, now, this.limits);
    this.last = now;
    for (const hit of hits) {
      this.log.warn('limit hit', { ...hit });
      this.hits.emit(hit);
    }
  }

  dispose(): Promise<void> {
    this.disposed ??= this.tearDown();
    return this.disposed;
  }

  private async tearDown(): Promise<void> {
    clearInterval(this.timer);
    this.hits.dispose();
    try {
      if (!(await this.waitEmpty(this.emptyWaitMs))) {
        // The session calls dispose after the tree is gone; anything left is the agent's own stray.
        this.log.warn('agent cgroup still populated after the session ended; killing what is left', { pids: this.group.members() });
        this.group.killMembers();
        await this.waitEmpty(this.emptyWaitMs);
      }
      const failed = this.group.remove();
      if (failed.length > 0) this.log.warn('could not remove the agent cgroup', { dirs: failed });
    } catch (error) {
      this.log.warn('agent cgroup clean-up failed', { error: (error as Error).message });
    }
  }

  private async waitEmpty(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    // Emptiness has no portable event across v1 and v2 (v1's release agent is machine-wide), so poll briefly.
    while (this.group.members().length > 0) {
      if (Date.now() >= deadline) return false;
      await new Promise<void>((resolve) => setTimeout(resolve, EMPTY_CHECK_MS));
    }
    return true;
  }
}

class RlimitLimits implements LimitsHandle {
  readonly mechanism: LimitsMechanism = 'rlimit';
  readonly prefix: string[];
  private readonly hits = new Emitter<[LimitHit]>();
  private readonly watchdog: MemoryWatchdog | undefined;

  constructor(limits: IsolationLimits, pollMs: number, proc: ProcReader | undefined, log: Logger) {
    this.prefix = limits.maxProcesses === undefined ? [] : processRlimitPrefix(limits.maxProcesses);
    const memoryMb = limits.memoryMb;
    if (memoryMb !== undefined) {
      this.watchdog = new MemoryWatchdog({
        limitBytes: memoryMb * 1024 * 1024,
        intervalMs: pollMs,
        proc,
        onOver: (used) => {
          const detail = `memory limit of ${memoryMb} MiB reached: the agent's processes used ${mib(used)} MiB`;
          log.warn('limit hit', { limit: 'memory', detail });
          this.hits.emit({ limit: 'memory', detail });
        },
      });
    }
  }

  attach(rootPid: number): void {
    this.watchdog?.watch(rootPid);
  }

  onHit(listener: (hit: LimitHit) => void) {
    return this.hits.on(listener);
  }

  async dispose(): Promise<void> {
    this.watchdog?.stop();
    this.hits.dispose();
  }
}

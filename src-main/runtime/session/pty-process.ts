import * as pty from 'node-pty';
import { Emitter, type Disposable } from '../../../src-shared/emitter';
import { SESSION_MARKER_VARIABLE } from '../env';
import type { Logger } from '../logger';
import { OwnedProcesses } from '../process/owned-processes';
import { DrainingPty } from './pty-drain';

/**
 * The program in its pseudo-terminal: spawning it, reading its output (drained to the end at exit,
 * see pty-drain.ts), pausing that reading while anyone holds the flow, writing to it, and stopping
 * it with everything it started. Every signal goes through OwnedProcesses, which checks right before
 * sending that the target is still this session's (docs/processes.md).
 */

export interface PtySpawnOptions {
  executable: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  cols: number;
  rows: number;
  /** Written into the session marker variable, so processes that left the tree are still found. */
  sessionId: string;
  log: Logger;
}

export interface PtyExit {
  exitCode: number;
  signal: number | undefined;
}

/** After the PTY exits, leftover session processes get this long after SIGTERM before SIGKILL. */
const STRAGGLER_GRACE_MS = 1_500;
/** A stop of a program that already exited waits this long for its exit to be handled. */
const EXITED_HANDLING_WAIT_MS = 10_000;
/** After SIGKILL (forced or because SIGTERM was ignored), how long to wait for the exit. */
const FORCED_EXIT_WAIT_MS = 2_000;
const KILLED_EXIT_WAIT_MS = 5_000;

export class PtyProcess {
  readonly pid: number;
  private readonly proc: pty.IPty;
  /** Pause/resume go through here: once the program exits, its last output is read to the end. */
  private readonly flow: DrainingPty;
  private readonly processes: OwnedProcesses;
  private readonly log: Logger;
  private readonly data = new Emitter<[data: string]>();
  private readonly exit = new Emitter<[exit: PtyExit]>();
  private readonly flowHolds = new Set<string>();
  /** Set once the session handles the exit: no more input, and flow holds no longer touch the PTY. */
  private closed = false;
  private exitHandled = false;
  private readonly exitHandledWaiters: (() => void)[] = [];

  /** Throws what node-pty throws when the program cannot be started. */
  constructor(options: PtySpawnOptions) {
    this.log = options.log;
    this.proc = pty.spawn(options.executable, options.args, {
      name: 'xterm-256color',
      cols: options.cols,
      rows: options.rows,
      cwd: options.cwd,
      env: options.env,
    });
    this.pid = this.proc.pid;
    // Recorded at once: the start time read now is what every later signal is checked against.
    this.processes = new OwnedProcesses(this.proc.pid, { name: SESSION_MARKER_VARIABLE, value: options.sessionId });
    this.flow = new DrainingPty(this.proc, (drain) => this.log.debug('draining the PTY after exit', drain));
    this.proc.onData((chunk) => this.data.emit(chunk));
    this.proc.onExit(({ exitCode, signal }) => {
      // From here on the child's PID may belong to someone else.
      this.processes.markRootExited();
      this.exit.emit({ exitCode, signal });
    });
  }

  /** Output as node-pty decodes it (UTF-8 strings). */
  onData(listener: (data: string) => void): Disposable {
    return this.data.on(listener);
  }

  /** The program exited (its output has been read to the end by then). */
  onExit(listener: (exit: PtyExit) => void): Disposable {
    return this.exit.on(listener);
  }

  write(data: string): void {
    if (!this.closed) this.proc.write(data);
  }

  resize(cols: number, rows: number): void {
    this.proc.resize(cols, rows);
  }

  /** Pause reading from the PTY while any hold exists (screen model or a slow viewer). */
  holdFlow(token: string): void {
    this.flowHolds.add(token);
    if (this.flowHolds.size === 1 && !this.closed) this.flow.pause();
  }

  releaseFlow(token: string): void {
    if (!this.flowHolds.delete(token)) return;
    if (this.flowHolds.size === 0 && !this.closed) this.flow.resume();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The session has started handling the exit: input and flow holds go nowhere from now on. */
  close(): void {
    this.closed = true;
  }

  /** The exit is fully handled (events sent, transcript closed): a waiting stop may go on. */
  markExitHandled(): void {
    this.exitHandled = true;
    for (const waiter of this.exitHandledWaiters.splice(0)) waiter();
  }

  /** Resolves true once the exit is fully handled, false after the timeout. */
  private waitForExitHandled(timeoutMs: number): Promise<boolean> {
    if (this.exitHandled) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.exitHandledWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /**
   * Stops the program and everything it started: SIGHUP to the process group (what a closing
   * terminal sends; interactive shells ignore SIGTERM but not this) and SIGTERM to the process
   * group, the tree and every process with the session marker; SIGKILL to what is left after
   * `timeoutMs` (at once with `force`). Then reaps stragglers.
   */
  async terminate(options: { timeoutMs: number; force?: boolean }): Promise<void> {
    if (options.force) {
      this.processes.signalAll('SIGKILL');
    } else {
      this.processes.signalGroup('SIGHUP');
      this.processes.signalAll('SIGTERM');
    }
    if (!(await this.waitForExitHandled(options.force ? FORCED_EXIT_WAIT_MS : options.timeoutMs))) {
      this.log.warn('agent ignored SIGTERM; killing', { pid: this.pid });
      this.processes.signalAll('SIGKILL');
      await this.waitForExitHandled(KILLED_EXIT_WAIT_MS);
    }
    await this.processes.reap(STRAGGLER_GRACE_MS);
  }

  /** The program exited by itself: once its exit is handled, clear up what it left running. */
  async reapAfterExit(): Promise<void> {
    await this.waitForExitHandled(EXITED_HANDLING_WAIT_MS);
    await this.processes.reap(STRAGGLER_GRACE_MS);
  }

  /** Processes of this session still alive. */
  members(): number[] {
    return this.processes.members();
  }

  /** Test seam: believe the PTY child had `pid` (PID reuse, without waiting for the kernel). */
  simulateRecycledRootPid(pid: number): void {
    this.processes.simulateRecycledRootPid(pid);
  }
}

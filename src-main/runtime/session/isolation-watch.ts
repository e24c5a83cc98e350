import type { AgentIsolation } from '../../../src-shared/isolation';
import type { Disposable } from '../../../src-shared/emitter';
import type { Logger } from '../logger';
import type { IsolatedLaunch, LimitHit } from '../isolation/types';

/**
 * A session's side of its isolation (docs/isolation.md): what the handle says about it, the
 * program's PID handed to the backend once the PTY started it, a resource limit turned into "stop
 * this agent", and the backend released once the agent's processes are gone. Without isolation it
 * says `{mode:"none"}` and does nothing else.
 */

const NO_ISOLATION: AgentIsolation = { mode: 'none' };

export class IsolationWatch {
  private subscription: Disposable | undefined;
  private disposed: Promise<void> | undefined;
  private limitHit = false;

  constructor(
    private readonly launch: IsolatedLaunch | undefined,
    private readonly log: Logger,
  ) {}

  /** The program to start in the PTY: the isolated one when there is isolation. */
  program(plain: { executable: string; args: string[]; env: Record<string, string> }): { executable: string; args: string[]; env: Record<string, string> } {
    const launch = this.launch;
    const from = launch ?? plain;
    return { executable: from.executable, args: from.args, env: from.env };
  }

  /** A path the program named (a hook's transcript path) as the runtime can read it. */
  hostPath(insidePath: string): string | undefined {
    return this.launch?.hostPath ? this.launch.hostPath(insidePath) : insidePath;
  }

  describe(): AgentIsolation {
    return this.launch ? this.launch.describe() : { ...NO_ISOLATION };
  }

  /**
   * Right after the PTY started: hands the PID to the backend and calls `onLimit` once, on the first
   * limit hit (the agent is being stopped after that; later hits say nothing new).
   */
  attach(rootPid: number, onLimit: (hit: LimitHit) => void): void {
    const launch = this.launch;
    if (!launch) return;
    this.subscription = launch.onLimit((hit) => {
      if (this.limitHit || this.disposed) return;
      this.limitHit = true;
      this.log.warn('resource limit reached; stopping the agent', { limit: hit.limit, detail: hit.detail });
      onLimit(hit);
    });
    launch.attach(rootPid);
  }

  /** Once the agent's processes are gone; safe to call more than once, never throws. */
  dispose(): Promise<void> {
    this.disposed ??= (async () => {
      this.subscription?.dispose();
      try {
        await this.launch?.dispose();
      } catch (error) {
        this.log.warn('could not release the isolation', { error: String(error) });
      }
    })();
    return this.disposed;
  }
}

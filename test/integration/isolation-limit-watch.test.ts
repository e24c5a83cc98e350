import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Emitter } from '../../src-shared/emitter';
import type { RuntimeEvent } from '../../src-shared/events';
import { AgentManager } from '../../src-main/runtime/agent-manager';
import { defaultConfig } from '../../src-main/runtime/config';
import type { IsolatedLaunch, IsolationBackend, LaunchSpec, LimitHit } from '../../src-main/runtime/isolation/types';
import { createLogger } from '../../src-main/runtime/logger';
import { isAlive } from '../../src-main/runtime/process/process-tree';
import { until } from '../support/until';

/**
 * The session's side of a resource limit (session/isolation-watch.ts), with a real PTY and a tiny
 * backend that runs the program as it is and lets the test say "limit hit". The real limits are
 * tested with the limits backend.
 */

class ScriptedLaunch implements IsolatedLaunch {
  readonly executable: string;
  readonly args: string[];
  readonly env: Record<string, string>;
  readonly cwd: string;
  readonly hits = new Emitter<[hit: LimitHit]>();
  attachedPid: number | undefined;
  disposed = 0;
  constructor(launch: LaunchSpec) {
    ({ executable: this.executable, args: this.args, env: this.env, cwd: this.cwd } = launch);
  }
  describe() {
    return { mode: 'sandbox' as const, network: 'none' as const, limits: { memoryMb: 64 }, limitsEnforcedBy: 'rlimit' as const };
  }
  attach(rootPid: number): void {
    this.attachedPid = rootPid;
  }
  onLimit(listener: (hit: LimitHit) => void) {
    return this.hits.on(listener);
  }
  async dispose(): Promise<void> {
    this.disposed++;
  }
}

let manager: AgentManager | undefined;
let scratch: string | undefined;
afterEach(async () => {
  await manager?.stopAll({ timeoutMs: 2_000 });
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

describe('a resource limit hit', () => {
  it('stops the agent with agent_error RESOURCE_LIMIT, and the launch is attached and released', async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-limit-watch-'));
    const launches: ScriptedLaunch[] = [];
    const backend: IsolationBackend = {
      prepare: async (launch) => {
        const scripted = new ScriptedLaunch(launch);
        launches.push(scripted);
        return scripted;
      },
    };
    manager = new AgentManager(defaultConfig({ dataDir: path.join(scratch, 'data'), logLevel: 'silent' }), {
      logger: createLogger('silent'),
      baseEnv: { ...process.env, SHELL: '/bin/bash', HOME: scratch },
      isolation: { sandbox: backend },
    });
    const events: RuntimeEvent[] = [];
    manager.on((event) => events.push(event));
    const agent = await manager.spawn({ type: 'shell', workdir: scratch, isolation: { mode: 'sandbox', network: 'none' } });
    await until(() => events.some((e) => e.type === 'agent_ready' && e.agentId === agent.id), 10_000, 'ready');
    const launch = launches[0]!;
    expect(launch.attachedPid).toBe(agent.pid);
    expect(manager.get(agent.id).isolation).toEqual({ mode: 'sandbox', network: 'none', limits: { memoryMb: 64 }, limitsEnforcedBy: 'rlimit' });

    launch.hits.emit({ limit: 'memory', detail: 'memory limit of 64 MiB reached (the kernel killed bash)' });
    launch.hits.emit({ limit: 'memory', detail: 'a second hit says nothing new' });
    await until(() => events.some((e) => e.type === 'agent_stopped' && e.agentId === agent.id), 10_000, 'stopped');
    const errors = events.filter((e) => e.type === 'agent_error' && e.agentId === agent.id);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'RESOURCE_LIMIT', error: 'memory limit of 64 MiB reached (the kernel killed bash)' });
    expect(isAlive(agent.pid!)).toBe(false);
    await until(() => launch.disposed > 0, 5_000, 'the launch released');
    expect(launch.disposed).toBe(1);
  });
});

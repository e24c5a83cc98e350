import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AgentHandle, SpawnConfig } from '../../src-shared/agent';
import { RuntimeError } from '../../src-main/runtime/errors';
import { startTestServer, type TestServer } from './support';

/**
 * Every way a client names an agent's isolation reaches the runtime's spawn as the same
 * `SpawnConfig.isolation`: `POST /agents`' `isolation` and Parallax's `resources`, Raven's
 * `config.adapterConfig.isolation`, and a thread's `isolation` (docs/isolation-requests.md).
 * How the runtime then isolates the agent is the sandbox's own tests; here an isolated spawn is
 * recorded and answered with ISOLATION_UNAVAILABLE at the manager, so this file checks the
 * request mapping on any machine, bubblewrap or not.
 */

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await t.stopAgents();
});
afterAll(async () => {
  await t.close();
});

/** Records each spawn's config; isolated spawns stop at the manager with ISOLATION_UNAVAILABLE, the rest run. */
function recordSpawns(): SpawnConfig[] {
  const seen: SpawnConfig[] = [];
  const manager = t.h.manager;
  const realSpawn = manager.spawn.bind(manager);
  vi.spyOn(manager, 'spawn').mockImplementation(async (config: SpawnConfig) => {
    seen.push(config);
    const mode = typeof config.isolation === 'string' ? config.isolation : config.isolation?.mode;
    if (mode !== undefined && mode !== 'none') throw new RuntimeError('ISOLATION_UNAVAILABLE', 'recorded by the test; not started');
    return realSpawn(config);
  });
  return seen;
}

const workdir = () => `${t.h.scratch}/work`;

describe('POST /agents: isolation and Parallax resources', () => {
  it('passes the isolation field through to the spawn', async () => {
    const seen = recordSpawns();
    const policy = { mode: 'sandbox', network: 'allowlist', allow: ['example.com'], limits: { memoryMb: 256 } };
    const res = await t.request('POST', '/api/agents', { body: { type: 'shell', workdir: workdir(), isolation: policy } });
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ code: 'ISOLATION_UNAVAILABLE' });
    expect(seen.map((c) => c.isolation)).toEqual([policy]);
  });

  it('turns resources into limits for an isolated spawn; its own limits win', async () => {
    const seen = recordSpawns();
    await t.request('POST', '/api/agents', {
      body: { type: 'shell', workdir: workdir(), isolation: { mode: 'container', limits: { memoryMb: 300 } }, resources: { cpu: '500m', memory: '1Gi', timeout: 60_000 } },
    });
    await t.request('POST', '/api/agents', { body: { type: 'shell', workdir: workdir(), isolation: 'sandbox', resources: { cpu: 2, memory: '512Mi' } } });
    expect(seen.map((c) => c.isolation)).toEqual([
      { mode: 'container', limits: { cpuPercent: 50, memoryMb: 300 } },
      { mode: 'sandbox', limits: { cpuPercent: 200, memoryMb: 512 } },
    ]);
  });

  it('refuses unparseable resources of an isolated spawn with VALIDATION_ERROR before anything starts', async () => {
    const seen = recordSpawns();
    const res = await t.request('POST', '/api/agents', { body: { type: 'shell', workdir: workdir(), isolation: 'sandbox', resources: { memory: 'plenty' } } });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'resources.memory', value: 'plenty' } });
    expect((res.json as { error: string }).error).toContain('"512Mi"');
    expect(seen).toEqual([]);
  });

  it('refuses an unknown mode with VALIDATION_ERROR', async () => {
    const res = await t.request('POST', '/api/agents', { body: { type: 'shell', workdir: workdir(), isolation: 'jail' } });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it('ignores resources, as Parallax sends them, for an agent that is not isolated (the runtime default here)', async () => {
    const seen = recordSpawns();
    const res = await t.request('POST', '/api/agents', { body: { type: 'shell', workdir: workdir(), resources: { cpu: 'lots', memory: 'plenty', timeout: 1 } } });
    expect(res.status).toBe(201);
    expect(seen).toHaveLength(1);
    expect(seen[0].isolation).toBeUndefined();
    expect((res.json as AgentHandle).isolation?.mode ?? 'none').toBe('none');
  });
});

describe('the runtime default applies resources when the spawn names no isolation', () => {
  it('maps resources to limits under a sandbox default', async () => {
    const isolated = await startTestServer({ config: { isolation: { mode: 'sandbox', network: 'none' } } });
    try {
      const seen: SpawnConfig[] = [];
      vi.spyOn(isolated.h.manager, 'spawn').mockImplementation(async (config: SpawnConfig) => {
        seen.push(config);
        throw new RuntimeError('ISOLATION_UNAVAILABLE', 'recorded by the test; not started');
      });
      const res = await isolated.request('POST', '/api/agents', { body: { type: 'shell', resources: { memory: 268_435_456 } } });
      expect(res.status).toBe(422);
      // Only the mode and the limits: the runtime's default still fills the network.
      expect(seen.map((c) => c.isolation)).toEqual([{ mode: 'sandbox', limits: { memoryMb: 256 } }]);
    } finally {
      vi.restoreAllMocks();
      await isolated.close();
    }
  });
});

describe('Raven: POST /api/spawn config.adapterConfig.isolation', () => {
  it('reaches every agent of the spawn', async () => {
    const seen = recordSpawns();
    const res = await t.request('POST', '/api/spawn', {
      body: { agentType: 'shell', config: { workdir: workdir(), adapterConfig: { interactive: true, approvalPreset: 'autonomous', isolation: { mode: 'sandbox', network: 'none' } } } },
    });
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ code: 'ISOLATION_UNAVAILABLE' });
    expect(seen.map((c) => [c.isolation, c.approvalPreset])).toEqual([[{ mode: 'sandbox', network: 'none' }, 'autonomous']]);
  });

  it('leaves a spawn without it as before, other adapterConfig fields still accepted', async () => {
    const seen = recordSpawns();
    const res = await t.request('POST', '/api/spawn', { body: { agentType: 'shell', config: { workdir: workdir(), adapterConfig: { interactive: true, bare: true } } } });
    expect(res.status).toBe(201);
    expect(seen.map((c) => c.isolation)).toEqual([undefined]);
  });

  it('refuses a malformed isolation with VALIDATION_ERROR', async () => {
    const res = await t.request('POST', '/api/spawn', { body: { agentType: 'shell', config: { adapterConfig: { isolation: { mode: 'sandbox', network: 'some' } } } } });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'VALIDATION_ERROR' });
  });
});

describe('Parallax threads: POST /api/threads isolation', () => {
  it('reaches the thread\'s agent', async () => {
    const seen = recordSpawns();
    const res = await t.request('POST', '/api/threads', {
      body: { executionId: 'exec-1', agentType: 'custom', command: '/bin/bash', name: 'iso', objective: 'o', isolation: 'container' },
    });
    expect(res.status).toBe(422);
    expect(seen.map((c) => c.isolation)).toEqual(['container']);
  });
});

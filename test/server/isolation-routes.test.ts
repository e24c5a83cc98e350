import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentHandle } from '../../src-shared/agent';
import type { HealthResponse, SendResponse } from '../../src-shared/api';
import type { ErrorBody } from '../../src-shared/errors';
import { SHELL_ENV, startTestServer, type TestServer } from './support';

/** `isolation` on POST /agents, as a client sends it, and what the handle says back. */

let t: TestServer;
beforeEach(async () => {
  t = await startTestServer();
});
afterEach(async () => {
  await t.close();
});

describe('POST /api/agents with isolation', () => {
  it('runs a sandboxed shell, reports it on the handle and in GET, and DELETE removes it', async () => {
    const workdir = path.join(t.h.scratch, 'work');
    const created = await t.request('POST', '/api/agents', { body: { type: 'shell', workdir, isolation: { mode: 'sandbox', network: 'none' } } });
    expect(created.status).toBe(201);
    const agent = created.json as AgentHandle;
    expect(agent.isolation).toEqual({ mode: 'sandbox', network: 'none', limitsEnforcedBy: 'none' });
    await t.h.waitFor('agent_ready', agent.id);
    const sent = await t.request('POST', `/api/agents/${agent.id}/send`, { body: { message: 'echo "$HOME"; ls -A /tmp | grep -c raven-test', timeout: 10_000 } });
    // The private home sits on the env's HOME, or on the real home's path when that folder is
    // missing; its own /tmp holds only the mount point of its workdir's scratch folder.
    const envHome = SHELL_ENV.HOME!;
    const expectedHome = fs.existsSync(envHome) ? envHome : os.homedir();
    expect((sent.json as SendResponse).response.content).toBe(`${expectedHome}\n1`);
    expect(((await t.request('GET', `/api/agents/${agent.id}`)).json as AgentHandle).isolation?.mode).toBe('sandbox');
    expect((await t.request('DELETE', `/api/agents/${agent.id}`)).status).toBe(204);
    expect((await t.request('GET', `/api/agents/${agent.id}`)).status).toBe(404);
  });

  it('a plain spawn says mode none', async () => {
    const created = await t.request('POST', '/api/agents', { body: { type: 'shell', workdir: t.h.scratch } });
    expect((created.json as AgentHandle).isolation).toEqual({ mode: 'none' });
  });

  it('refuses what it cannot give with a code', async () => {
    const workdir = t.h.scratch;
    const container = await t.request('POST', '/api/agents', { body: { type: 'shell', workdir, isolation: 'container' } });
    expect(container.status).toBe(422);
    expect((container.json as ErrorBody).code).toBe('ISOLATION_UNAVAILABLE');
    const relative = await t.request('POST', '/api/agents', { body: { type: 'shell', workdir, isolation: { mode: 'sandbox', network: 'none', writable: ['out'] } } });
    expect(relative.status).toBe(400);
    expect(relative.json).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'isolation.writable' } });
    const root = await t.request('POST', '/api/agents', { body: { type: 'shell', workdir: '/', isolation: 'sandbox' } });
    expect(root.status).toBe(400);
    expect(root.json).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'workdir' } });
  });

  it('GET /health lists the modes this machine supports and the default', async () => {
    const health = (await t.request('GET', '/health')).json as HealthResponse;
    // CI installs bubblewrap (.ci/run); a trial sandbox ran for this answer.
    expect(health.isolation?.none).toEqual({ available: true });
    expect(health.isolation?.sandbox).toEqual({ available: true, backend: 'bubblewrap' });
    expect(health.isolation?.defaultMode).toBe('none');
    expect(['cgroup-v2', 'cgroup-v1', 'rlimit', 'none']).toContain(health.isolation?.limits);
    const container = health.isolation!.container;
    // Available only where an engine answers; otherwise the reason names what is missing.
    if (container.available) expect(['docker', 'podman']).toContain(container.engine);
    else expect(container.reason).toMatch(/docker|podman|engine/);
  });

  it('a sandboxed agent that allocates past its memory limit is ended with RESOURCE_LIMIT, naming the limit', async () => {
    const workdir = path.join(t.h.scratch, 'work');
    const created = await t.request('POST', '/api/agents', {
      body: { type: 'shell', workdir, isolation: { mode: 'sandbox', network: 'none', limits: { memoryMb: 64 } } },
    });
    expect(created.status).toBe(201);
    const agent = created.json as AgentHandle;
    expect(agent.isolation).toMatchObject({ mode: 'sandbox', limits: { memoryMb: 64 } });
    expect(['cgroup-v2', 'cgroup-v1', 'rlimit']).toContain(agent.isolation?.limitsEnforcedBy);
    await t.h.waitFor('agent_ready', agent.id);
    const failed = t.h.waitFor('agent_error', agent.id, 20_000);
    const typed = await t.request('POST', `/api/agents/${agent.id}/input`, { body: { data: 'python3 -c "x = bytearray(256 * 1024 * 1024); print(len(x))"\r' } });
    expect(typed.status).toBe(200);
    const error = await failed;
    expect(error.code).toBe('RESOURCE_LIMIT');
    expect(error.error).toMatch(/memory/i);
    await t.h.waitFor('agent_stopped', agent.id, 20_000);
    expect(((await t.request('GET', `/api/agents/${agent.id}`)).json as AgentHandle).status).toMatch(/stopped|error/);
  });

  it('allowlist: a sandboxed agent reaches an allowlisted loopback server, not another one; the refusal is counted on the handle', async () => {
    const servers = await Promise.all(['allowed', 'other'].map((name) => startLoopbackServer(name)));
    try {
      const [allowed, other] = servers;
      const workdir = path.join(t.h.scratch, 'work');
      const created = await t.request('POST', '/api/agents', {
        body: { type: 'shell', workdir, isolation: { mode: 'sandbox', network: 'allowlist', allow: [`127.0.0.1:${allowed.port}`] } },
      });
      expect(created.status).toBe(201);
      const agent = created.json as AgentHandle;
      expect(agent.isolation).toMatchObject({ mode: 'sandbox', network: 'allowlist', refusedConnections: 0 });
      expect(agent.isolation?.allowedHosts).toContain(`127.0.0.1:${allowed.port}`);
      await t.h.waitFor('agent_ready', agent.id);
      const run = async (command: string) => ((await t.request('POST', `/api/agents/${agent.id}/send`, { body: { message: command, timeout: 15_000 } })).json as SendResponse).response.content;
      // bash's /dev/tcp: a plain TCP connection from inside the sandbox's own network namespace.
      const get = (port: number) => `(exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3 | tail -n 1) 2>&1 || echo FAILED`;
      expect(await run(get(allowed.port))).toBe('hello from allowed');
      expect(await run(get(other.port))).toMatch(/refused[\s\S]*FAILED|FAILED/i);
      // Through the egress proxy: refused with a reason, and counted.
      const connect = (port: number) => `(exec 3<>/dev/tcp/127.0.0.1/3128 && printf 'CONNECT 127.0.0.1:${port} HTTP/1.1\\r\\nHost: 127.0.0.1:${port}\\r\\n\\r\\n' >&3 && head -n 1 <&3)`;
      expect(await run(connect(other.port))).toMatch(/^HTTP\/1\.1 403/);
      expect(other.hits).toBe(0);
      expect(((await t.request('GET', `/api/agents/${agent.id}`)).json as AgentHandle).isolation?.refusedConnections).toBe(1);
      expect(allowed.hits).toBe(1);
    } finally {
      for (const server of servers) server.close();
    }
  });
});

async function startLoopbackServer(name: string): Promise<{ port: number; readonly hits: number; close(): void }> {
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits++;
    res.end(`hello from ${name}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get hits() {
      return hits;
    },
    close: () => server.close(),
  };
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentHandle } from '../../src-shared/agent';
import type { LogEntriesResponse, LogsResponse, OutputResponse, RavenSpawnResponse } from '../../src-shared/api';
import type { ErrorBody } from '../../src-shared/errors';
import { isAlive } from '../../src-main/runtime/process/process-tree';
import { cliSpawnEnv, createClaudeHome, type CliHome } from '../support/cli-home';
import { startModelServer, type ModelServer } from '../support/model-server';
import {
  connectWs,
  delay,
  SHELL_ENV,
  startCallbackReceiver,
  startTestServer,
  until,
  wsUrl,
  type CallbackReceiver,
  type TestServer,
  type WsClient,
} from './support';

/**
 * What Raven Docs sends (runtime-contract.md §1.3), replayed byte for byte where the contract
 * quotes the bytes, plus the assertions of Parallax's runtime scripts (§6.3).
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const t = await startTestServer({ ...options, server: { tuning: { callbacks: { retryDelaysMs: [50, 100, 200] } }, ...options.server } });
  cleanups.push(() => t.close());
  return t;
}

async function receiver(statuses: number[] = []): Promise<CallbackReceiver> {
  const r = await startCallbackReceiver(statuses);
  cleanups.push(() => r.close());
  return r;
}

function ws(url: string): WsClient {
  const client = connectWs(url);
  cleanups.push(() => client.ws.terminate());
  return client;
}

type Frame = { event?: string; data?: { agent?: AgentHandle; agentId?: string; reason?: string } };
const agentEvents = (c: WsClient, id: string) => (c.frames() as Frame[]).filter((f) => (f.data?.agent?.id ?? f.data?.agentId) === id).map((f) => f.event);

/** An executable script in `dir`. */
function script(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

/** Claude moves the cursor (CSI n G / CSI n C) instead of printing spaces; read those as spaces. */
function spaced(raw: string): string {
  return raw.replace(/\x1b\[\d*[CG]/g, ' ').replace(/ {2,}/g, ' ');
}

describe('Raven Docs replay with the real Claude Code CLI', () => {
  it('spawn (claude-code, contextFiles, callbackUrl) → keys enter → ready → send → output/logs → pause/resume → stop', async () => {
    const model: ModelServer = await startModelServer();
    cleanups.push(() => model.close());
    const home: CliHome = createClaudeHome('logged-in', { baseUrl: model.url, preApproveKey: true });
    cleanups.push(() => home.cleanup());
    const t = await server({ env: cliSpawnEnv(home) });
    const callbacks = await receiver();

    // Raven opens the event stream before spawning (§1.3.2), with no query, headers or auth.
    const events = ws(wsUrl(t.url, '/ws/events'));
    await events.waitFor((c) => c.frames().length > 0, 5_000, 'snapshot');

    const mcpJson = JSON.stringify({ mcpServers: { 'raven-docs': { command: 'node', args: ['packages/mcp-bridge/src/index.ts'], env: { MCP_SERVER_URL: 'http://raven.local', MCP_API_KEY: 'mcp-key' } } } });
    const settings = JSON.stringify({ permissions: { allow: ['mcp__raven-docs', 'Bash(*)'] }, sandbox: { enabled: false } });
    const spawnBody = JSON.stringify({
      agentType: 'claude-code',
      count: 1,
      name: 'swarm-1a2b3c4d',
      capabilities: ['code'],
      permissions: ['read:pages', 'read:tasks'],
      config: {
        workdir: home.workdir,
        env: { MCP_SERVER_URL: 'http://raven.local', RAVEN_WORKSPACE_ID: 'ws-123', RAVEN_EXECUTION_ID: 'exec-1', ENABLE_TOOL_SEARCH: 'false' },
        adapterConfig: { interactive: true, approvalPreset: 'autonomous' },
        contextFiles: [
          { path: 'CLAUDE.md', content: '# Raven Docs context\n' },
          { path: '.mcp.json', content: mcpJson },
          { path: '.claude/settings.local.json', content: settings },
        ],
      },
      workspaceId: 'ws-123',
      callbackUrl: callbacks.url,
    });
    const spawned = await t.request('POST', '/api/spawn', {
      body: spawnBody,
      headers: { 'Content-Type': 'application/json', 'X-Workspace-Id': 'ws-123', 'X-Request-Id': '6f1c2a3b-0000-4000-8000-000000000001' },
    });
    expect(spawned.status).toBe(201);
    const { agents } = spawned.json as RavenSpawnResponse;
    expect(agents).toHaveLength(1);
    const id = agents[0].id;
    expect(agents[0]).toEqual({ id, name: 'swarm-1a2b3c4d', status: 'starting', runtimeSessionId: id, runtimeEndpoint: t.url });
    expect(fs.readFileSync(path.join(home.workdir, 'CLAUDE.md'), 'utf8')).toBe('# Raven Docs context\n');
    expect(fs.readFileSync(path.join(home.workdir, '.mcp.json'), 'utf8')).toBe(mcpJson);
    expect(fs.readFileSync(path.join(home.workdir, '.claude', 'settings.local.json'), 'utf8')).toBe(settings);

    // Raven's terminal proxy: raw frames, and a resize frame from the browser.
    const terminal = ws(wsUrl(t.url, `/ws/agents/${id}/terminal?hello=0`));
    await terminal.opened;
    terminal.send('{"type":"resize","cols":110,"rows":35}');
    await until(() => t.h.manager.get(id).cols === 110, 5_000, 'resize');

    // The .mcp.json Raven writes makes Claude ask about the project's MCP server; the runtime
    // answers it (trust-folder switch) and says so on /ws/events.
    await events.waitFor((c) => agentEvents(c, id).includes('blocking_prompt'), 20_000, 'MCP prompt answered');
    await events.waitFor((c) => agentEvents(c, id).includes('agent_ready'), 20_000, 'agent_ready on /ws/events');
    // Raven's own keys call, byte for byte (an Enter at an empty prompt changes nothing).
    const keys = await t.request('POST', `/api/agents/${id}/keys`, { body: '{"keys":"enter"}', headers: { 'Content-Type': 'application/json' } });
    expect(keys.status).toBe(200);

    await events.waitFor((c) => agentEvents(c, id).includes('agent_ready'), 20_000, 'agent_ready on /ws/events');
    expect(agentEvents(events, id).indexOf('agent_started')).toBeLessThan(agentEvents(events, id).indexOf('agent_ready'));
    await until(() => callbacks.bodies.length > 0, 10_000, 'ready callback');
    expect(callbacks.bodies[0]).toEqual({ workspaceId: 'ws-123', agentId: id, status: 'ready', runtimeSessionId: id, runtimeEndpoint: t.url });

    // §1.3.3: exactly the body Raven's own unit test sends.
    const sent = await t.request('POST', `/api/agents/${id}/send`, { body: '{"message":"Fix the bug"}', headers: { 'Content-Type': 'application/json', 'X-Workspace-Id': 'ws-123' } });
    expect(sent.status).toBe(200);
    expect(sent.json).toMatchObject({ sent: true, status: 'ready', response: { content: 'ECHO: Fix the bug' } });
    expect(model.requests.some((r) => r.lastUserText.includes('Fix the bug'))).toBe(true);
    // Raw bytes: Claude moves the cursor instead of printing some spaces.
    await terminal.waitFor((c) => spaced(c.output()).includes('ECHO: Fix the'), 5_000, 'reply in the terminal');

    const output = (await t.request('GET', `/api/agents/${id}/output`)).json as OutputResponse;
    expect(spaced(output.output)).toContain('ECHO: Fix the');
    expect(((await t.request('GET', `/api/agents/${id}/logs?tail=30`)).json as LogsResponse).logs.join('\n')).toContain('ECHO: Fix the bug');
    expect(((await t.request('GET', `/api/agents/${id}/logs?tail=30&format=json`)).json as LogEntriesResponse).entries.length).toBeGreaterThan(0);

    expect((await t.request('POST', `/api/agents/${id}/pause`)).status).toBe(200);
    expect(t.h.manager.get(id).automationPaused).toBe(true);
    expect((await t.request('POST', `/api/agents/${id}/resume`)).status).toBe(200);
    expect(t.h.manager.get(id).automationPaused).toBe(false);

    const pid = t.h.manager.get(id).pid!;
    const stopped = await t.request('POST', `/api/agents/${id}/stop`, { headers: { 'X-Workspace-Id': 'ws-123' } });
    expect(stopped.status).toBe(200);
    await events.waitFor((c) => agentEvents(c, id).includes('agent_stopped'), 10_000, 'agent_stopped');
    expect(isAlive(pid)).toBe(false);
    expect(t.h.manager.sessionFor(id).liveProcesses()).toEqual([]);
    expect((await terminal.closed).code).toBe(4410);
    // Only the ready callback: no failure for a requested stop.
    await delay(100);
    expect(callbacks.bodies.map((b) => b.status)).toEqual(['ready']);
  });

  it('answers 422 CLI_NOT_FOUND with the install command when claude is not on the PATH', async () => {
    const pathWithoutClaude = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => !fs.existsSync(path.join(dir, 'claude'))).join(path.delimiter);
    const t = await server({ env: { ...SHELL_ENV, PATH: pathWithoutClaude, HOME: '/nonexistent-home-for-tests' } });
    const callbacks = await receiver();
    const workdir = path.join(t.h.scratch, 'raven-work');
    const res = await t.request('POST', '/api/spawn', {
      body: JSON.stringify({ agentType: 'claude-code', count: 1, name: 'swarm-1a2b3c4d', config: { workdir, contextFiles: [{ path: 'CLAUDE.md', content: 'x' }] }, workspaceId: 'ws-123', callbackUrl: callbacks.url }),
      headers: { 'X-Workspace-Id': 'ws-123', 'X-Request-Id': 'req-2' },
    });
    expect(res.status).toBe(422);
    const body = res.json as ErrorBody;
    expect(body.code).toBe('CLI_NOT_FOUND');
    expect(body.error).toContain('npm install -g @anthropic-ai/claude-code');
    expect(body.details).toMatchObject({ command: 'claude', installHint: 'npm install -g @anthropic-ai/claude-code', type: 'claude-code' });
    expect(t.h.manager.list()).toEqual([]);
    await delay(100);
    expect(callbacks.attempts).toBe(0);
  });
});

describe('Raven Docs replay with shell and custom agents', () => {
  it('spawns count agents sharing the workdir, writes contextFiles once, and reports each ready', async () => {
    const t = await server();
    const callbacks = await receiver();
    const workdir = path.join(t.h.scratch, 'not-yet-created', 'team');
    const res = await t.request('POST', '/api/spawn', {
      body: { agentType: 'shell', count: 2, name: 'team-1234abcd-dev', config: { workdir, contextFiles: [{ path: 'AGENT_CONTEXT.md', content: 'ctx ✓ ünïcode\n' }] }, workspaceId: 'ws-9', callbackUrl: callbacks.url },
    });
    expect(res.status).toBe(201);
    const { agents } = res.json as RavenSpawnResponse;
    expect(agents.map((a) => a.name)).toEqual(['team-1234abcd-dev-1', 'team-1234abcd-dev-2']);
    expect(new Set(agents.map((a) => a.id)).size).toBe(2);
    expect(fs.readFileSync(path.join(workdir, 'AGENT_CONTEXT.md'), 'utf8')).toBe('ctx ✓ ünïcode\n');
    await until(() => callbacks.bodies.length === 2, 10_000, 'two ready callbacks');
    expect(callbacks.bodies.map((b) => b.agentId).sort()).toEqual(agents.map((a) => a.id).sort());
    expect(callbacks.bodies.every((b) => b.status === 'ready' && b.workspaceId === 'ws-9' && b.runtimeSessionId === b.agentId)).toBe(true);
    for (const agent of agents) {
      expect(t.h.manager.get(agent.id).workdir).toBe(workdir);
      const sent = await t.request('POST', `/api/agents/${agent.id}/send`, { body: '{"message":"cat AGENT_CONTEXT.md"}' });
      expect(sent.json).toMatchObject({ response: { content: 'ctx ✓ ünïcode' } });
      expect((await t.request('POST', `/api/agents/${agent.id}/stop`)).status).toBe(200);
    }
  });

  it('reports requires_login (with the login URL) and then ready', async () => {
    const t = await server();
    const callbacks = await receiver();
    const bin = path.join(t.h.scratch, 'bin');
    fs.mkdirSync(bin);
    const login = script(
      bin,
      'fake-login',
      [
        'echo "To sign in, open https://login.example.com/device and enter the code WXYZ-1234"',
        'read answer',
        "printf '\\033[2J\\033[H'",
        'exec /bin/bash --norc --noprofile -i',
      ].join('\n'),
    );
    const res = await t.request('POST', '/api/spawn', { body: { agentType: 'custom', config: { command: login }, workspaceId: 'ws-1', callbackUrl: callbacks.url } });
    expect(res.status).toBe(201);
    const id = (res.json as RavenSpawnResponse).agents[0].id;
    await until(() => callbacks.bodies.length === 1, 10_000, 'login callback');
    expect(callbacks.bodies[0]).toMatchObject({ agentId: id, status: 'requires_login', loginUrl: 'https://login.example.com/device', runtimeSessionId: id });
    expect(t.h.manager.get(id).login).toMatchObject({ deviceCode: 'WXYZ-1234' });
    // The person finishes the login in the terminal.
    await t.request('POST', `/api/agents/${id}/keys`, { body: { keys: 'enter' } });
    await until(() => callbacks.bodies.length === 2, 10_000, 'ready callback');
    expect(callbacks.bodies[1]).toMatchObject({ agentId: id, status: 'ready' });
  });

  it('reports failed when the CLI dies during start-up, retrying a Raven that answers 500', async () => {
    const t = await server();
    const callbacks = await receiver([500, 503]);
    const res = await t.request('POST', '/api/spawn', {
      body: { agentType: 'custom', config: { command: '/bin/sh', args: ['-c', 'echo boom; exit 3'] }, workspaceId: 'ws-1', callbackUrl: callbacks.url },
    });
    expect(res.status).toBe(201);
    const id = (res.json as RavenSpawnResponse).agents[0].id;
    await until(() => callbacks.bodies.length === 1, 10_000, 'failed callback');
    expect(callbacks.attempts).toBe(3);
    expect(callbacks.bodies[0]).toMatchObject({ agentId: id, status: 'failed', runtimeSessionId: id });
    expect(String(callbacks.bodies[0].error)).toMatch(/exit code 3/);
  });

  it('gives up quietly when the callback URL is unreachable; the server keeps serving', async () => {
    const t = await server();
    const dead = await startCallbackReceiver();
    await dead.close();
    const res = await t.request('POST', '/api/spawn', { body: { agentType: 'shell', callbackUrl: dead.url, workspaceId: 'ws-1' } });
    expect(res.status).toBe(201);
    const id = (res.json as RavenSpawnResponse).agents[0].id;
    await t.h.waitFor('agent_ready', id);
    await delay(600); // retries at 50, 100, 200 ms
    expect((await t.request('GET', '/api/health')).status).toBe(200);
    expect(t.h.manager.get(id).status).toBe('ready');
  });
});

describe("Parallax's runtime scripts (runtime-contract.md §6.3)", () => {
  it('scripts/test-runtime-api.sh, with 404 instead of 500 for unknown agents (on purpose)', async () => {
    const t = await server();
    expect((await t.request('GET', '/')).status).toBe(200);
    const health = await t.request('GET', '/api/health');
    expect(health.status).toBe(200);
    expect(health.text).toContain('"healthy"');
    const list = await t.request('GET', '/api/agents');
    expect(list.status).toBe(200);
    expect(list.text).toContain('"agents"');
    expect((await t.request('POST', '/api/agents', { body: '{"name":"test"}' })).status).toBe(400);
    expect((await t.request('POST', '/api/agents', { body: '{"type":"echo"}' })).status).toBe(400);
    expect((await t.request('GET', '/api/agents/nonexistent-id')).status).toBe(404);
    // Parallax answers 500 to these three; an unknown agent is a 404 here.
    expect((await t.request('POST', '/api/agents/nonexistent-id/send', { body: '{"message":"hello"}' })).status).toBe(404);
    expect((await t.request('GET', '/api/agents/nonexistent-id/logs')).status).toBe(404);
    expect((await t.request('DELETE', '/api/agents/nonexistent-id')).status).toBe(404);
  });

  it('scripts/test-runtime.sh and test-runtime.ts, with a shell agent in place of echo', async () => {
    const t = await server();
    expect((await t.request('GET', '/api/health')).text).toContain('"healthy":true');
    const empty = (await t.request('GET', '/api/agents')).text;
    expect(empty.includes('"agents":[]') || empty.includes('"count":0')).toBe(true);

    const events = ws(wsUrl(t.url, '/ws/events'));
    await events.waitFor((c) => c.frames().length > 0, 5_000, 'snapshot');
    const workdir = path.join(t.h.scratch, 'work');
    const created = await t.request('POST', '/api/agents', { body: JSON.stringify({ name: 'test-agent', type: 'shell', capabilities: ['testing'], workdir }) });
    expect(created.status).toBe(201);
    expect(created.text).toContain('"id"');
    const id = (created.json as AgentHandle).id;
    await events.waitFor((c) => agentEvents(c, id).includes('agent_started'), 10_000, 'agent_started');
    expect(((await t.request('GET', `/api/agents/${id}`)).json as AgentHandle).id).toBe(id);
    expect((await t.request('GET', '/api/agents')).text).toContain('"count"');
    await until(async () => (await t.request('GET', `/api/agents/${id}`)).text.includes('"status":"ready"'), 10_000, 'ready by polling');
    await events.waitFor((c) => agentEvents(c, id).includes('agent_ready'), 30_000, 'agent_ready');

    const sent = await t.request('POST', `/api/agents/${id}/send`, { body: JSON.stringify({ message: 'echo hello', expectResponse: false }) });
    expect(sent.status).toBe(200);
    expect(sent.text).toContain('"sent":true');
    const logs = await t.request('GET', `/api/agents/${id}/logs?tail=50`);
    expect(logs.status).toBe(200);
    expect(logs.text).toContain('"logs":[');
    expect(((await t.request('GET', `/api/agents/${id}/logs?tail=10`)).json as LogsResponse).count).toBeGreaterThan(0);
    const metrics = await t.request('GET', `/api/agents/${id}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('"uptime"');
    expect((await t.request('DELETE', `/api/agents/${id}`)).status).toBe(204);
    await events.waitFor((c) => agentEvents(c, id).includes('agent_stopped'), 10_000, 'agent_stopped');
    expect((await t.request('GET', '/api/agents/does-not-exist')).status).toBe(404);

    // Multiple agents.
    const ids: string[] = [];
    for (const name of ['multi-1', 'multi-2', 'multi-3']) {
      const res = await t.request('POST', '/api/agents', { body: { name, type: 'shell', workdir } });
      expect(res.status).toBe(201);
      ids.push((res.json as AgentHandle).id);
    }
    const live = ((await t.request('GET', '/api/agents?status=starting,ready')).json as { count: number }).count;
    expect(live).toBe(3);
    for (const agentId of ids) expect((await t.request('DELETE', `/api/agents/${agentId}`)).status).toBe(204);
  });

  it('local-runtime.test.ts: health message counts, the max-agents error, config.id honoured', async () => {
    const t = await server({ config: { maxAgents: 2 } });
    const a = await t.spawnShell({ id: 'fixed-id-1' });
    expect(a.id).toBe('fixed-id-1');
    const b = await t.spawnShell();
    await t.request('POST', `/api/agents/${b.id}/send`, { body: { message: 'sleep 2', expectResponse: false } });
    await until(() => t.h.manager.get(b.id).status === 'busy', 5_000, 'busy');
    const health = (await t.request('GET', '/api/health')).json as { message: string; activeAgents: number };
    expect(health.message).toBe('2 agents (1 ready, 1 busy)');
    expect(health.activeAgents).toBe(2);
    const third = await t.request('POST', '/api/agents', { body: { type: 'shell' } });
    expect(third.status).toBe(429);
    expect(third.json).toMatchObject({ code: 'MAX_AGENTS', error: 'Maximum agent limit reached (2). Stop an agent first.' });
  });
});

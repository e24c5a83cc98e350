import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentHandle } from '../../src-shared/agent';
import type { LogEntriesResponse, LogsResponse, OutputResponse, RavenSpawnResponse } from '../../src-shared/api';
import type { ErrorBody } from '../../src-shared/errors';
import { createLogger, type LogRecord } from '../../src-main/runtime/logger';
import { isAlive } from '../../src-main/runtime/process/process-tree';
import { cliSpawnEnv, createClaudeHome, type CliHome } from '../support/cli-home';
import { startModelServer, type ModelServer } from '../support/model-server';
import {
  connectWs,
  SHELL_ENV,
  startCallbackReceiver,
  startTestServer,
  until,
  wsUrl,
  type CallbackReceiver,
  type ReceiverOptions,
  type TestServer,
  type WsClient,
} from './support';

/**
 * What Raven Docs sends (docs/compatibility.md "The contract in detail"), replayed byte for byte
 * where Raven's sources fix the bytes, plus the assertions of Parallax's runtime scripts.
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

async function receiver(statuses: number[] = [], options: ReceiverOptions = {}): Promise<CallbackReceiver> {
  const r = await startCallbackReceiver(statuses, options);
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

    // Raven opens the event stream before spawning (docs/compatibility.md "Spawning from Raven"), with no query, headers or auth.
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

    // Exactly the body Raven's own unit test sends.
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
    // Only the ready callback: no failure for a requested stop. Such a failure would be queued at
    // the stop, before a later agent's ready callback to the same receiver.
    const later = await t.request('POST', '/api/spawn', { body: { agentType: 'shell', workspaceId: 'ws-123', callbackUrl: callbacks.url } });
    expect(later.status).toBe(201);
    const laterId = (later.json as RavenSpawnResponse).agents[0].id;
    await until(() => callbacks.bodies.some((b) => b.agentId === laterId), 10_000, 'the later agent’s ready callback');
    expect(callbacks.bodies.map((b) => `${b.agentId}:${b.status}`)).toEqual([`${id}:ready`, `${laterId}:ready`]);
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
    // Nothing is called back for the refused spawn: the next spawn's ready callback is the first.
    const later = await t.request('POST', '/api/spawn', { body: { agentType: 'shell', workspaceId: 'ws-123', callbackUrl: callbacks.url } });
    expect(later.status).toBe(201);
    const laterId = (later.json as RavenSpawnResponse).agents[0].id;
    await until(() => callbacks.bodies.length > 0, 10_000, 'the later agent’s ready callback');
    expect(callbacks.attempts).toBe(1);
    expect(callbacks.bodies[0]).toMatchObject({ agentId: laterId, status: 'ready' });
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
    const records: LogRecord[] = [];
    const t = await server({ server: { logger: createLogger('info', (r) => records.push(r)) } });
    const dead = await startCallbackReceiver();
    await dead.close();
    const res = await t.request('POST', '/api/spawn', { body: { agentType: 'shell', callbackUrl: dead.url, workspaceId: 'ws-1' } });
    expect(res.status).toBe(201);
    const id = (res.json as RavenSpawnResponse).agents[0].id;
    await t.h.waitFor('agent_ready', id);
    // Every retry (at 50, 100, 200 ms) has run once the runtime says it gave up.
    await until(() => records.some((r) => r.msg === 'spawn callback gave up' && r.agentId === id), 10_000, 'the callback to be given up');
    expect(records.filter((r) => r.msg === 'spawn callback attempt failed' && r.agentId === id)).toHaveLength(4);
    expect((await t.request('GET', '/api/health')).status).toBe(200);
    expect(t.h.manager.get(id).status).toBe('ready');
  });
});

describe('Raven registration (access-request) and runtime heartbeat', () => {
  /** Fast retries, a short registration deadline and a 100 ms heartbeat, so the tests take seconds. */
  const tuning = { callbacks: { retryDelaysMs: [50, 100, 200] }, raven: { registrationTimeoutMs: 500, heartbeat: { intervalMs: 100 } } };

  async function ravenSpawn(t: TestServer, body: Record<string, unknown>): Promise<RavenSpawnResponse> {
    const res = await t.request('POST', '/api/spawn', { body: { agentType: 'shell', ...body } });
    if (res.status !== 201) throw new Error(`spawn failed: ${res.status} ${res.text}`);
    return res.json as RavenSpawnResponse;
  }

  it('registers every agent with Raven before answering the spawn, and sends callbacks only after Raven answered it', async () => {
    // A slow Raven: without the hold, a shell agent's ready callback would beat the registration's answer.
    const t = await server({ server: { tuning: { ...tuning, raven: { ...tuning.raven, registrationTimeoutMs: 2_000 } } } });
    const raven = await receiver([], { accessRequestDelayMs: 600 });
    const res = await t.request('POST', '/api/spawn', {
      body: { agentType: 'shell', count: 2, name: 'team-1-dev', capabilities: ['code', 'review'], permissions: ['read:pages', 'write:tasks'], workspaceId: 'ws-7', callbackUrl: raven.url },
    });
    // Read at the moment the answer is in: the registrations must already have arrived.
    const registeredWhenAnswered = raven.accessRequests.length;
    expect(res.status).toBe(201);
    expect(registeredWhenAnswered).toBe(2);
    const { agents } = res.json as RavenSpawnResponse;
    const byId = (a: Record<string, unknown>, b: Record<string, unknown>) => String(a.agentId).localeCompare(String(b.agentId));
    expect([...raven.accessRequests].sort(byId)).toEqual(
      [...agents]
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((agent) => ({
          workspaceId: 'ws-7',
          agentId: agent.id,
          agentName: agent.name,
          capabilities: ['code', 'review'],
          requestedPermissions: ['read:pages', 'write:tasks'],
          description: `shell agent running on the Raven Agent Runtime at ${t.url}`,
          metadata: { agentType: 'shell', runtimeEndpoint: t.url },
          endpoint: t.url,
        })),
    );
    // Raven answers 500 to a callback for an agent it does not know (after broadcasting it), so
    // each agent's ready callback must come after its registration.
    await until(() => raven.bodies.length === 2, 10_000, 'two ready callbacks');
    for (const agent of agents) {
      const registration = raven.requests.find((r) => r.path.endsWith('/access-request') && r.body.agentId === agent.id);
      const callback = raven.requests.find((r) => r.path.endsWith('/spawn-callback') && r.body.agentId === agent.id);
      expect(registration?.answeredAt).toBeDefined();
      expect(callback!.at).toBeGreaterThanOrEqual(registration!.answeredAt!);
    }
    expect(raven.attempts).toBe(2);
  });

  it('asks for the coding capability and Raven’s four default permissions when the spawn names none', async () => {
    const t = await server({ server: { tuning } });
    const raven = await receiver();
    const { agents } = await ravenSpawn(t, { workspaceId: 'ws-8', callbackUrl: raven.url, capabilities: [], permissions: [] });
    expect(raven.accessRequests).toEqual([
      expect.objectContaining({
        agentId: agents[0].id,
        capabilities: ['coding'],
        requestedPermissions: ['read:pages', 'read:tasks', 'read:projects', 'read:memory'],
      }),
    ]);
  });

  it('spawns anyway when Raven answers 500, refuses connections, or never answers (one bounded attempt each)', async () => {
    const t = await server({ server: { tuning } });
    const failing = await receiver([], { accessRequestStatus: 500 });
    const dead = await startCallbackReceiver();
    await dead.close();
    const hung = await receiver([], { accessRequestHangs: true });

    const a = await ravenSpawn(t, { workspaceId: 'ws-1', callbackUrl: failing.url });
    expect(failing.accessRequests).toHaveLength(1);
    const b = await ravenSpawn(t, { workspaceId: 'ws-1', callbackUrl: dead.url });
    const started = Date.now();
    const c = await ravenSpawn(t, { workspaceId: 'ws-1', callbackUrl: hung.url });
    const held = Date.now() - started;
    expect(hung.accessRequests).toHaveLength(1);
    // Held for the registration deadline (500 ms here), not longer.
    expect(held).toBeGreaterThanOrEqual(400);
    expect(held).toBeLessThan(3_000);
    for (const { agents } of [a, b, c]) await t.h.waitFor('agent_ready', agents[0].id);
    // The failed registration does not stop the ready callback (which Raven may accept or not).
    await until(() => failing.bodies.length === 1, 5_000, 'ready callback after a failed registration');
    // Heartbeats start only once registration is over (announce() is done): no retry can follow.
    await until(() => failing.heartbeats.length > 0 && hung.heartbeats.length > 0, 5_000, 'heartbeats after registration');
    expect(failing.accessRequests).toHaveLength(1);
    expect(hung.accessRequests).toHaveLength(1);
  });

  it('neither registers nor heartbeats without workspaceId, or when callbackUrl is not Raven’s spawn-callback route', async () => {
    const t = await server({ server: { tuning } });
    const raven = await receiver();
    const other = await ravenSpawn(t, { workspaceId: 'ws-1', callbackUrl: raven.altUrl });
    const noWorkspace = await ravenSpawn(t, { callbackUrl: raven.url });
    await until(() => raven.bodies.length === 2, 10_000, 'both ready callbacks');
    expect(raven.bodies.map((b) => b.agentId).sort()).toEqual([other.agents[0].id, noWorkspace.agents[0].id].sort());
    // A clock: an agent that does register and heartbeat, spawned after the two. By its third beat
    // the others would have registered (before their spawn was answered) and beaten too.
    const clock = await ravenSpawn(t, { workspaceId: 'ws-clock', callbackUrl: raven.url });
    await until(() => raven.heartbeats.length >= 3, 5_000, 'the clock agent’s heartbeats');
    expect(raven.accessRequests.map((r) => r.agentId)).toEqual([clock.agents[0].id]);
    expect(new Set(raven.heartbeats.map((h) => h.body.workspaceId))).toEqual(new Set(['ws-clock']));
  });

  it('heartbeats at once and then every interval per workspace while its agents live, and stops with the last one', async () => {
    const t = await server({ server: { tuning } });
    const raven = await receiver();
    const beats = (workspaceId: string) => raven.heartbeats.filter((h) => h.body.workspaceId === workspaceId);
    const spawn = async (workspaceId: string) => (await ravenSpawn(t, { workspaceId, callbackUrl: raven.url })).agents[0].id;

    const answeredAt = Date.now();
    const a = await spawn('ws-1');
    // The first beat goes out with the first agent, not an interval later.
    await until(() => beats('ws-1').length >= 1, 2_000, 'first heartbeat');
    expect(beats('ws-1')[0].at - answeredAt).toBeLessThan(2_000);
    expect(beats('ws-1')[0].body).toEqual({ workspaceId: 'ws-1', runtimeId: expect.stringMatching(/^raven-runtime-.+-[0-9a-f]{8}$/), activeAgents: 1, version: '0.0.0-test' });

    const b = await spawn('ws-1');
    const c = await spawn('ws-2');
    await until(() => beats('ws-1').some((h) => h.body.activeAgents === 2), 5_000, 'ws-1 counting two agents');
    await until(() => beats('ws-2').length >= 4, 5_000, 'ws-2 beats');
    expect(beats('ws-2').every((h) => h.body.activeAgents === 1)).toBe(true);
    // One runtime id for the whole process, and an interval rather than a flood.
    expect(new Set(raven.heartbeats.map((h) => h.body.runtimeId)).size).toBe(1);
    const ws2 = beats('ws-2');
    for (let i = 2; i < ws2.length; i++) expect(ws2[i].at - ws2[i - 1].at).toBeGreaterThanOrEqual(50);

    expect((await t.request('POST', `/api/agents/${a}/stop`)).status).toBe(200);
    const afterA = raven.heartbeats.length;
    await until(() => raven.heartbeats.slice(afterA).some((h) => h.body.workspaceId === 'ws-1'), 5_000, 'ws-1 beat after one stop');
    expect(raven.heartbeats.slice(afterA).filter((h) => h.body.workspaceId === 'ws-1').every((h) => h.body.activeAgents === 1)).toBe(true);

    expect((await t.request('POST', `/api/agents/${b}/stop`)).status).toBe(200);
    // ws-2 keeps beating at the same interval: it is the clock. A ws-1 beat already in flight
    // lands by ws-2's next beat; after that, three more ws-2 intervals bring no ws-1 beat.
    const ws2AtStop = beats('ws-2').length;
    await until(() => beats('ws-2').length > ws2AtStop, 5_000, 'a ws-2 beat after the stop');
    const ws1Stopped = beats('ws-1').length;
    const ws2Before = beats('ws-2').length;
    await until(() => beats('ws-2').length >= ws2Before + 3, 5_000, 'three more ws-2 beats');
    expect(beats('ws-1').length).toBe(ws1Stopped);

    expect((await t.request('POST', `/api/agents/${c}/stop`)).status).toBe(200);
    // With ws-2's agent gone too, a new workspace's beats are the clock.
    const d = await spawn('ws-3');
    await until(() => beats('ws-3').length >= 1, 5_000, 'the first ws-3 beat');
    const ws2Stopped = beats('ws-2').length;
    const ws3Before = beats('ws-3').length;
    await until(() => beats('ws-3').length >= ws3Before + 3, 5_000, 'three more ws-3 beats');
    expect(beats('ws-1').length).toBe(ws1Stopped);
    expect(beats('ws-2').length).toBe(ws2Stopped);
    expect(beats('ws-3').every((h) => h.body.activeAgents === 1)).toBe(true);
    expect((await t.request('POST', `/api/agents/${d}/stop`)).status).toBe(200);
  });

  it('stops heartbeats when the server closes, though the agent (owned by the manager) lives on', async () => {
    const t = await server({ server: { tuning } });
    const raven = await receiver();
    const id = (await ravenSpawn(t, { workspaceId: 'ws-1', callbackUrl: raven.url })).agents[0].id;
    await until(() => raven.heartbeats.length >= 2, 5_000, 'heartbeats');
    await t.server.close();
    // A second server heartbeating to the same Raven for another workspace is the clock: a beat of
    // the first one in flight at the close lands by the second's first beat, and none follows in
    // three more intervals. (Both share the process's runtime id, so workspaces tell them apart.)
    const second = await server({ server: { tuning } });
    await ravenSpawn(second, { workspaceId: 'ws-2', callbackUrl: raven.url });
    const beats = (workspaceId: string) => raven.heartbeats.filter((h) => h.body.workspaceId === workspaceId).length;
    await until(() => beats('ws-2') >= 1, 5_000, 'the second server’s first beat');
    const atClose = beats('ws-1');
    await until(() => beats('ws-2') >= 4, 5_000, 'three more beats of the second server');
    expect(beats('ws-1')).toBe(atClose);
    expect(t.h.manager.get(id).status).toBe('ready');
  });

  it('reports a Raven heartbeat outage once at warn, not on every beat', async () => {
    const records: LogRecord[] = [];
    const t = await server({ server: { tuning, logger: createLogger('debug', (r) => records.push(r)) } });
    const raven = await receiver([], { heartbeatStatus: 503 });
    await ravenSpawn(t, { workspaceId: 'ws-1', callbackUrl: raven.url });
    await until(() => raven.heartbeats.length >= 5, 5_000, 'failing heartbeats');
    const warnings = records.filter((r) => r.level === 'warn' && r.msg.includes('heartbeat'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ workspaceId: 'ws-1', outcome: 'HTTP 503' });
    expect(records.filter((r) => r.level === 'debug' && r.msg.includes('heartbeat still failing')).length).toBeGreaterThanOrEqual(3);
  });
});

describe("Parallax's runtime scripts (docs/compatibility.md)", () => {
  // scripts/test-runtime-api.sh itself is driven by test/conformance/parallax.test.ts.
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
    // Parallax's client maps 404 to "gone" after DELETE.
    expect((await t.request('GET', `/api/agents/${id}`)).status).toBe(404);
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

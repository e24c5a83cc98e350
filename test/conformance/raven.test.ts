import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WS_CLOSE, type LogEntriesResponse, type RavenSpawnResponse } from '../../src-shared/api';
import { connectWs, startCallbackReceiver, startTestServer, until, wsUrl, type CallbackReceiver, type TestServer, type WsClient } from '../server/support';

/**
 * Raven Docs as it is, in remote mode (AGENT_RUNTIME_ENDPOINT set, nothing else): the calls and
 * headers of its runtime client and the frames of its terminal gateway, as docs/compatibility.md
 * lists them. The server runs with default options: Raven needs no start-up flag.
 *
 * The agent is `echo` so the suite needs no model; Raven's own agent types are covered with the
 * real Claude Code in test/server/raven-compat.test.ts.
 */

const WORKSPACE = '4f6c3a2e-7d1b-4c55-9a0e-5b2f6d8c1a90';

let t: TestServer;
let raven: CallbackReceiver;
const sockets: WsClient[] = [];

beforeAll(async () => {
  t = await startTestServer();
  raven = await startCallbackReceiver();
});
afterAll(async () => {
  for (const s of sockets) s.ws.terminate();
  await t.close();
  await raven.close();
});

/** Raven's WS URLs: the endpoint with its whole path replaced (runtime-connection.service.ts, terminal.gateway.ts). */
function ravenSocket(pathname: string): WsClient {
  const url = new URL(t.url);
  url.protocol = 'ws:';
  url.pathname = pathname;
  const client = connectWs(url.toString());
  sockets.push(client);
  return client;
}

/** Raven parses every /ws/events frame as JSON {event, data}; agent = data.agent || data; id = agent.id || data.agentId. */
type RavenFrame = { event?: string; data?: { agent?: { id?: string }; agentId?: string; id?: string; reason?: string } };
function ravenAgentId(frame: RavenFrame): string | undefined {
  const data = frame.data;
  if (!data) return undefined;
  const agent = data.agent ?? data;
  return agent.id ?? data.agentId;
}
const eventsFor = (c: WsClient, id: string) => (c.frames() as RavenFrame[]).filter((f) => ravenAgentId(f) === id).map((f) => f.event);

/** What Raven's terminal gateway does with a frame: writes it into the person's xterm. */
function looksLikeJson(frame: string): boolean {
  return /^\s*[{[]/.test(frame) && (() => {
    try {
      JSON.parse(frame);
      return true;
    } catch {
      return false;
    }
  })();
}

describe('Raven Docs remote mode', () => {
  it('health, spawn, events, send, logs, output, keys, pause/resume, stop — with Raven’s headers', async () => {
    // testRuntimeConnection: X-Workspace-Id, JSON body with version and activeAgents.
    const health = await t.request('GET', '/api/health', { headers: { 'X-Workspace-Id': WORKSPACE } });
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ version: expect.any(String), activeAgents: expect.any(Number) });
    // checkInstallation: no headers, only response.ok.
    expect((await t.request('GET', '/api/health')).status).toBe(200);

    // Raven connects to events before spawning: no query, no headers.
    const events = ravenSocket('/ws/events');
    await events.opened;

    const spawn = await t.request('POST', '/api/spawn', {
      headers: { 'Content-Type': 'application/json', 'X-Workspace-Id': WORKSPACE, 'X-Request-Id': randomUUID() },
      body: {
        agentType: 'echo',
        count: 1,
        name: 'swarm-1a2b3c4d',
        capabilities: ['coding'],
        permissions: ['read:pages', 'read:tasks'],
        config: {
          workdir: path.join(t.h.scratch, 'work'),
          env: { RAVEN_WORKSPACE_ID: WORKSPACE, ENABLE_TOOL_SEARCH: 'false' },
          adapterConfig: { interactive: true, approvalPreset: 'standard' },
        },
        workspaceId: WORKSPACE,
        callbackUrl: raven.url,
      },
    });
    expect(spawn.status).toBeGreaterThanOrEqual(200);
    expect(spawn.status).toBeLessThan(300);
    const [agent] = (spawn.json as RavenSpawnResponse).agents;
    expect(agent.runtimeSessionId).toBe(agent.id);
    const id = agent.id;

    await events.waitFor((c) => eventsFor(c, id).includes('agent_ready'), 15_000, 'agent_ready');
    expect(eventsFor(events, id).indexOf('agent_started')).toBeLessThan(eventsFor(events, id).indexOf('agent_ready'));
    await until(() => raven.bodies.some((b) => b.agentId === id && b.status === 'ready'), 10_000, 'spawn-callback ready');

    // send: {"message"} only, any 2xx.
    const sent = await t.request('POST', `/api/agents/${id}/send`, { headers: { 'Content-Type': 'application/json', 'X-Workspace-Id': WORKSPACE }, body: '{"message":"Fix the bug"}' });
    expect(sent.status).toBe(200);
    const logs = await t.request('GET', `/api/agents/${id}/logs?tail=50`);
    expect(Array.isArray((logs.json as { logs: unknown }).logs)).toBe(true);
    expect((logs.json as { logs: string[] }).logs.join('\n')).toContain('Fix the bug');
    const entries = (await t.request('GET', `/api/agents/${id}/logs?tail=50&format=json`)).json as LogEntriesResponse;
    expect(entries.entries.length).toBeGreaterThan(0);
    // /output: a rolling raw buffer, never empty while the session lives (empty means "killed" to Raven).
    const output = (await t.request('GET', `/api/agents/${id}/output`)).json as { output: unknown };
    expect(typeof output.output).toBe('string');
    expect(output.output as string).toContain('Fix the bug');
    // keys: a string, "enter".
    expect((await t.request('POST', `/api/agents/${id}/keys`, { body: '{"keys":"enter"}', headers: { 'Content-Type': 'application/json' } })).status).toBe(200);
    expect((await t.request('POST', `/api/agents/${id}/pause`)).status).toBe(200);
    expect((await t.request('POST', `/api/agents/${id}/resume`)).status).toBe(200);

    // stop: POST, no body; the agent stays known (as stopped).
    const stopped = await t.request('POST', `/api/agents/${id}/stop`, { headers: { 'X-Workspace-Id': WORKSPACE } });
    expect(stopped.status).toBe(200);
    await events.waitFor((c) => eventsFor(c, id).includes('agent_stopped'), 10_000, 'agent_stopped');
    expect((await t.request('GET', `/api/agents/${id}`)).json).toMatchObject({ id, status: 'stopped' });
    // Raven's docs table lists DELETE for teardown: it forgets the agent.
    expect((await t.request('DELETE', `/api/agents/${id}`)).status).toBe(204);
    expect((await t.request('GET', `/api/agents/${id}`)).status).toBe(404);
  });

  it('terminal gateway: no query string, two people typing, a clean terminal (no JSON frame, ever)', async () => {
    const spawn = await t.request('POST', '/api/spawn', {
      headers: { 'X-Workspace-Id': WORKSPACE, 'X-Request-Id': randomUUID() },
      body: { agentType: 'echo', count: 1, name: 'team-terminal', workspaceId: WORKSPACE, config: { workdir: path.join(t.h.scratch, 'work') } },
    });
    const id = (spawn.json as RavenSpawnResponse).agents[0].id;
    await t.h.waitFor('agent_ready', id, 10_000);

    // One runtime socket per attached person, exactly as setupProxyConnection dials it.
    const alice = ravenSocket(`/ws/agents/${id}/terminal`);
    const bob = ravenSocket(`/ws/agents/${id}/terminal`);
    await Promise.all([alice.opened, bob.opened]);
    await alice.waitFor((c) => c.output().includes('echo>'), 5_000, 'alice sees the prompt');
    await bob.waitFor((c) => c.output().includes('echo>'), 5_000, 'bob sees the prompt');

    // Keystrokes as raw text frames, a resize as JSON: both people type.
    alice.send('hello from alice\r');
    await bob.waitFor((c) => c.output().includes('hello from alice\r\nhello from alice'), 5_000, 'bob sees alice');
    bob.send(JSON.stringify({ type: 'resize', cols: 100, rows: 30 }));
    await until(() => t.h.manager.get(id).cols === 100, 5_000, 'resize from bob');
    bob.send('hello from bob\r');
    await alice.waitFor((c) => c.output().includes('hello from bob\r\nhello from bob'), 5_000, 'alice sees bob');
    await until(() => t.h.manager.logs(id, 20).some((line) => line.trim() === 'hello from bob'), 5_000, 'bob’s line in the logs');

    // Everything either received went into an xterm: none of it may be JSON.
    for (const person of [alice, bob]) {
      expect(person.messages.length).toBeGreaterThan(0);
      expect(person.messages.filter(looksLikeJson)).toEqual([]);
      expect(person.output()).not.toMatch(/"type":"(connected|mode|resized|error)"/);
    }

    // The agent ends: the socket closes (Raven shows "disconnected"), still without a JSON frame.
    await t.request('POST', `/api/agents/${id}/stop`);
    expect((await alice.closed).code).toBe(WS_CLOSE.AGENT_STOPPED);
    expect(alice.messages.filter(looksLikeJson)).toEqual([]);
    // An unknown agent: 4404.
    expect((await ravenSocket('/ws/agents/no-such-agent/terminal').closed).code).toBe(WS_CLOSE.AGENT_NOT_FOUND);
  });
});

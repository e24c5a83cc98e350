import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentHandle } from '../../src-shared/agent';
import type {
  AgentListResponse,
  AgentMetrics,
  HealthResponse,
  LogEntriesResponse,
  LogsResponse,
  OutputResponse,
  RavenSpawnResponse,
  RuntimeMetrics,
  SendResponse,
  ServiceDescription,
  StopResponse,
} from '../../src-shared/api';
import type { ErrorBody } from '../../src-shared/errors';
import { isAlive } from '../../src-main/runtime/process/process-tree';
import { readStream, sseMessages } from './stream-reader';
import { startTestServer, until, type TestServer } from './support';

// A fresh server per test: stopped agents stay listed for a while, and lists are asserted exactly.
let t: TestServer;
beforeEach(async () => {
  t = await startTestServer();
});
afterEach(async () => {
  await t.close();
});

describe('service routes', () => {
  it('GET / answers JSON for API clients and a page for browsers (UI not built)', async () => {
    const json = await t.request('GET', '/');
    expect(json.status).toBe(200);
    const description = json.json as ServiceDescription;
    expect(description.service).toBe('Raven Agent Runtime');
    expect(description.ui.built).toBe(false);
    expect(description.endpoints.websocket.terminal).toBe('/ws/agents/:id/terminal');

    const page = await t.request('GET', '/', { headers: { Accept: 'text/html,application/xhtml+xml' } });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('npm run build:renderer');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
  });

  it('GET / serves the built UI with a strict CSP, and its assets', async () => {
    const uiDir = path.join(t.h.scratch, 'ui');
    fs.mkdirSync(path.join(uiDir, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(uiDir, 'index.html'), '<!doctype html><title>UI</title><script type="module" src="/assets/app.js"></script>');
    fs.writeFileSync(path.join(uiDir, 'assets', 'app.js'), 'console.log("ui")');
    const ui = await startTestServer({ server: { uiDir } });
    try {
      const page = await ui.request('GET', '/', { headers: { Accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(page.text).toContain('<title>UI</title>');
      const csp = page.headers['content-security-policy'] ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain(`ws://127.0.0.1:${ui.port}`);
      const asset = await ui.request('GET', '/assets/app.js');
      expect(asset.status).toBe(200);
      expect(asset.text).toBe('console.log("ui")');
      expect((await ui.request('GET', '/assets/missing.js')).status).toBe(404);
      expect((await ui.request('GET', '/')).json).toMatchObject({ ui: { built: true } });
    } finally {
      await ui.close();
    }
  });

  for (const prefix of ['/api', '']) {
    it(`GET ${prefix}/health, ${prefix}/metrics and ${prefix}/openapi.json`, async () => {
      const agent = await t.spawnShell();
      const health = await t.request('GET', `${prefix}/health`);
      expect(health.status).toBe(200);
      // The first call waits at most a few seconds for CLI detection (it forks every `--version`); on a
      // loaded machine the adapters arrive on a later call.
      let body = health.json as HealthResponse;
      await until(async () => {
        body = (await t.request('GET', `${prefix}/health`)).json as HealthResponse;
        return body.adapters.length > 0;
      }, 25_000, 'adapter detection');
      expect(body).toMatchObject({ healthy: true, version: '0.0.0-test', activeAgents: 1, maxAgents: 10, runtime: { name: 'Raven Agent Runtime', type: 'local', activeAgents: 1 } });
      expect(body.message).toBe('1 agent (1 ready, 0 busy)');
      expect(body.uptime).toBeGreaterThanOrEqual(0);
      expect(body.adapters.map((a) => a.type).sort()).toEqual(['aider', 'claude-code', 'codex', 'echo', 'gemini-cli', 'shell']);
      expect(body.adapters.find((a) => a.type === 'shell')).toMatchObject({ installed: true });
      for (const adapter of body.adapters) expect(adapter.installHint.length).toBeGreaterThan(0);

      const metrics = await t.request('GET', `${prefix}/metrics`);
      expect(metrics.status).toBe(200);
      const m = metrics.json as RuntimeMetrics;
      expect(m.agents).toMatchObject({ total: 1, live: 1, byStatus: { ready: 1 } });
      expect(m.process.rssBytes).toBeGreaterThan(10_000_000);
      expect(m.process.eventLoopLagP99Ms).toBeGreaterThanOrEqual(0);
      expect(m.http.requests).toBeGreaterThan(0);

      const openapi = await t.request('GET', `${prefix}/openapi.json`);
      expect(openapi.status).toBe(200);
      expect(openapi.json).toMatchObject({ openapi: '3.1.0' });
      await t.request('DELETE', `${prefix}/agents/${agent.id}`);
    });
  }
});

describe.each(['/api', ''])('agent routes under "%s"', (prefix) => {
  it('spawns, lists, inspects, drives and stops a shell agent', async () => {
    const workdir = path.join(t.h.scratch, 'work');
    const created = await t.request('POST', `${prefix}/agents`, {
      body: { type: 'shell', name: 'route-test', workdir, role: 'tester', capabilities: ['testing'], cols: 100, rows: 30, env: { ROUTE_VAR: 'v42' }, executionId: 'exec-1' },
    });
    expect(created.status).toBe(201);
    const agent = created.json as AgentHandle;
    expect(agent).toMatchObject({ name: 'route-test', type: 'shell', role: 'tester', capabilities: ['testing'], cols: 100, rows: 30, workdir });
    expect(agent.runtimeSessionId).toBe(agent.id);
    expect(agent.runtimeEndpoint).toBe(t.url);
    await t.h.waitFor('agent_ready', agent.id);

    const one = await t.request('GET', `${prefix}/agents/${agent.id}`);
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ id: agent.id, status: 'ready' });

    const list = (await t.request('GET', `${prefix}/agents`)).json as AgentListResponse;
    expect(list.count).toBe(1);
    expect(list.agents[0].id).toBe(agent.id);
    expect(((await t.request('GET', `${prefix}/agents?status=ready&role=tester`)).json as AgentListResponse).count).toBe(1);
    expect(((await t.request('GET', `${prefix}/agents?status=busy,stopped`)).json as AgentListResponse).count).toBe(0);
    expect(((await t.request('GET', `${prefix}/agents?type=claude&type=shell`)).json as AgentListResponse).count).toBe(1);
    expect(((await t.request('GET', `${prefix}/agents?role=other`)).json as AgentListResponse).count).toBe(0);

    const sent = await t.request('POST', `${prefix}/agents/${agent.id}/send`, { body: { message: 'echo "$ROUTE_VAR $PARALLAX_EXECUTION_ID $((6*7))"', timeout: 10_000 } });
    expect(sent.status).toBe(200);
    const message = 'echo "$ROUTE_VAR $PARALLAX_EXECUTION_ID $((6*7))"';
    expect(sent.json as SendResponse).toEqual({
      sent: true,
      status: 'ready',
      // Parallax's AgentMessage.
      response: { id: expect.stringMatching(new RegExp(`^${agent.id}-msg-\\d+$`)), agentId: agent.id, direction: 'outbound', type: 'response', content: 'v42 exec-1 42', timestamp: expect.any(String), inReplyTo: message },
    });
    const reply = (sent.json as SendResponse).response;
    expect(Date.parse(reply.timestamp)).not.toBeNaN();
    const event = t.h.events.find((e) => e.type === 'message' && e.agentId === agent.id);
    expect(event).toMatchObject({ content: 'v42 exec-1 42', inReplyTo: message, message: reply });

    const quick = await t.request('POST', `${prefix}/agents/${agent.id}/send`, { body: { message: 'sleep 0.3; echo later', expectResponse: false } });
    expect(quick.status).toBe(200);
    // Without waiting, the answer is the delivered message itself (Parallax: the inbound task).
    expect(quick.json).toMatchObject({ sent: true, response: { agentId: agent.id, direction: 'inbound', type: 'task', content: 'sleep 0.3; echo later' } });
    expect((quick.json as SendResponse).response.id).not.toBe(reply.id);
    await until(() => t.h.manager.get(agent.id).status === 'ready', 10_000, 'ready after sleep');

    const logs = (await t.request('GET', `${prefix}/agents/${agent.id}/logs?lines=20`)).json as LogsResponse;
    expect(logs.logs).toContain('v42 exec-1 42');
    expect(logs.count).toBe(logs.logs.length);
    const tail = (await t.request('GET', `${prefix}/agents/${agent.id}/logs?tail=1`)).json as LogsResponse;
    expect(tail.count).toBe(1);
    const entries = (await t.request('GET', `${prefix}/agents/${agent.id}/logs?tail=50&format=json`)).json as LogEntriesResponse;
    expect(entries.entries.some((e) => e.message === 'v42 exec-1 42' && e.level === 'info' && !Number.isNaN(Date.parse(e.timestamp)))).toBe(true);

    const output = (await t.request('GET', `${prefix}/agents/${agent.id}/output`)).json as OutputResponse;
    expect(output.output).toContain('v42 exec-1 42');

    // Raw input and named keys reach the shell.
    expect((await t.request('POST', `${prefix}/agents/${agent.id}/input`, { body: { data: 'echo in-$((2+3))' } })).json).toEqual({ sent: true, length: 16 });
    const keys = await t.request('POST', `${prefix}/agents/${agent.id}/keys`, { body: { keys: 'enter' } });
    expect(keys.status).toBe(200);
    expect(keys.json).toEqual({ sent: true, keys: ['enter'] });
    await until(() => t.h.manager.output(agent.id).includes('in-5'), 5_000, 'input echo');
    expect((await t.request('POST', `${prefix}/agents/${agent.id}/keys`, { body: { keys: ['ctrl', 'c'] } })).status).toBe(200);

    const resized = await t.request('POST', `${prefix}/agents/${agent.id}/resize`, { body: { cols: 90, rows: 25 } });
    expect(resized.json).toEqual({ cols: 90, rows: 25 });
    expect(t.h.manager.get(agent.id)).toMatchObject({ cols: 90, rows: 25 });

    const paused = await t.request('POST', `${prefix}/agents/${agent.id}/pause`);
    expect(paused.status).toBe(200);
    expect(paused.json).toMatchObject({ id: agent.id, automationPaused: true });
    await until(() => t.h.manager.get(agent.id).status === 'ready', 5_000, 'ready');
    const refused = await t.request('POST', `${prefix}/agents/${agent.id}/send`, { body: { message: 'echo no' } });
    expect(refused.status).toBe(409);
    expect((refused.json as ErrorBody).code).toBe('AGENT_NOT_READY');
    const resumed = await t.request('POST', `${prefix}/agents/${agent.id}/resume`);
    expect(resumed.json).toMatchObject({ automationPaused: false });

    const metrics = (await t.request('GET', `${prefix}/agents/${agent.id}/metrics`)).json as AgentMetrics;
    expect(metrics).toMatchObject({ agentId: agent.id, status: 'ready', viewers: 0 });
    // Two sends; raw input that makes the shell busy may count as a turn of its own.
    expect(metrics.messageCount).toBeGreaterThanOrEqual(2);
    expect(metrics.outputChars).toBeGreaterThan(20);

    const pid = t.h.manager.get(agent.id).pid!;
    const stopped = await t.request('POST', `${prefix}/agents/${agent.id}/stop`);
    expect(stopped.status).toBe(200);
    expect((stopped.json as StopResponse).agent.status).toBe('stopped');
    expect(isAlive(pid)).toBe(false);
    // Stopping again is fine; the stopped agent stays listed and readable.
    expect((await t.request('POST', `${prefix}/agents/${agent.id}/stop`)).status).toBe(200);
    expect((await t.request('GET', `${prefix}/agents/${agent.id}/logs`)).status).toBe(200);
    expect(((await t.request('GET', `${prefix}/agents`)).json as { agents: AgentHandle[] }).agents.map((a) => a.id)).toContain(agent.id);
    // DELETE on a stopped agent forgets it; its recording stays.
    expect((await t.request('DELETE', `${prefix}/agents/${agent.id}`)).status).toBe(204);
    expect((await t.request('GET', `${prefix}/agents/${agent.id}`)).json).toMatchObject({ code: 'AGENT_NOT_FOUND' });
    expect(((await t.request('GET', `${prefix}/transcripts`)).json as { transcripts: { id: string }[] }).transcripts.map((r) => r.id)).toContain(agent.id);
  });

  it('DELETE stops and forgets a live agent with 204 and an empty body; then 404', async () => {
    const agent = await t.spawnShell();
    const pid = t.h.manager.get(agent.id).pid!;
    const res = await t.request('DELETE', `${prefix}/agents/${agent.id}?force=true`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(isAlive(pid)).toBe(false);
    expect(t.h.manager.has(agent.id)).toBe(false);
    const gone = await t.request('GET', `${prefix}/agents/${agent.id}`);
    expect(gone.status).toBe(404);
    expect(gone.json).toMatchObject({ code: 'AGENT_NOT_FOUND' });
    expect((await t.request('DELETE', `${prefix}/agents/${agent.id}`)).status).toBe(404);
    const removed = t.h.events.filter((e) => e.agentId === agent.id).map((e) => e.type);
    expect(removed.indexOf('agent_stopped')).toBeGreaterThanOrEqual(0);
    expect(removed.indexOf('agent_removed')).toBeGreaterThan(removed.indexOf('agent_stopped'));
  });

  it('DELETE /agents?status=stopped forgets the stopped agents only; without the filter it is a 400', async () => {
    const live = await t.spawnShell({ name: 'live' });
    const a = await t.spawnShell({ name: 'a' });
    const b = await t.spawnShell({ name: 'b' });
    await t.request('POST', `${prefix}/agents/${a.id}/stop`);
    await t.request('POST', `${prefix}/agents/${b.id}/stop`);
    const refused = await t.request('DELETE', `${prefix}/agents`);
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect((await t.request('DELETE', `${prefix}/agents?status=ready`)).status).toBe(400);
    const cleared = await t.request('DELETE', `${prefix}/agents?status=stopped`);
    expect(cleared.status).toBe(200);
    expect(((cleared.json as { cleared: string[] }).cleared).sort()).toEqual([a.id, b.id].sort());
    const left = ((await t.request('GET', `${prefix}/agents`)).json as { agents: AgentHandle[] }).agents.map((x) => x.id);
    expect(left).toEqual([live.id]);
    expect(t.h.events.filter((e) => e.type === 'agent_removed').map((e) => e.agentId).sort()).toEqual([a.id, b.id].sort());
    expect((await t.request('DELETE', `${prefix}/agents?status=stopped`)).json).toEqual({ cleared: [] });
  });

  it('streams live output as chunked text and as SSE', async () => {
    const agent = await t.spawnShell();
    const plain = readStream(`${t.url}${prefix}/agents/${agent.id}/stream`, {
      done: (body) => body.includes('plain-77'),
      onOpen: () => void t.request('POST', `${prefix}/agents/${agent.id}/input`, { body: { data: 'echo plain-$((7*11))\r' } }),
    });
    const text = await plain;
    expect(text.status).toBe(200);
    expect(text.headers['content-type']).toMatch(/^text\/plain/);
    expect(text.headers['transfer-encoding']).toBe('chunked');

    const sse = await readStream(`${t.url}${prefix}/agents/${agent.id}/stream`, {
      headers: { Accept: 'text/event-stream' },
      done: (body) => body.includes('sse-99'),
      onOpen: () => void t.request('POST', `${prefix}/agents/${agent.id}/input`, { body: { data: 'echo sse-$((9*11))\r' } }),
    });
    expect(sse.headers['content-type']).toMatch(/^text\/event-stream/);
    const messages = sseMessages(sse.body) as { type: string; data: string }[];
    expect(messages.every((m) => m.type === 'output')).toBe(true);
    expect(messages.map((m) => m.data).join('')).toContain('sse-99');

    // The stream ends when the agent stops, with a final SSE message.
    // Stopped once the stream is open (its headers arrived), so the end is seen on this stream.
    const ended = await readStream(`${t.url}${prefix}/agents/${agent.id}/stream?format=sse`, {
      done: (body) => body.includes('"type":"end"'),
      onOpen: () => void t.request('POST', `${prefix}/agents/${agent.id}/stop`),
    });
    expect(sseMessages(ended.body).at(-1)).toMatchObject({ type: 'end', reason: 'stopped', status: 'stopped' });
  });

  it('GET /events streams the snapshot and then runtime events as SSE', async () => {
    const agent = await t.spawnShell();
    const read = readStream(`${t.url}${prefix}/events`, {
      done: (body) => sseMessages(body).some((m) => (m as { event: string }).event === 'agent_stopped'),
      // Headers arrive once the subscription exists: a stop from here on is seen on this stream.
      onOpen: () => void t.request('POST', `${prefix}/agents/${agent.id}/stop`),
    });
    const { body, headers } = await read;
    expect(headers['content-type']).toMatch(/^text\/event-stream/);
    const frames = sseMessages(body) as { event: string; data: { agents?: AgentHandle[]; agent?: AgentHandle }; timestamp: string }[];
    expect(frames[0].event).toBe('snapshot');
    expect(frames[0].data.agents?.map((a) => a.id)).toEqual([agent.id]);
    const stopped = frames.find((f) => f.event === 'agent_stopped')!;
    expect(stopped.data.agent?.id).toBe(agent.id);
    expect(Date.parse(stopped.timestamp)).not.toBeNaN();
  });

  it('POST /spawn (Raven form) spawns into a scratch workdir', async () => {
    const res = await t.request('POST', `${prefix}/spawn`, { body: { agentType: 'shell', name: 'raven-route', workspaceId: 'ws-1' } });
    expect(res.status).toBe(201);
    const { agents } = res.json as RavenSpawnResponse;
    expect(agents).toHaveLength(1);
    expect(agents[0]).toMatchObject({ name: 'raven-route', runtimeEndpoint: t.url });
    expect(agents[0].runtimeSessionId).toBe(agents[0].id);
    const handle = t.h.manager.get(agents[0].id);
    expect(handle.workdir).toBe(path.join(t.h.dataDir, 'workspaces', agents[0].id));
    expect(fs.statSync(handle.workdir).isDirectory()).toBe(true);
  });

  it('answers 404 AGENT_NOT_FOUND for unknown agents on every agent route', async () => {
    const routes: [string, string, unknown?][] = [
      ['GET', '/agents/ghost'],
      ['DELETE', '/agents/ghost'],
      ['POST', '/agents/ghost/send', { message: 'hi' }],
      ['POST', '/agents/ghost/keys', { keys: 'enter' }],
      ['POST', '/agents/ghost/input', { data: 'x' }],
      ['POST', '/agents/ghost/resize', { cols: 80, rows: 24 }],
      ['POST', '/agents/ghost/pause'],
      ['POST', '/agents/ghost/resume'],
      ['POST', '/agents/ghost/stop'],
      ['GET', '/agents/ghost/logs'],
      ['GET', '/agents/ghost/output'],
      ['GET', '/agents/ghost/stream'],
      ['GET', '/agents/ghost/metrics'],
    ];
    for (const [method, route, body] of routes) {
      const res = await t.request(method, `${prefix}${route}`, { body });
      expect(res.status, `${method} ${route}`).toBe(404);
      expect((res.json as ErrorBody).code, `${method} ${route}`).toBe('AGENT_NOT_FOUND');
    }
  });
});

describe('restart and recordings', () => {
  it('POST /agents/:id/restart respawns the same request under a new id; the old id keeps its recording', async () => {
    for (const prefix of ['/api', '']) {
      const agent = await t.spawnShell({ name: `restartable${prefix}` });
      await t.request('POST', `/api/agents/${agent.id}/send`, { body: { message: 'echo before-restart' } });
      const res = await t.request('POST', `${prefix}/agents/${agent.id}/restart`, { body: {} });
      expect(res.status).toBe(200);
      const fresh = res.json as AgentHandle;
      expect(fresh.id).not.toBe(agent.id);
      expect(fresh).toMatchObject({ name: `restartable${prefix}`, type: 'shell', workdir: agent.workdir });
      // The new agent replaces the old one in the list; the old one's recording stays.
      const old = await t.request('GET', `/api/agents/${agent.id}`);
      expect(old.status).toBe(404);
      expect((old.json as ErrorBody).code).toBe('AGENT_NOT_FOUND');
      const ids = ((await t.request('GET', `${prefix}/agents`)).json as { agents: AgentHandle[] }).agents.map((a) => a.id);
      expect(ids).toContain(fresh.id);
      expect(ids).not.toContain(agent.id);
      await until(async () => ((await t.request('GET', `/api/agents/${fresh.id}`)).json as AgentHandle).status === 'ready', 10_000, 'restarted agent ready');

      const list = await t.request('GET', `${prefix}/transcripts`);
      expect(list.status).toBe(200);
      const entry = (list.json as { transcripts: { id: string; parts: string[] }[] }).transcripts.find((x) => x.id === agent.id);
      expect(entry?.parts).toEqual(['0001.cast']);
      const part = await t.request('GET', `${prefix}/transcripts/${agent.id}/0001.cast`);
      expect(part.status).toBe(200);
      expect(part.headers['content-type']).toMatch(/application\/x-asciicast/);
      expect(JSON.parse(part.text.split('\n')[0])).toMatchObject({ version: 2 });
      expect(part.text).toContain('before-restart');
    }
  });

  it('refuses recording paths that are not a listed part, and restart of an unknown agent', async () => {
    const agent = await t.spawnShell();
    await t.request('POST', `/api/agents/${agent.id}/stop`, { body: {} });
    for (const [p, status] of [
      [`/api/transcripts/${agent.id}/0002.cast`, 404],
      [`/api/transcripts/${agent.id}/meta.json`, 400],
      [`/api/transcripts/${agent.id}/..%2F..%2Fetc%2Fpasswd`, 400],
      [`/api/transcripts/no-such-agent/0001.cast`, 404],
    ] as const) {
      const res = await t.request('GET', p);
      expect(res.status, p).toBe(status);
      expect((res.json as ErrorBody).code).toMatch(/^(NOT_FOUND|VALIDATION_ERROR)$/);
    }
    const unknown = await t.request('POST', '/api/agents/nope/restart', { body: {} });
    expect(unknown.status).toBe(404);
    expect((unknown.json as ErrorBody).code).toBe('AGENT_NOT_FOUND');
    const badBody = await t.request('POST', `/api/agents/${agent.id}/restart`, { body: { credentials: { anthropicKey: 7 } } });
    expect(badBody.status).toBe(400);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentHandle } from '../../src-shared/agent';
import { WS_CLOSE } from '../../src-shared/api';
import { connectWs, startTestServer, wsUrl, type TestServer, type WsClient } from './support';

let t: TestServer;
const clients: WsClient[] = [];

function events(query = ''): WsClient {
  const client = connectWs(wsUrl(t.url, `/ws/events${query}`));
  clients.push(client);
  return client;
}

type Frame = { event?: string; type?: string; data?: { agentId?: string; agent?: AgentHandle; agents?: AgentHandle[]; count?: number; status?: string }; timestamp?: string };
const frames = (c: WsClient) => c.frames() as Frame[];
const eventsFor = (c: WsClient, id: string) => frames(c).filter((f) => f.event !== undefined && f.event !== 'snapshot' && f.data?.agent?.id === id);

beforeEach(async () => {
  t = await startTestServer();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await t.close();
});

describe('events socket', () => {
  it('starts with a snapshot of every agent, then streams {event, data, timestamp} frames', async () => {
    const existing = await t.spawnShell({ name: 'existing' });
    const c = events();
    await c.waitFor((x) => frames(x).length > 0, 5_000, 'snapshot');
    const snapshot = frames(c)[0];
    expect(snapshot.event).toBe('snapshot');
    expect(snapshot.data?.count).toBe(1);
    expect(snapshot.data?.agents?.[0]).toMatchObject({ id: existing.id, name: 'existing', status: 'ready', runtimeEndpoint: t.url });

    const fresh = await t.spawnShell({ name: 'fresh' });
    await t.request('POST', `/api/agents/${fresh.id}/send`, { body: { message: 'echo evt' } });
    await t.request('DELETE', `/api/agents/${fresh.id}`);
    await c.waitFor((x) => eventsFor(x, fresh.id).some((f) => f.event === 'agent_stopped'), 10_000, 'agent_stopped');
    // DELETE forgets the agent: UIs drop its row on agent_removed, which comes after agent_stopped.
    await c.waitFor((x) => eventsFor(x, fresh.id).some((f) => f.event === 'agent_removed'), 10_000, 'agent_removed');
    expect(eventsFor(c, fresh.id).map((f) => f.event).slice(-2)).toEqual(['agent_stopped', 'agent_removed']);
    const names = eventsFor(c, fresh.id).map((f) => f.event);
    for (const name of ['agent_started', 'status_changed', 'agent_ready', 'message', 'agent_stopped']) expect(names).toContain(name);
    expect(names.indexOf('agent_started')).toBeLessThan(names.indexOf('agent_ready'));
    for (const f of eventsFor(c, fresh.id)) {
      // Raven resolves `data.agent || data`, then `agent.id || data.agentId`.
      expect(f.data?.agentId).toBe(fresh.id);
      expect(f.data?.agent?.runtimeSessionId).toBe(fresh.id);
      expect(Date.parse(f.timestamp ?? '')).not.toBeNaN();
    }
    const ready = eventsFor(c, fresh.id).find((f) => f.event === 'agent_ready')!;
    expect(ready.data).toMatchObject({ runtimeSessionId: fresh.id });
  });

  it('filters by ?agentId=, snapshot included', async () => {
    const a = await t.spawnShell({ name: 'a' });
    const b = await t.spawnShell({ name: 'b' });
    const onlyA = events(`?agentId=${a.id}`);
    await onlyA.waitFor((x) => frames(x).length > 0, 5_000, 'snapshot');
    expect(frames(onlyA)[0].data?.agents?.map((x) => x.id)).toEqual([a.id]);
    await t.request('POST', `/api/agents/${b.id}/send`, { body: { message: 'echo b' } });
    await t.request('POST', `/api/agents/${a.id}/send`, { body: { message: 'echo a' } });
    await onlyA.waitFor((x) => eventsFor(x, a.id).some((f) => f.event === 'message'), 10_000, 'a message');
    const ids = new Set(frames(onlyA).filter((f) => f.event !== 'snapshot').map((f) => f.data?.agentId));
    expect([...ids]).toEqual([a.id]);
  });

  it('answers {"type":"ping"} with a pong and ignores other client frames', async () => {
    const c = events();
    await c.waitFor((x) => frames(x).length > 0, 5_000, 'snapshot');
    c.send('not json');
    c.send('{"type":"subscribe"}');
    c.send('{"type":"ping"}');
    await c.waitFor((x) => frames(x).some((f) => f.type === 'pong'), 5_000, 'pong');
    const pong = frames(c).find((f) => f.type === 'pong')!;
    expect(Date.parse(pong.timestamp ?? '')).not.toBeNaN();
    expect(frames(c)).toHaveLength(2);
  });

  it('lets a client that reconnects catch up from the snapshot', async () => {
    const agent = await t.spawnShell();
    const first = events();
    await first.waitFor((x) => frames(x).length > 0, 5_000, 'snapshot');
    first.close();
    await first.closed;
    // While nobody listens, the agent changes.
    await t.request('POST', `/api/agents/${agent.id}/pause`);
    const second = events();
    await second.waitFor((x) => frames(x).length > 0, 5_000, 'snapshot');
    expect(frames(second)[0].data?.agents?.[0]).toMatchObject({ id: agent.id, automationPaused: true });
    const metrics = (await t.request('GET', '/api/metrics')).json as { eventSubscribers: number };
    expect(metrics.eventSubscribers).toBe(1);
  });

  it('refuses an empty agentId filter with 4400', async () => {
    const c = events('?agentId=');
    expect((await c.closed).code).toBe(WS_CLOSE.BAD_REQUEST);
  });
});

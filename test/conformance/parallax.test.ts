import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentHandle, AgentMessage } from '../../src-shared/agent';
import type { LogsResponse, SendResponse } from '../../src-shared/api';
import type { ThreadHandle, ThreadListResponse } from '../../src-shared/threads';
import { connectWs, startTestServer, until, wsUrl, type TestServer, type WsClient } from '../server/support';

/**
 * Parallax as it is: its runtime scripts (scripts/test-runtime-api.sh, test-runtime.sh,
 * test-runtime.ts), its control-plane client on the legacy `/ws` socket, and its thread calls,
 * with the requests and checks docs/compatibility.md lists. The agent is `echo`, as in their
 * scripts; nothing sends fields Parallax would not send (no workdir, no runtime extensions).
 * Where we differ on purpose (404 instead of 500 for unknown agents) the test says so.
 */

let t: TestServer;
const sockets: WsClient[] = [];
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  for (const s of sockets) s.ws.terminate();
  await t.close();
});

function socket(path: string): WsClient {
  const client = connectWs(wsUrl(t.url, path));
  sockets.push(client);
  return client;
}

/** test-runtime.ts ignores frames without `event`. */
type Frame = { event?: string; data?: Record<string, unknown> & { agent?: AgentHandle; message?: AgentMessage } };
const eventFrames = (c: WsClient) => (c.frames() as Frame[]).filter((f) => typeof f.event === 'string');
const named = (c: WsClient, name: string, agentId: string) =>
  eventFrames(c).filter((f) => f.event === name && (f.data?.agent?.id ?? f.data?.agentId ?? f.data?.message?.agentId) === agentId);

/** Parallax's shell scripts build bodies as strings with curl -d. */
const post = (path: string, body: string) => t.request('POST', path, { body, headers: { 'Content-Type': 'application/json' } });

describe('scripts/test-runtime-api.sh', () => {
  it('answers every check, with 404 (not 500) for unknown agents on purpose', async () => {
    expect((await t.request('GET', '/')).status).toBe(200);
    const health = await t.request('GET', '/api/health');
    expect(health.status).toBe(200);
    expect(health.text).toContain('"healthy"');
    const list = await t.request('GET', '/api/agents');
    expect(list.status).toBe(200);
    expect(list.text).toContain('"agents"');
    expect((await post('/api/agents', '{"name":"test"}')).status).toBe(400);
    // No name: Parallax requires one, and so do we for echo.
    expect((await post('/api/agents', '{"type":"echo"}')).status).toBe(400);
    expect((await t.request('GET', '/api/agents/nonexistent-id')).status).toBe(404);
    expect((await post('/api/agents/nonexistent-id/send', '{"message":"hello"}')).status).toBe(404);
    expect((await t.request('GET', '/api/agents/nonexistent-id/logs')).status).toBe(404);
    expect((await t.request('DELETE', '/api/agents/nonexistent-id')).status).toBe(404);
  });
});

describe('scripts/test-runtime.sh and test-runtime.ts with AGENT_TYPE=echo', () => {
  it('spawn echo → events → ready → send → logs → metrics → DELETE 204 → agent_stopped → 404', async () => {
    const health = await t.request('GET', '/api/health');
    expect(health.text).toContain('"healthy":true');
    const empty = (await t.request('GET', '/api/agents')).text;
    expect(empty.includes('"agents":[]') || empty.includes('"count":0')).toBe(true);

    const events = socket('/ws/events');
    await events.waitFor((c) => c.frames().length > 0, 5_000, 'first frame');
    const created = await post('/api/agents', '{"name":"test-agent","type":"echo","capabilities":["testing"]}');
    expect(created.status).toBe(201);
    expect(created.text).toContain('"id"');
    const id = (created.json as AgentHandle).id;
    const filtered = socket(`/ws/events?agentId=${id}`);
    await events.waitFor((c) => named(c, 'agent_started', id).length > 0, 10_000, 'agent_started');
    const got = await t.request('GET', `/api/agents/${id}`);
    expect(got.status).toBe(200);
    expect((got.json as AgentHandle).id).toBe(id);
    expect((await t.request('GET', '/api/agents')).text).toContain('"count"');
    await until(async () => (await t.request('GET', `/api/agents/${id}`)).text.includes('"status":"ready"'), 10_000, 'ready by polling');
    await events.waitFor((c) => named(c, 'agent_ready', id).length > 0, 30_000, 'agent_ready');
    expect(((await t.request('GET', '/api/agents')).json as { agents: AgentHandle[] }).agents.some((a) => a.id === id)).toBe(true);

    const sent = await post(`/api/agents/${id}/send`, '{"message":"Hello from test","expectResponse":false}');
    expect(sent.status).toBe(200);
    expect(sent.text).toContain('"sent":true');
    // The reply arrives as a `message` event carrying Parallax's AgentMessage.
    await events.waitFor((c) => named(c, 'message', id).length > 0, 10_000, 'message event');
    const reply = named(events, 'message', id)[0].data!.message!;
    expect(reply).toMatchObject({ agentId: id, direction: 'outbound', type: 'response', content: 'Hello from test' });
    expect(Date.parse(reply.timestamp)).not.toBeNaN();

    const logs = await t.request('GET', `/api/agents/${id}/logs?tail=50`);
    expect(logs.status).toBe(200);
    expect(logs.text).toContain('"logs":[');
    expect(((await t.request('GET', `/api/agents/${id}/logs?tail=10`)).json as LogsResponse).count).toBeGreaterThan(0);
    const metrics = await t.request('GET', `/api/agents/${id}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('"uptime"');

    const deleted = await t.request('DELETE', `/api/agents/${id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    await events.waitFor((c) => named(c, 'agent_stopped', id).length > 0, 10_000, 'agent_stopped');
    // Parallax's client maps 404 to "gone".
    expect((await t.request('GET', `/api/agents/${id}`)).status).toBe(404);
    expect((await t.request('GET', '/api/agents/does-not-exist')).status).toBe(404);
    // The ?agentId= socket saw this agent's events and nobody else's.
    await filtered.waitFor((c) => named(c, 'agent_stopped', id).length > 0, 10_000, 'filtered agent_stopped');
    expect(eventFrames(filtered).every((f) => [undefined, id].includes(f.data?.agent?.id ?? (f.data?.agentId as string | undefined)))).toBe(true);

    // Multiple agents.
    const ids: string[] = [];
    for (const name of ['multi-1', 'multi-2', 'multi-3']) {
      const res = await post('/api/agents', JSON.stringify({ name, type: 'echo' }));
      expect(res.status).toBe(201);
      ids.push((res.json as AgentHandle).id);
    }
    expect(((await t.request('GET', '/api/agents')).json as { count: number }).count).toBe(3);
    for (const agentId of ids) expect((await t.request('DELETE', `/api/agents/${agentId}`)).status).toBe(204);
    expect(((await t.request('GET', '/api/agents')).json as { count: number }).count).toBe(0);
  });
});

describe("the control plane's RuntimeClient", () => {
  it('send waits for the reply and answers with an AgentMessage', async () => {
    const id = ((await post('/api/agents', '{"name":"rc","type":"echo"}')).json as AgentHandle).id;
    await t.h.waitFor('agent_ready', id, 10_000);
    const res = await post(`/api/agents/${id}/send`, '{"message":"ping 42"}');
    expect(res.status).toBe(200);
    const body = res.json as SendResponse;
    expect(body.sent).toBe(true);
    expect(body.response).toMatchObject({ agentId: id, direction: 'outbound', type: 'response', content: 'ping 42', inReplyTo: 'ping 42' });
    expect(body.response.id).toMatch(new RegExp(`^${id}-msg-\\d+$`));
    expect((await t.request('DELETE', `/api/agents/${id}`)).status).toBe(204);
  });

  it('AgentConfig.resources {cpu, memory, timeout} is accepted; on a runtime that does not isolate it sets nothing', async () => {
    const res = await post('/api/agents', '{"name":"sized","type":"echo","resources":{"cpu":"500m","memory":"512Mi","timeout":300000}}');
    expect(res.status).toBe(201);
    const agent = res.json as AgentHandle;
    expect(agent.isolation?.mode ?? 'none').toBe('none');
    expect(agent.isolation?.limits).toBeUndefined();
    await t.h.waitFor('agent_ready', agent.id, 10_000);
    expect((await t.request('DELETE', `/api/agents/${agent.id}`)).status).toBe(204);
  });

  it('/ws: subscribe(agentId) gets the reply, because message frames carry data.message.agentId', async () => {
    const id = ((await post('/api/agents', '{"name":"ws-sub","type":"echo"}')).json as AgentHandle).id;
    await t.h.waitFor('agent_ready', id, 10_000);
    const general = socket('/ws');
    await general.waitFor((c) => c.frames().length > 0, 5_000, 'first frame');
    // The client's send command on /ws.
    general.send(JSON.stringify({ type: 'send', agentId: id, message: 'over the socket' }));
    // RuntimeClient forwards `message` to subscribe(agentId, …) only when data.message.agentId is set.
    const forSubscriber = (c: WsClient) =>
      (c.frames() as Frame[]).filter((f) => f.event === 'message' && f.data?.message?.agentId === id);
    await general.waitFor((c) => forSubscriber(c).length > 0, 10_000, 'message with data.message.agentId');
    expect(forSubscriber(general)[0].data!.message).toMatchObject({ direction: 'outbound', type: 'response', content: 'over the socket' });
    expect((general.frames() as { type?: string }[]).some((f) => f.type === 'sent')).toBe(true);
    expect((await t.request('DELETE', `/api/agents/${id}`)).status).toBe(204);
  });
});

describe('thread calls', () => {
  it('POST /api/threads → thread_event frames → send → list → DELETE 204 → 404', async () => {
    const events = socket('/ws/events');
    await events.waitFor((c) => c.frames().length > 0, 5_000, 'first frame');
    const created = await post('/api/threads', JSON.stringify({ executionId: 'exec-conf', agentType: 'echo', name: 'conformance', objective: 'Echo what you are told' }));
    expect(created.status).toBe(201);
    const thread = created.json as ThreadHandle;
    expect(thread).toMatchObject({ executionId: 'exec-conf', agentType: 'echo', name: 'conformance', objective: 'Echo what you are told' });
    const threadFrames = () => (events.frames() as { event?: string; data?: { thread?: ThreadHandle; event?: { type: string; threadId: string } } }[]).filter((f) => f.event === 'thread_event' && f.data?.thread?.id === thread.id);
    await events.waitFor(() => threadFrames().some((f) => f.data?.event?.type === 'thread_ready'), 10_000, 'thread_ready');
    const sent = await post(`/api/threads/${thread.id}/send`, '{"message":"first step"}');
    expect(sent.status).toBe(200);
    expect(sent.json).toEqual({ sent: true });
    await events.waitFor(() => threadFrames().some((f) => f.data?.event?.type === 'thread_turn_complete'), 10_000, 'thread_turn_complete');
    const list = (await t.request('GET', '/api/threads?executionId=exec-conf')).json as ThreadListResponse;
    expect(list.threads.map((x) => x.id)).toEqual([thread.id]);
    expect(list.count).toBe(1);
    expect((await t.request('DELETE', `/api/threads/${thread.id}`)).status).toBe(204);
    await events.waitFor(() => threadFrames().some((f) => f.data?.event?.type === 'thread_stopped'), 10_000, 'thread_stopped');
    expect((await t.request('GET', `/api/threads/${thread.id}`)).status).toBe(404);
  });
});

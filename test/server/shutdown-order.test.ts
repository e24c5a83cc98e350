import { describe, expect, it } from 'vitest';
import { WS_CLOSE } from '../../src-shared/api';
import { shutdownRuntime } from '../../src-main/server';
import { readStream } from './stream-reader';
import { connectWs, startTestServer, wsUrl } from './support';

/** Issue 8: clients hear runtime_stopping, then every agent_stopped, then the sockets close. */

describe('shutdown order', () => {
  it('sends runtime_stopping, then each agent_stopped, on /ws/events, /ws and SSE, before closing', async () => {
    const t = await startTestServer();
    const a = await t.spawnShell({ name: 'a' });
    const b = await t.spawnShell({ name: 'b' });
    const events = connectWs(wsUrl(t.url, '/ws/events'));
    const legacy = connectWs(wsUrl(t.url, '/ws'));
    await events.waitFor((c) => c.frames().some((f) => f.event === 'snapshot'), 5_000, 'snapshot');
    await legacy.waitFor((c) => c.frames().some((f) => f.event === 'snapshot'), 5_000, 'legacy snapshot');
    let sseOpen: () => void = () => undefined;
    const sseOpened = new Promise<void>((resolve) => (sseOpen = resolve));
    const sse = readStream(`${t.url}/api/events`, {
      headers: { Accept: 'text/event-stream' },
      // Until the server ends the stream (it closes on shutdown).
      done: () => false,
      onOpen: () => sseOpen(),
    });
    await sseOpened;

    await shutdownRuntime(t.server, t.h.manager, 'SIGTERM');
    for (const client of [events, legacy]) {
      expect((await client.closed).code).toBe(WS_CLOSE.GOING_AWAY);
      const names = client.frames().map((f) => String(f.event));
      const stopping = names.indexOf('runtime_stopping');
      expect(stopping).toBeGreaterThan(0);
      expect(client.frames()[stopping]).toMatchObject({ data: { reason: 'SIGTERM', agents: 2 } });
      const stopped = client.frames().filter((f) => f.event === 'agent_stopped').map((f) => (f.data as { agentId: string }).agentId);
      expect(stopped.sort()).toEqual([a.id, b.id].sort());
      expect(names.indexOf('agent_stopped')).toBeGreaterThan(stopping);
    }
    const { body } = await sse;
    expect(body.indexOf('"runtime_stopping"')).toBeGreaterThan(0);
    expect(body.indexOf('"agent_stopped"')).toBeGreaterThan(body.indexOf('"runtime_stopping"'));
    expect(t.h.manager.liveCount()).toBe(0);
    await t.h.close();
  });
});

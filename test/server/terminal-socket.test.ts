import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentHandle } from '../../src-shared/agent';
import { WS_CLOSE, type RuntimeMetrics } from '../../src-shared/api';
import { HIGH_WATER, MAX_FRAME_CHARS } from '../../src-main/server/output-pump';
import { connectCounting, connectWs, delay, isJsonFrame, startTestServer, until, wsUrl, type TestServer, type WsClient } from './support';

let t: TestServer;
let agent: AgentHandle;
const clients: WsClient[] = [];

function terminal(query = '', server: TestServer = t, id: string = agent.id): WsClient {
  const client = connectWs(wsUrl(server.url, `/ws/agents/${id}/terminal${query}`));
  clients.push(client);
  return client;
}

beforeEach(async () => {
  // A short stuck threshold keeps the slow-viewer test quick; the mechanism is the same.
  t = await startTestServer({ server: { tuning: { pump: { stuckMs: 1_500 } } } });
  agent = await t.spawnShell();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await t.close();
});

describe('terminal socket', () => {
  it('sends the connected hello first, then the screen, then live output; input goes to the PTY', async () => {
    await t.request('POST', `/api/agents/${agent.id}/input`, { body: { data: 'echo before-$((3*3))\r' } });
    await until(() => t.h.manager.output(agent.id).includes('before-9'), 5_000, 'before');
    const c = terminal();
    await c.waitFor((x) => x.messages.length >= 2, 5_000, 'hello + snapshot');
    const hello = JSON.parse(c.messages[0]) as Record<string, unknown>;
    expect(hello).toMatchObject({ type: 'connected', agentId: agent.id, mode: 'control', cols: 120, rows: 40 });
    expect(Date.parse(String(hello.timestamp))).not.toBeNaN();
    // The replayed screen: escape sequences that redraw what is on it.
    expect(c.output()).toContain('before-9');
    c.send('echo live-$((5*5))\r');
    await c.waitFor((x) => x.output().includes('live-25'), 5_000, 'live output');
  });

  it('?hello=0 sends pure terminal bytes (no JSON frames at all)', async () => {
    const c = terminal('?hello=0');
    await c.waitFor((x) => x.output().includes('$ ') || x.output().includes('# '), 5_000, 'prompt in the snapshot');
    c.send('echo quiet-$((2*21))\r');
    c.send('{"type":"bogus"}');
    await c.waitFor((x) => x.output().includes('quiet-42'), 5_000, 'output');
    await delay(100);
    expect(c.messages.filter(isJsonFrame)).toEqual([]);
  });

  it('terminalHello:false turns the hello off by default; ?hello=1 turns it back on', async () => {
    const quiet = await startTestServer({ server: { terminalHello: false } });
    try {
      const a = await quiet.spawnShell();
      const off = terminal('', quiet, a.id);
      const on = terminal('?hello=1', quiet, a.id);
      await on.waitFor((x) => x.frames().some((f) => f.type === 'connected'), 5_000, 'hello');
      await off.waitFor((x) => x.messages.length > 0, 5_000, 'snapshot');
      expect(off.frames()).toEqual([]);
      expect(isJsonFrame(off.messages[0])).toBe(false);
    } finally {
      await quiet.close();
    }
  });

  it('?replay=0 starts with live output only', async () => {
    await t.request('POST', `/api/agents/${agent.id}/input`, { body: { data: 'echo old-$((4*4))\r' } });
    await until(() => t.h.manager.output(agent.id).includes('old-16'), 5_000, 'old');
    const c = terminal('?replay=0');
    await c.waitFor((x) => x.frames().some((f) => f.type === 'connected'), 5_000, 'hello');
    await delay(150);
    expect(c.output()).toBe('');
    c.send('echo new-$((6*6))\r');
    await c.waitFor((x) => x.output().includes('new-36'), 5_000, 'new output');
    expect(c.output()).not.toContain('old-16');
  });

  it('resizes the PTY from a resize frame and tells the other viewers', async () => {
    const a = terminal();
    const b = terminal();
    await b.waitFor((x) => x.frames().some((f) => f.type === 'mode'), 5_000, 'read-only notice');
    a.send(JSON.stringify({ type: 'resize', cols: 100, rows: 30 }));
    await until(() => t.h.manager.get(agent.id).cols === 100, 5_000, 'resize');
    expect(t.h.manager.get(agent.id)).toMatchObject({ cols: 100, rows: 30 });
    await b.waitFor((x) => x.frames().some((f) => f.type === 'resized' && f.cols === 100 && f.rows === 30), 5_000, 'resized frame');
    a.send('stty size\r');
    await a.waitFor((x) => x.output().includes('30 100'), 5_000, 'stty size');
    // Out of range: an error frame, no change.
    a.send(JSON.stringify({ type: 'resize', cols: 5, rows: 30 }));
    await a.waitFor((x) => x.frames().some((f) => f.type === 'error' && f.code === 'VALIDATION_ERROR'), 5_000, 'error frame');
    expect(t.h.manager.get(agent.id).cols).toBe(100);
  });

  it('treats text that is not a JSON control frame as input; answers pings; decodes binary frames', async () => {
    const c = terminal();
    await c.waitFor((x) => x.frames().some((f) => f.type === 'connected'), 5_000, 'hello');
    c.send('echo "{not json $((1+1))"\r');
    await c.waitFor((x) => x.output().includes('{not json 2'), 5_000, 'raw brace input');
    c.send('{"type":"ping"}');
    await c.waitFor((x) => x.frames().some((f) => f.type === 'pong'), 5_000, 'pong');
    c.send('{"type":"dance"}');
    await c.waitFor((x) => x.frames().some((f) => f.type === 'error' && String(f.error).includes('dance')), 5_000, 'unknown control frame error');
    c.ws.send(Buffer.from('echo bin-é-$((8*8))\r', 'utf8'), { binary: true });
    await c.waitFor((x) => x.output().includes('bin-é-64'), 5_000, 'binary input');
  });

  it('gives control to the first viewer; others are read-only until they take control', async () => {
    const a = terminal();
    await a.waitFor((x) => x.frames().some((f) => f.type === 'connected'), 5_000, 'a hello');
    const b = terminal();
    await b.waitFor((x) => x.frames().some((f) => f.type === 'mode'), 5_000, 'b mode');
    expect(b.frames()[0]).toMatchObject({ type: 'connected', mode: 'read-only' });
    expect(b.frames()[1]).toMatchObject({ type: 'mode', mode: 'read-only' });

    b.send('echo from-b-$((1+2))\r');
    await b.waitFor((x) => x.frames().some((f) => f.type === 'error' && f.code === 'FORBIDDEN'), 5_000, 'read-only error');
    a.send('echo from-a-$((2+2))\r');
    await b.waitFor((x) => x.output().includes('from-a-4'), 5_000, 'b sees a');
    expect(t.h.manager.output(agent.id)).not.toContain('from-b-3');

    const c = terminal('?mode=control');
    await c.waitFor((x) => x.frames().some((f) => f.type === 'connected' && f.mode === 'control'), 5_000, 'c controls');
    await a.waitFor((x) => x.frames().some((f) => f.type === 'mode' && f.mode === 'read-only'), 5_000, 'a demoted');
    c.send('echo from-c-$((3+3))\r');
    await a.waitFor((x) => x.output().includes('from-c-6'), 5_000, 'a sees c');

    // The controller leaves: the longest-attached writer takes over.
    c.close();
    await a.waitFor((x) => x.frames().filter((f) => f.type === 'mode').at(-1)?.mode === 'control', 5_000, 'a promoted');
    a.send('echo again-a-$((4+4))\r');
    await b.waitFor((x) => x.output().includes('again-a-8'), 5_000, 'a writes again');

    const viewer = terminal('?mode=view');
    await viewer.waitFor((x) => x.frames().some((f) => f.type === 'mode' && String(f.reason).includes('mode=view')), 5_000, 'view-only');
    const metrics = (await t.request('GET', `/api/agents/${agent.id}/metrics`)).json as { viewers: number };
    expect(metrics.viewers).toBe(3);
  });

  it('closes with 4404 for an unknown agent, 4400 for bad options, 4410 when the agent stops', async () => {
    const ghost = terminal('', t, 'ghost-agent');
    expect(await ghost.closed).toEqual({ code: WS_CLOSE.AGENT_NOT_FOUND, reason: 'Agent not found' });
    const bad = terminal('?replay=maybe');
    expect((await bad.closed).code).toBe(WS_CLOSE.BAD_REQUEST);

    const c = terminal();
    await c.waitFor((x) => x.frames().some((f) => f.type === 'connected'), 5_000, 'hello');
    await t.request('POST', `/api/agents/${agent.id}/stop`);
    expect(await c.closed).toEqual({ code: WS_CLOSE.AGENT_STOPPED, reason: 'Agent stopped' });
    const late = terminal();
    expect((await late.closed).code).toBe(WS_CLOSE.AGENT_STOPPED);
  });

  it('drops a stalled viewer instead of letting it freeze the agent or grow memory', async () => {
    const fast = connectCounting(wsUrl(t.url, `/ws/agents/${agent.id}/terminal?hello=0`));
    const slow = connectCounting(wsUrl(t.url, `/ws/agents/${agent.id}/terminal?hello=0&mode=view`));
    await Promise.all([fast.opened, slow.opened]);
    await until(() => fast.bytes() > 0 && slow.bytes() > 0, 5_000, 'snapshots');
    slow.ws.pause(); // stops reading: TCP buffers fill, then the server's send buffer
    const viewers = async () => ((await t.request('GET', `/api/agents/${agent.id}/metrics`)).json as { viewers: number }).viewers;
    expect(await viewers()).toBe(2);
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    let bufferedPeak = 0;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      void t.request('GET', '/api/metrics').then((r) => {
        bufferedPeak = Math.max(bufferedPeak, (r.json as RuntimeMetrics).viewerBufferedBytes);
      });
    }, 50);
    try {
      fast.ws.send(`yes ${'0123456789'.repeat(10)}\r`);
      // The stalled viewer holds the PTY for at most stuckMs, then it is dropped.
      await until(async () => (await viewers()) === 1, 15_000, 'stalled viewer dropped');
      const before = fast.bytes();
      await until(() => fast.bytes() > before + 2_000_000, 10_000, 'fast viewer keeps flowing');
      fast.ws.send('\x03');
      await until(() => fast.tail().includes('^C'), 10_000, 'ctrl-c');
    } finally {
      clearInterval(sampler);
    }
    // Bounded: the server never queued more than the high watermark plus a frame for the stalled viewer
    // (the flood itself makes the heap swing by ~150 MB of short-lived strings, stall or not).
    expect(bufferedPeak).toBeGreaterThan(0);
    expect(bufferedPeak).toBeLessThan(HIGH_WATER + 2 * MAX_FRAME_CHARS * 3);
    expect(rssPeak - rssBefore).toBeLessThan(300 * 1024 * 1024);
    // A stalled peer cannot read the close frame queued behind its backlog; once it reads, the socket is gone.
    slow.ws.resume();
    expect([WS_CLOSE.TOO_SLOW, 1006]).toContain((await slow.closed).code);
    await until(() => t.h.manager.get(agent.id).status === 'ready', 10_000, 'ready after the flood');
    const res = await t.request('POST', `/api/agents/${agent.id}/send`, { body: { message: 'echo after-flood' } });
    expect(res.json).toMatchObject({ response: { content: 'after-flood' } });
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentHandle } from '../../src-shared/agent';
import { WS_CLOSE, type RuntimeMetrics } from '../../src-shared/api';
import { HIGH_WATER, MAX_FRAME_CHARS } from '../../src-main/server/output-pump';
import { connectCounting, connectWs, isJsonFrame, startTestServer, until, wsUrl, type TestServer, type WsClient } from './support';

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
  it('with ?frames=1 sends the connected hello first, then the screen, then live output; input goes to the PTY', async () => {
    await t.request('POST', `/api/agents/${agent.id}/input`, { body: { data: 'echo before-$((3*3))\r' } });
    await until(() => t.h.manager.output(agent.id).includes('before-9'), 5_000, 'before');
    const c = terminal('?frames=1');
    await c.waitFor((x) => x.messages.length >= 2, 5_000, 'hello + snapshot');
    const hello = JSON.parse(c.messages[0]) as Record<string, unknown>;
    expect(hello).toMatchObject({ type: 'connected', agentId: agent.id, mode: 'control', cols: 120, rows: 40 });
    expect(Date.parse(String(hello.timestamp))).not.toBeNaN();
    // The replayed screen: escape sequences that redraw what is on it.
    expect(c.output()).toContain('before-9');
    c.send('echo live-$((5*5))\r');
    await c.waitFor((x) => x.output().includes('live-25'), 5_000, 'live output');
  });

  it('without a query string sends pure terminal bytes (no JSON frames at all), as Raven needs', async () => {
    const c = terminal();
    await c.waitFor((x) => x.output().includes('$ ') || x.output().includes('# '), 5_000, 'prompt in the snapshot');
    c.send(JSON.stringify({ type: 'resize', cols: 90, rows: 25 }));
    await until(() => t.h.manager.get(agent.id).cols === 90, 5_000, 'resize');
    c.send('{"type":"bogus"}');
    c.send('{"type":"ping"}');
    c.send('echo plain-$((2*22))\r');
    await c.waitFor((x) => x.output().includes('plain-44'), 5_000, 'output');
    expect(c.messages.filter(isJsonFrame)).toEqual([]);
  });

  it('?hello=0 sends pure terminal bytes (no JSON frames at all)', async () => {
    const c = terminal('?hello=0');
    await c.waitFor((x) => x.output().includes('$ ') || x.output().includes('# '), 5_000, 'prompt in the snapshot');
    // The unknown control frame goes first: the server handles a socket's messages in order, so
    // any error frame it answered with would be on the wire before the command's output.
    c.send('{"type":"bogus"}');
    c.send('echo quiet-$((2*21))\r');
    await c.waitFor((x) => x.output().includes('quiet-42'), 5_000, 'output');
    expect(c.messages.filter(isJsonFrame)).toEqual([]);
  });

  it('terminalHello:true turns frames on by default; ?frames=0 and ?hello=0 turn them off; ?hello=1 and ?frames=1 on', async () => {
    const chatty = await startTestServer({ server: { terminalHello: true } });
    try {
      const a = await chatty.spawnShell();
      const on = terminal('', chatty, a.id);
      const off = terminal('?frames=0', chatty, a.id);
      const offOld = terminal('?hello=0', chatty, a.id);
      await on.waitFor((x) => x.frames().some((f) => f.type === 'connected'), 5_000, 'hello');
      await off.waitFor((x) => x.messages.length > 0, 5_000, 'snapshot');
      await offOld.waitFor((x) => x.messages.length > 0, 5_000, 'snapshot');
      expect(off.frames()).toEqual([]);
      expect(offOld.frames()).toEqual([]);
    } finally {
      await chatty.close();
    }
    const oldOn = terminal('?hello=1');
    await oldOn.waitFor((x) => x.frames().some((f) => f.type === 'connected'), 5_000, 'hello=1');
    const bad = terminal('?frames=maybe');
    expect((await bad.closed).code).toBe(WS_CLOSE.BAD_REQUEST);
  });

  it('?replay=0 starts with live output only', async () => {
    await t.request('POST', `/api/agents/${agent.id}/input`, { body: { data: 'echo old-$((4*4))\r' } });
    await until(() => t.h.manager.output(agent.id).includes('old-16'), 5_000, 'old');
    const c = terminal('?replay=0&frames=1');
    await c.waitFor((x) => x.frames().some((f) => f.type === 'connected'), 5_000, 'hello');
    c.send('echo new-$((6*6))\r');
    await c.waitFor((x) => x.output().includes('new-36'), 5_000, 'new output');
    // A replay would have reached the viewer before any live output: the first bytes it got are
    // the shell echoing the command typed after connecting.
    expect(c.output().slice(0, c.output().indexOf('echo new-'))).toBe('');
    expect(c.output()).not.toContain('old-16');
  });

  it('resizes the PTY from a resize frame and tells the other viewers that asked for frames', async () => {
    const a = terminal('?frames=1');
    const b = terminal('?frames=1');
    const raven = terminal();
    await b.waitFor((x) => x.frames().some((f) => f.type === 'connected'), 5_000, 'b hello');
    await raven.waitFor((x) => x.messages.length > 0, 5_000, 'raven snapshot');
    a.send(JSON.stringify({ type: 'resize', cols: 100, rows: 30 }));
    await until(() => t.h.manager.get(agent.id).cols === 100, 5_000, 'resize');
    expect(t.h.manager.get(agent.id)).toMatchObject({ cols: 100, rows: 30 });
    await b.waitFor((x) => x.frames().some((f) => f.type === 'resized' && f.cols === 100 && f.rows === 30), 5_000, 'resized frame');
    expect(a.frames().some((f) => f.type === 'resized')).toBe(false);
    a.send('stty size\r');
    await a.waitFor((x) => x.output().includes('30 100'), 5_000, 'stty size');
    // Out of range: an error frame, no change.
    a.send(JSON.stringify({ type: 'resize', cols: 5, rows: 30 }));
    await a.waitFor((x) => x.frames().some((f) => f.type === 'error' && f.code === 'VALIDATION_ERROR'), 5_000, 'error frame');
    expect(t.h.manager.get(agent.id).cols).toBe(100);
    // The viewer without frames saw the new size only as terminal bytes.
    raven.send('echo raven-$((7*7))\r');
    await raven.waitFor((x) => x.output().includes('raven-49'), 5_000, 'raven output');
    expect(raven.frames()).toEqual([]);
  });

  it('treats text that is not a JSON control frame as input; answers pings; decodes binary frames', async () => {
    const c = terminal('?frames=1');
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

  it('shares input between every viewer, as tmux does; ?mode=view is read-only', async () => {
    const a = terminal();
    const b = terminal();
    await a.waitFor((x) => x.messages.length > 0, 5_000, 'a snapshot');
    await b.waitFor((x) => x.messages.length > 0, 5_000, 'b snapshot');
    a.send('echo from-a-$((2+2))\r');
    await b.waitFor((x) => x.output().includes('from-a-4'), 5_000, 'b sees a');
    b.send('echo from-b-$((1+2))\r');
    await a.waitFor((x) => x.output().includes('from-b-3'), 5_000, 'a sees b');
    // ?mode=control is what older clients send: the same shared input.
    const c = terminal('?mode=control&frames=1');
    await c.waitFor((x) => x.frames().some((f) => f.type === 'connected' && f.mode === 'control'), 5_000, 'c hello');
    c.send('echo from-c-$((3+3))\r');
    await a.waitFor((x) => x.output().includes('from-c-6'), 5_000, 'a sees c');

    const viewer = terminal('?mode=view&frames=1');
    await viewer.waitFor((x) => x.frames().some((f) => f.type === 'mode' && f.mode === 'read-only' && String(f.reason).includes('mode=view')), 5_000, 'view-only');
    expect(viewer.frames()[0]).toMatchObject({ type: 'connected', mode: 'read-only' });
    viewer.send('echo from-view-$((5+5))\r');
    viewer.send(JSON.stringify({ type: 'resize', cols: 80, rows: 20 }));
    await viewer.waitFor((x) => x.frames().filter((f) => f.type === 'error' && f.code === 'FORBIDDEN').length === 2, 5_000, 'read-only errors');
    a.send('echo after-view-$((4+4))\r');
    await viewer.waitFor((x) => x.output().includes('after-view-8'), 5_000, 'viewer sees a');
    expect(t.h.manager.output(agent.id)).not.toContain('from-view');
    expect(t.h.manager.get(agent.id).cols).toBe(120);
    // The writers without frames never got a JSON frame, whatever the others did.
    expect([...a.frames(), ...b.frames()]).toEqual([]);
    const metrics = (await t.request('GET', `/api/agents/${agent.id}/metrics`)).json as { viewers: number };
    expect(metrics.viewers).toBe(4);
  });

  it('closes with 4404 for an unknown agent, 4400 for bad options, 4410 when the agent stops', async () => {
    const ghost = terminal('', t, 'ghost-agent');
    expect(await ghost.closed).toEqual({ code: WS_CLOSE.AGENT_NOT_FOUND, reason: 'Agent not found' });
    const bad = terminal('?replay=maybe');
    expect((await bad.closed).code).toBe(WS_CLOSE.BAD_REQUEST);

    const c = terminal('?frames=1');
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

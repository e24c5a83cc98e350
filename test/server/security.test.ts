import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../src-shared/errors';
import { createLogger, type LogRecord } from '../../src-main/runtime/logger';
import { startServer, ServerStartError } from '../../src-main/server';
import { isLoopbackHost, normalizeOrigin, parseHostHeader, SecurityPolicy } from '../../src-main/server/security';
import { createHarness } from '../support/runtime-harness';
import { readStream } from './stream-reader';
import { connectWs, httpRequest, SHELL_ENV, startTestServer, TEST_KEY, wsUrl, type TestServer } from './support';

const RAVEN_ORIGIN = 'https://raven.example.com';

describe('security policy (unit)', () => {
  it('recognises loopback binds and parses Host headers and origins', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.1.2.3', '::ffff:127.0.0.1']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com', '10.0.0.1']) expect(isLoopbackHost(host), host).toBe(false);
    expect(parseHostHeader('LocalHost:8765')).toEqual({ name: 'localhost', port: 8765 });
    expect(parseHostHeader('[::1]:8765')).toEqual({ name: '[::1]', port: 8765 });
    expect(parseHostHeader('localhost')).toEqual({ name: 'localhost', port: 80 });
    for (const bad of ['', 'a:b:c', 'localhost:99999', 'host:0', '[zz]:1', 'a b:1']) expect(parseHostHeader(bad), bad).toBeUndefined();
    expect(normalizeOrigin('HTTPS://Raven.Example.com:443/')).toBe('https://raven.example.com');
    expect(normalizeOrigin('app://raven')).toBe('app://raven');
    expect(normalizeOrigin('null')).toBeUndefined();
    expect(normalizeOrigin('not a url')).toBeUndefined();
  });

  it('accepts only the configured key, in constant time over hashes', () => {
    const policy = new SecurityPolicy({ host: '127.0.0.1', apiKey: TEST_KEY });
    policy.setPort(8765);
    expect(policy.keyAccepted([{ scheme: 'bearer', value: TEST_KEY }])).toBe(true);
    expect(policy.keyAccepted([{ scheme: 'bearer', value: `${TEST_KEY}x` }])).toBe(false);
    expect(policy.keyAccepted([{ scheme: 'bearer', value: '' }])).toBe(false);
    expect(policy.keyAccepted([])).toBe(false);
    expect(policy.hostAllowed('127.0.0.1:8765')).toBe(true);
    expect(policy.hostAllowed('127.0.0.1:8766')).toBe(false);
    expect(policy.hostAllowed(undefined)).toBe(false);
  });
});

describe('Host and Origin checks (no key)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ server: { allowedOrigins: [`${RAVEN_ORIGIN}/`], allowedHosts: ['raven-box.lan'] } });
  });
  afterAll(async () => {
    await t.close();
  });

  const host = () => `127.0.0.1:${t.port}`;

  it('rejects a DNS-rebinding Host on HTTP with 403 FORBIDDEN', async () => {
    for (const bad of [`attacker.example:${t.port}`, 'attacker.example', `localhost:${t.port + 1}`, `127.0.0.1.nip.io:${t.port}`]) {
      const res = await t.request('GET', '/api/health', { headers: { Host: bad } });
      expect(res.status, bad).toBe(403);
      expect((res.json as ErrorBody).code, bad).toBe('FORBIDDEN');
    }
    // HTTP/1.0 without any Host header.
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(t.port, '127.0.0.1', () => socket.write('GET /api/agents HTTP/1.0\r\n\r\n'));
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(raw.slice(0, 12)).toBe('HTTP/1.1 403');
    expect(raw).toContain('"FORBIDDEN"');
    for (const good of [`localhost:${t.port}`, `LOCALHOST:${t.port}`, `127.0.0.1:${t.port}`, `[::1]:${t.port}`, `raven-box.lan:${t.port}`]) {
      expect((await t.request('GET', '/agents', { headers: { Host: good } })).status, good).toBe(200);
    }
  });

  it('rejects foreign and null Origins on HTTP; echoes allowed ones exactly', async () => {
    for (const origin of ['https://evil.example', 'null', `http://attacker.example:${t.port}`, 'http://raven.example.com', 'file://']) {
      const res = await t.request('GET', '/api/agents', { headers: { Origin: origin } });
      expect(res.status, origin).toBe(403);
      expect((res.json as ErrorBody).code).toBe('FORBIDDEN');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
    const evilPost = await t.request('POST', '/api/agents', { headers: { Origin: 'https://evil.example', 'Content-Type': 'text/plain' }, body: '{"type":"shell"}' });
    expect(evilPost.status).toBe(403);
    expect(t.h.manager.list()).toEqual([]);

    for (const origin of [RAVEN_ORIGIN, `http://127.0.0.1:${t.port}`, `http://localhost:${t.port}`]) {
      const res = await t.request('GET', '/api/agents', { headers: { Origin: origin } });
      expect(res.status, origin).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expect(res.headers.vary).toMatch(/Origin/);
    }
    // No Origin: a server-to-server call (Raven's backend) passes, with no CORS header.
    const plain = await t.request('GET', '/api/agents');
    expect(plain.status).toBe(200);
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers CORS preflights only for allowed origins', async () => {
    const ok = await t.request('OPTIONS', '/api/agents', {
      headers: { Origin: RAVEN_ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type', 'Access-Control-Request-Private-Network': 'true' },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe(RAVEN_ORIGIN);
    expect(ok.headers['access-control-allow-methods']).toContain('POST');
    expect(ok.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect(ok.headers['access-control-allow-private-network']).toBe('true');
    const bad = await t.request('OPTIONS', '/api/agents', { headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
    expect(bad.status).toBe(403);
    expect(bad.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('applies the same Host and Origin checks to WebSocket upgrades', async () => {
    const agent = await t.spawnShell();
    const refused = [
      connectWs(wsUrl(t.url, '/ws/events'), { origin: 'https://evil.example' }),
      connectWs(wsUrl(t.url, '/ws/events'), { origin: 'null' }),
      connectWs(wsUrl(t.url, `/ws/agents/${agent.id}/terminal`), { origin: 'https://evil.example' }),
      connectWs(wsUrl(t.url, `/ws/agents/${agent.id}/terminal`), { headers: { Host: `attacker.example:${t.port}` } }),
      connectWs(wsUrl(t.url, '/ws/events'), { headers: { Host: `attacker.example:${t.port}` } }),
    ];
    for (const client of refused) await expect(client.opened).rejects.toThrow(/unexpected response 403/);

    const allowed = connectWs(wsUrl(t.url, '/ws/events'), { origin: RAVEN_ORIGIN });
    await allowed.opened;
    await allowed.waitFor((c) => c.frames().some((f) => f.event === 'snapshot'), 5_000, 'snapshot');
    allowed.close();
    const own = connectWs(wsUrl(t.url, `/ws/agents/${agent.id}/terminal`), { origin: `http://${host()}` });
    await own.opened;
    own.close();
    await t.stopAgents();
  });

  it('refuses unknown WebSocket paths', async () => {
    await expect(connectWs(wsUrl(t.url, '/ws/nothing')).opened).rejects.toThrow(/unexpected response 404/);
    await expect(connectWs(wsUrl(t.url, '/ws/agents')).opened).rejects.toThrow(/unexpected response 404/);
  });
});

describe('API key', () => {
  let t: TestServer;
  const records: LogRecord[] = [];
  beforeAll(async () => {
    t = await startTestServer({ server: { apiKey: TEST_KEY, logger: createLogger('debug', (r) => records.push(r)) } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('rejects a missing or wrong key in every form with 401 UNAUTHORIZED', async () => {
    const wrong = 'plx_wrong-key-0123456789abcdef';
    const cases: Record<string, string>[] = [
      {},
      { Authorization: `Bearer ${wrong}` },
      { Authorization: `ApiKey ${wrong}` },
      { Authorization: wrong },
      { 'X-API-Key': wrong },
      { Authorization: `Basic ${Buffer.from(`user:${TEST_KEY}`).toString('base64')}` },
      { Authorization: `Bearer ${TEST_KEY.slice(0, -1)}` },
      { Authorization: TEST_KEY.replace('plx_', '') },
    ];
    for (const headers of cases) {
      const res = await t.request('GET', '/api/agents', { headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.json).toMatchObject({ code: 'UNAUTHORIZED', service: 'Raven Agent Runtime' });
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    // ?token= is for EventSource streams and sockets only.
    expect((await t.request('GET', `/api/agents?token=${TEST_KEY}`)).status).toBe(401);
  });

  it('accepts the right key as Bearer, ApiKey, raw plx_ and X-API-Key', async () => {
    const forms: Record<string, string>[] = [
      { Authorization: `Bearer ${TEST_KEY}` },
      { Authorization: `bearer ${TEST_KEY}` },
      { Authorization: `ApiKey ${TEST_KEY}` },
      { Authorization: TEST_KEY },
      { 'X-API-Key': TEST_KEY },
    ];
    for (const headers of forms) {
      const res = await t.request('GET', '/api/agents', { headers });
      expect(res.status, JSON.stringify(headers)).toBe(200);
    }
    const events = await readStream(`${t.url}/events?token=${encodeURIComponent(TEST_KEY)}`, { done: (b) => b.includes('snapshot') });
    expect(events.status).toBe(200);
    // In key mode the service description and the UI need the key too.
    expect((await t.request('GET', '/')).status).toBe(401);
    expect((await t.request('GET', '/', { headers: { Authorization: `Bearer ${TEST_KEY}` } })).status).toBe(200);
  });

  it('requires the key on WebSocket upgrades (header or ?token=)', async () => {
    await expect(connectWs(wsUrl(t.url, '/ws/events')).opened).rejects.toThrow(/unexpected response 401/);
    await expect(connectWs(wsUrl(t.url, '/ws/events?token=plx_wrong-key-000000000000')).opened).rejects.toThrow(/unexpected response 401/);
    for (const client of [
      connectWs(wsUrl(t.url, `/ws/events?token=${encodeURIComponent(TEST_KEY)}`)),
      connectWs(wsUrl(t.url, '/ws/events'), { headers: { Authorization: `Bearer ${TEST_KEY}` } }),
      connectWs(wsUrl(t.url, '/ws/events'), { headers: { 'X-API-Key': TEST_KEY } }),
      connectWs(wsUrl(t.url, '/ws/events'), { headers: { Authorization: TEST_KEY } }),
    ]) {
      await client.opened;
      client.close();
    }
  });

  it('never hands the key to an agent', async () => {
    const keyed = await startTestServer({ server: { apiKey: TEST_KEY }, env: { ...SHELL_ENV, RAVEN_RUNTIME_API_KEY: TEST_KEY, ALIAS_OF_KEY: TEST_KEY } });
    try {
      const agent = await keyed.spawnShell();
      const res = await keyed.request('POST', `/api/agents/${agent.id}/send`, {
        body: { message: 'echo "k=${RAVEN_RUNTIME_API_KEY:-none} a=${ALIAS_OF_KEY:-none}"' },
        headers: { 'X-API-Key': TEST_KEY },
      });
      expect(res.json).toMatchObject({ response: { content: 'k=none a=none' } });
    } finally {
      await keyed.close();
    }
  });

  it('never writes the key to the logs', () => {
    const text = JSON.stringify(records);
    expect(records.some((r) => r.msg.includes('API key missing or wrong'))).toBe(true);
    expect(text).not.toContain(TEST_KEY);
    expect(text).not.toContain(TEST_KEY.slice(4));
  });
});

describe('body limits', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ server: { bodyLimitBytes: 8 * 1024 } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 413 PAYLOAD_TOO_LARGE for oversize bodies, declared or chunked, and keeps serving', async () => {
    const big = JSON.stringify({ message: 'x'.repeat(20 * 1024) });
    const declared = await t.request('POST', '/api/agents/ghost/send', { body: big });
    expect(declared.status).toBe(413);
    expect((declared.json as ErrorBody).code).toBe('PAYLOAD_TOO_LARGE');

    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const socket = net.connect(t.port, '127.0.0.1', () => {
        socket.write(`POST /api/agents HTTP/1.1\r\nHost: 127.0.0.1:${t.port}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
        const chunk = 'y'.repeat(4096);
        for (let i = 0; i < 6; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
        socket.write('0\r\n\r\n');
      });
      let data = '';
      socket.on('data', (d: Buffer) => {
        data += d.toString();
        const end = data.indexOf('\r\n\r\n');
        if (end >= 0 && data.includes('"code"')) {
          socket.destroy();
          resolve({ status: Number(data.slice(9, 12)), body: data.slice(end + 4) });
        }
      });
      socket.on('error', reject);
    });
    expect(chunked.status).toBe(413);
    expect(chunked.body).toContain('PAYLOAD_TOO_LARGE');
    expect((await t.request('GET', '/api/health')).status).toBe(200);
  });

  it('uses 1 MiB by default', async () => {
    const d = await startTestServer();
    try {
      const res = await d.request('POST', '/api/agents/ghost/input', { body: JSON.stringify({ data: 'z'.repeat(1024 * 1024 + 10) }) });
      expect(res.status).toBe(413);
      const fits = await d.request('POST', '/api/agents/ghost/input', { body: JSON.stringify({ data: 'z'.repeat(1000 * 1000) }) });
      expect(fits.status).toBe(404);
    } finally {
      await d.close();
    }
  });
});

describe('start-up refusals', () => {
  it('refuses a non-loopback bind without a key, and short keys', async () => {
    const h = createHarness({}, SHELL_ENV);
    const base = { manager: h.manager, port: 0, allowedOrigins: [], version: 'x', logger: createLogger('silent') };
    try {
      await expect(startServer({ ...base, host: '0.0.0.0' })).rejects.toMatchObject({ name: 'ServerStartError', code: 'INSECURE_BIND' });
      await expect(startServer({ ...base, host: '::' })).rejects.toBeInstanceOf(ServerStartError);
      await expect(startServer({ ...base, host: '127.0.0.1', apiKey: 'short' })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
      await expect(startServer({ ...base, host: '127.0.0.1', allowedHosts: ['bad host name:1:2'] })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
      const open = await startServer({ ...base, host: '0.0.0.0', apiKey: TEST_KEY });
      try {
        expect((await httpRequest(`${open.url}/api/agents`, 'GET')).status).toBe(401);
        expect((await httpRequest(`${open.url}/api/agents`, 'GET', { headers: { 'X-API-Key': TEST_KEY } })).status).toBe(200);
      } finally {
        await open.close();
      }
    } finally {
      await h.close();
    }
  });

  it('reports a port in use as EADDRINUSE', async () => {
    const h = createHarness({}, SHELL_ENV);
    const first = await startServer({ manager: h.manager, host: '127.0.0.1', port: 0, allowedOrigins: [], version: 'x', logger: createLogger('silent') });
    try {
      const error = await startServer({ manager: h.manager, host: '127.0.0.1', port: first.port, allowedOrigins: [], version: 'x', logger: createLogger('silent') }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServerStartError);
      expect(error).toMatchObject({ code: 'EADDRINUSE' });
      expect((error as Error).message).toContain(String(first.port));
      // The first server is unaffected.
      expect((await httpRequest(`${first.url}/api/agents`, 'GET')).status).toBe(200);
    } finally {
      await first.close();
      await h.close();
    }
  });
});

import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentHandle } from '../../src-shared/agent';
import type { ErrorBody } from '../../src-shared/errors';
import { MAX_JSON_DEPTH, MAX_METADATA_BYTES } from '../../src-shared/limits';
import type { ThreadHandle, ThreadListResponse } from '../../src-shared/threads';
import { createLogger, type LogRecord } from '../../src-main/runtime/logger';
import { listTranscripts } from '../../src-main/runtime/transcript';
import { startServer, ServerStartError } from '../../src-main/server';
import { withKeySession } from '../../src-main/desktop/app/key-session';
import { installProcessGuard } from '../../src-main/server/process-guard';
import { maskUrlCredentials, parseRepoUrl, redactRepoText } from '../../src-main/workspace/repo-url';
import { parseRequestTarget } from '../../src-main/server/request-target';
import { createHarness } from '../support/runtime-harness';
import { connectWs, startTestServer, TEST_KEY, wsUrl, type TestServer } from './support';

/**
 * Regression tests for issue 9's findings (one `describe` per numbered finding). Each one failed on
 * the code before the fix: finding 1 killed the test process outright.
 */

/** Sends raw bytes and resolves with everything the server wrote until it closed the connection. */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('close', () => resolve(data));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? resolve(data) : reject(error)));
  });
}

/** The status code and JSON body of a raw HTTP answer. */
function parseRaw(answer: string): { status: number; body: unknown } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
  const bodyText = answer.slice(answer.indexOf('\r\n\r\n') + 4);
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    body = undefined;
  }
  return { status, body };
}

function upgradeRequest(port: number, target: string, extra = ''): string {
  return `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`;
}

function nested(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

function threadBody(extra: Record<string, unknown>): Record<string, unknown> {
  return { executionId: 'exec-hardening', agentType: 'shell', name: 'hardening', objective: 'test', ...extra };
}

describe('finding 1: a WebSocket upgrade cannot take the runtime down', () => {
  let t: TestServer;
  let agent: AgentHandle;
  beforeAll(async () => {
    t = await startTestServer();
    agent = await t.spawnShell();
  });
  afterAll(async () => {
    await t.stopAgents();
    await t.close();
  });

  it('answers //x:abc, //[ and //% (and other odd targets) with a typed error; agents and /health survive', async () => {
    for (const target of ['//x:abc', '//[', '//%', '//x:abc/ws/events', '/nowhere?%', '*', 'ws', '/ws/agents/%E0%A4%A/terminal']) {
      const { status, body } = parseRaw(await rawExchange(t.port, upgradeRequest(t.port, target)));
      expect(status, target).toBeGreaterThanOrEqual(400);
      expect(status, target).toBeLessThan(500);
      expect(typeof (body as ErrorBody).code, target).toBe('string');
    }
    expect((await t.request('GET', '/health')).status).toBe(200);
    expect(t.h.manager.get(agent.id).status).toBe('ready');
    expect(t.faults).toEqual([]);
  });

  it('checks Host and Origin before reading the target', async () => {
    const badHost = parseRaw(await rawExchange(t.port, upgradeRequest(t.port, '//[').replace(`Host: 127.0.0.1:${t.port}`, 'Host: evil.example')));
    expect(badHost.status).toBe(403);
    const badOrigin = parseRaw(await rawExchange(t.port, upgradeRequest(t.port, '//%', 'Origin: https://evil.example\r\n')));
    expect(badOrigin.status).toBe(403);
    expect((badOrigin.body as ErrorBody).code).toBe('FORBIDDEN');
  });

  it('parses any request target without throwing', () => {
    expect(parseRequestTarget('//x:abc?token=a%').pathname).toBe('//x:abc');
    expect(parseRequestTarget('//x:abc?token=a%').query.get('token')).toBe('a%');
    expect(parseRequestTarget(undefined).pathname).toBe('/');
    expect(parseRequestTarget('ws?x=1#frag').pathname).toBe('/ws');
  });

  it('a running server guards the process, and stops guarding when closed', async () => {
    const before = process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection');
    const other = await startTestServer();
    expect(process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection')).toBe(before + 2);
    await other.close();
    expect(process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection')).toBe(before);
  });

  it('the process guard logs and survives what escapes, and can be removed', () => {
    const records: LogRecord[] = [];
    const target = new EventEmitter();
    const heard: string[] = [];
    const remove = installProcessGuard(createLogger('debug', (r) => records.push(r)), target, (kind) => heard.push(kind));
    target.emit('uncaughtException', new Error('boom'));
    target.emit('unhandledRejection', new Error('late boom'));
    expect(heard).toEqual(['uncaughtException', 'unhandledRejection']);
    expect(records.filter((r) => r.level === 'error').map((r) => r.msg)).toEqual([
      'uncaught exception (survived; please report it)',
      'unhandled rejection (survived; please report it)',
    ]);
    remove();
    expect(target.listenerCount('uncaughtException') + target.listenerCount('unhandledRejection')).toBe(0);
  });
});

describe('finding 2: deep or huge input is refused before anything is created', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.stopAgents();
    await t.close();
  });

  it('POST /threads with metadata nested 20,000 deep: 400, no thread, no agent; /threads and /ws/events still work', async () => {
    const body = `{"executionId":"e","agentType":"shell","name":"deep","objective":"x","metadata":${nested(20_000)}}`;
    const res = await t.request('POST', '/api/threads', { body });
    expect(res.status).toBe(400);
    expect((res.json as ErrorBody).code).toBe('VALIDATION_ERROR');
    expect(res.text).toContain(`${MAX_JSON_DEPTH}`);
    expect(t.h.manager.list()).toHaveLength(0);
    const list = await t.request('GET', '/api/threads');
    expect(list.status).toBe(200);
    expect((list.json as ThreadListResponse).count).toBe(0);
    const events = connectWs(wsUrl(t.url, '/ws/events'));
    await events.waitFor((c) => c.frames().some((f) => f.event === 'snapshot'), 10_000, 'snapshot');
    events.close();
  });

  it('the same depth in any other body (agents, send, raven spawn) is a 400 too', async () => {
    for (const urlPath of ['/api/agents', '/api/spawn', '/api/agents/none/send', '/threads']) {
      const res = await t.request('POST', urlPath, { body: `{"x":${nested(MAX_JSON_DEPTH + 1)}}` });
      expect(res.status, urlPath).toBe(400);
      expect((res.json as ErrorBody).code, urlPath).toBe('VALIDATION_ERROR');
    }
  });

  it('metadata deeper than 16 levels or larger than 64 KiB is refused by the schema', async () => {
    const deep = await t.request('POST', '/api/threads', { body: threadBody({ metadata: JSON.parse(nested(17)) as Record<string, unknown> }) });
    expect(deep.status).toBe(400);
    expect(deep.text).toContain('metadata');
    const big = await t.request('POST', '/api/threads', { body: threadBody({ metadata: { blob: 'x'.repeat(MAX_METADATA_BYTES) } }) });
    expect(big.status).toBe(400);
    expect(big.text).toContain('metadata');
    expect(t.h.manager.list()).toHaveLength(0);
  });
});

describe('finding 4: timeouts, caps and an early 413', () => {
  let t: TestServer;
  let agent: AgentHandle;
  beforeAll(async () => {
    t = await startTestServer({
      server: { tuning: { limits: { connections: 6, viewersPerAgent: 2, eventSubscribers: 2, headersTimeoutMs: 500, requestTimeoutMs: 1_000 } } },
    });
    agent = await t.spawnShell();
  });
  afterAll(async () => {
    await t.stopAgents();
    await t.close();
  });

  it('answers 413 from Content-Length alone, before any body byte arrives', async () => {
    const answer = await rawExchange(t.port, `POST /api/agents HTTP/1.1\r\nHost: 127.0.0.1:${t.port}\r\nContent-Type: application/json\r\nContent-Length: 10485760\r\n\r\n`);
    const { status, body } = parseRaw(answer);
    expect(status).toBe(413);
    expect((body as ErrorBody).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('cuts a client that never finishes its headers (slow loris)', async () => {
    const answer = await rawExchange(t.port, `GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:${t.port}\r\nX-Slow: `);
    // A typed 408 when the header deadline passes, then the socket is closed, not held.
    const { status, body } = parseRaw(answer);
    expect(status).toBe(408);
    expect((body as ErrorBody).code).toBe('TIMEOUT');
  });

  it('the request deadline bounds receiving a request, not answering it: a /send longer than it completes', async () => {
    // requestTimeoutMs is 1 s here; the reply takes about 2.5 s to come.
    const res = await t.request('POST', `/api/agents/${agent.id}/send`, { body: { message: 'sleep 2.5; echo slow-reply-done', timeout: 20_000 } });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.json)).toContain('slow-reply-done');
  });

  it('refuses connections over the cap with 503 LIMIT_REACHED and serves again once they close', async () => {
    const held: net.Socket[] = [];
    try {
      // The server counts sockets in accept order; the test's own requests use fresh ones.
      for (let i = 0; i < 6; i++) {
        const socket = net.connect(t.port, '127.0.0.1');
        await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
        held.push(socket);
      }
      const { status, body } = parseRaw(await rawExchange(t.port, `GET /api/agents HTTP/1.1\r\nHost: 127.0.0.1:${t.port}\r\n\r\n`));
      expect(status).toBe(503);
      expect((body as ErrorBody).code).toBe('LIMIT_REACHED');
    } finally {
      for (const socket of held) socket.destroy();
    }
    await expect.poll(async () => (await t.request('GET', '/api/agents').catch(() => ({ status: 0 }))).status, { timeout: 10_000 }).toBe(200);
  });

  it('caps terminal viewers per agent and event subscribers with a typed 503', async () => {
    const viewers = [connectWs(wsUrl(t.url, `/ws/agents/${agent.id}/terminal`)), connectWs(wsUrl(t.url, `/ws/agents/${agent.id}/terminal`))];
    await Promise.all(viewers.map((v) => v.opened));
    await expect(connectWs(wsUrl(t.url, `/ws/agents/${agent.id}/terminal`)).opened).rejects.toThrow(/unexpected response 503/);
    const third = parseRaw(await rawExchange(t.port, upgradeRequest(t.port, `/ws/agents/${agent.id}/terminal`)));
    expect((third.body as ErrorBody).code).toBe('LIMIT_REACHED');
    const subscribers = [connectWs(wsUrl(t.url, '/ws/events')), connectWs(wsUrl(t.url, '/ws'))];
    await Promise.all(subscribers.map((s) => s.opened));
    const refused = parseRaw(await rawExchange(t.port, upgradeRequest(t.port, '/ws/events')));
    expect(refused.status).toBe(503);
    expect((refused.body as ErrorBody).code).toBe('LIMIT_REACHED');
    // The SSE stream counts against the same cap.
    const sse = await t.request('GET', '/api/events');
    expect(sse.status).toBe(503);
    expect((sse.json as ErrorBody).code).toBe('LIMIT_REACHED');
    for (const client of [...viewers, ...subscribers]) client.close();
    await Promise.all([...viewers, ...subscribers].map((c) => c.closed));
  });
});

describe('findings 6, 9, 10: context files and workspace paths', () => {
  let t: TestServer;
  let workdir: string;
  let outside: string;
  beforeAll(async () => {
    t = await startTestServer();
    workdir = path.join(t.h.scratch, 'threads-work');
    outside = path.join(t.h.scratch, 'outside');
    fs.mkdirSync(workdir, { recursive: true });
    fs.mkdirSync(outside, { recursive: true });
  });
  afterAll(async () => {
    await t.stopAgents();
    await t.close();
  });

  it('finding 6: a hard link planted in the workdir is replaced, never written through', async () => {
    const secret = path.join(outside, 'secret.txt');
    fs.writeFileSync(secret, 'do not touch');
    fs.linkSync(secret, path.join(workdir, 'CLAUDE.md'));
    const res = await t.request('POST', '/api/threads', { body: threadBody({ workspace: { path: workdir }, contextFiles: [{ path: 'CLAUDE.md', content: 'fresh' }] }) });
    expect(res.status).toBe(201);
    expect(fs.readFileSync(secret, 'utf8')).toBe('do not touch');
    expect(fs.readFileSync(path.join(workdir, 'CLAUDE.md'), 'utf8')).toBe('fresh');
    expect(fs.statSync(path.join(workdir, 'CLAUDE.md')).nlink).toBe(1);
    await t.request('DELETE', `/api/threads/${(res.json as ThreadHandle).id}?force=true`);
  });

  it('finding 6 (Raven spawn): the same for config.contextFiles', async () => {
    const secret = path.join(outside, 'raven-secret.txt');
    fs.writeFileSync(secret, 'untouched');
    const dir = path.join(t.h.scratch, 'raven-work');
    fs.mkdirSync(dir);
    fs.linkSync(secret, path.join(dir, '.mcp.json'));
    const res = await t.request('POST', '/api/spawn', { body: { agentType: 'shell', config: { workdir: dir, contextFiles: [{ path: '.mcp.json', content: '{}' }] } } });
    expect(res.status).toBe(201);
    expect(fs.readFileSync(secret, 'utf8')).toBe('untouched');
    expect(fs.readFileSync(path.join(dir, '.mcp.json'), 'utf8')).toBe('{}');
  });

  it('a thread refused for MAX_AGENTS writes no context file', async () => {
    const full = await startTestServer({ config: { maxAgents: 1 } });
    try {
      await full.spawnShell();
      const dir = path.join(full.h.scratch, 'full-work');
      fs.mkdirSync(dir);
      const res = await full.request('POST', '/api/threads', { body: threadBody({ workspace: { path: dir }, contextFiles: [{ path: 'CLAUDE.md', content: 'x' }] }) });
      expect(res.status).toBe(429);
      expect((res.json as ErrorBody).code).toBe('MAX_AGENTS');
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      await full.stopAgents();
      await full.close();
    }
  });

  it('finding 9: a relative workspace.path is a 400 and creates nothing', async () => {
    const before = t.h.manager.list().length;
    for (const workspace of ['relative/dir', { path: './here' }, { path: 'x' }]) {
      const res = await t.request('POST', '/api/threads', { body: threadBody({ workspace }) });
      expect(res.status, JSON.stringify(workspace)).toBe(400);
      expect(res.text).toContain('absolute');
    }
    expect(t.h.manager.list()).toHaveLength(before);
  });

  it('finding 10: a context-file name over 255 bytes is a typed 400 naming the field', async () => {
    const res = await t.request('POST', '/api/threads', { body: threadBody({ workspace: { path: workdir }, contextFiles: [{ path: `dir/${'n'.repeat(300)}.md`, content: 'x' }] }) });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'contextFiles[0].path' } });
    expect(res.text).toContain('255');
  });

  it('finding 10: workspaces/ being a file is a FILESYSTEM_ERROR naming the path', async () => {
    const scratchRoot = path.join(t.h.dataDir, 'workspaces');
    fs.rmSync(scratchRoot, { recursive: true, force: true });
    fs.writeFileSync(scratchRoot, 'a file in the way');
    try {
      const res = await t.request('POST', '/api/threads', { body: threadBody({}) });
      expect(res.status).toBe(500);
      expect(res.json).toMatchObject({ code: 'FILESYSTEM_ERROR' });
      expect((res.json as ErrorBody).details?.path).toContain(scratchRoot);
    } finally {
      fs.rmSync(scratchRoot, { force: true });
      fs.mkdirSync(scratchRoot);
    }
  });
});

describe('finding 7: credentials are masked by where the URL parser ends them', () => {
  it('masks a password holding "@" whole', () => {
    expect(maskUrlCredentials('https://u:p@ss@host/x')).toBe('https://***@host/x');
    expect(maskUrlCredentials('fatal: https://u:p@ss@host/x not found')).not.toContain('ss@');
    expect(maskUrlCredentials('ssh://git:pw@d@host:22/r')).toBe('ssh://git:***@host:22/r');
    expect(maskUrlCredentials('ssh://git@host/r and git@github.com:o/r')).toBe('ssh://git@host/r and git@github.com:o/r');
    // An "@" in the query is not a credential.
    expect(maskUrlCredentials('https://host/a?mail=x@y')).toBe('https://host/a?mail=x@y');
    const repo = parseRepoUrl('https://u:p@ss@host/x');
    expect(repo.display).toBe('https://***@host/x');
    expect(redactRepoText('remote: p@ss rejected for https://u:p%40ss@host/x', repo)).not.toMatch(/p@ss|p%40ss/);
  });
});

describe('finding 8 and 10: recordings and their metadata', () => {
  it('finding 8: a reused agent id records into new parts; the earlier session stays', async () => {
    const t = await startTestServer();
    try {
      const first = await t.spawnShell({ id: 'reused-id' });
      await t.h.manager.stop(first.id);
      const dir = path.join(t.h.dataDir, 'transcripts', 'reused-id');
      const earlier = fs.readFileSync(path.join(dir, '0001.cast'), 'utf8');
      await t.spawnShell({ id: 'reused-id' });
      await t.h.manager.stop('reused-id');
      expect(fs.readFileSync(path.join(dir, '0001.cast'), 'utf8')).toBe(earlier);
      expect(fs.existsSync(path.join(dir, '0002.cast'))).toBe(true);
      const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as { parts: string[] };
      expect(meta.parts).toEqual(['0001.cast', '0002.cast']);
    } finally {
      await t.stopAgents();
      await t.close();
    }
  });

  it('finding 10: a meta.json with odd types does not break the list for everyone', () => {
    const h = createHarness();
    try {
      const root = path.join(h.dataDir, 'transcripts');
      const write = (id: string, meta: unknown) => {
        fs.mkdirSync(path.join(root, id), { recursive: true });
        fs.writeFileSync(path.join(root, id, 'meta.json'), JSON.stringify(meta));
      };
      write('good', { id: 'good', name: 'g', type: 'shell', workdir: '/', command: 'bash', args: [], createdAt: '2026-01-01T00:00:00.000Z', parts: ['0001.cast'] });
      write('odd', { id: 7, createdAt: 5, parts: 'x' });
      write('odder', { createdAt: '2026-02-01T00:00:00.000Z', args: [1, 'a'], parts: [null, '0001.cast', '../x'], exitCode: 'no' });
      write('array', [1, 2]);
      const list = listTranscripts(root);
      expect(list.map((m) => m.id)).toEqual(['odder', 'good']);
      expect(list[0]).toMatchObject({ args: ['a'], parts: ['0001.cast'] });
      expect(list[0].exitCode).toBeUndefined();
    } finally {
      void h.close();
    }
  });

  it('finding 10: a data folder that cannot be created is a clear start-up error', async () => {
    const h = createHarness();
    const blocker = path.join(h.scratch, 'blocker');
    fs.writeFileSync(blocker, 'file');
    const h2 = createHarness({ dataDir: path.join(blocker, 'data') });
    try {
      const start = startServer({ manager: h2.manager, host: '127.0.0.1', port: 0, allowedOrigins: [], version: 't', logger: createLogger('silent'), tuning: { warmAdapters: false } });
      await expect(start).rejects.toBeInstanceOf(ServerStartError);
      await expect(start).rejects.toMatchObject({ code: 'DATA_DIR', message: expect.stringContaining(path.join(blocker, 'data')) });
      // transcripts/ as a file: said at start, not silently recording nothing.
      fs.mkdirSync(h.dataDir, { recursive: true });
      fs.writeFileSync(path.join(h.dataDir, 'transcripts'), 'x');
      const second = startServer({ manager: h.manager, host: '127.0.0.1', port: 0, allowedOrigins: [], version: 't', logger: createLogger('silent'), tuning: { warmAdapters: false } });
      await expect(second).rejects.toMatchObject({ code: 'DATA_DIR', message: expect.stringMatching(/transcripts folder .* is a file/) });
    } finally {
      await h2.close();
      await h.close();
    }
  });
});

describe('finding 12: in key mode every route needs the key, except a bare liveness answer', () => {
  let t: TestServer;
  beforeAll(async () => {
    const uiDir = fs.mkdtempSync(path.join(require('node:os').tmpdir() as string, 'raven-ui-'));
    fs.mkdirSync(path.join(uiDir, 'assets'));
    fs.writeFileSync(path.join(uiDir, 'index.html'), '<!doctype html><title>ui</title>');
    fs.writeFileSync(path.join(uiDir, 'assets', 'app.js'), 'console.log(1)');
    fs.writeFileSync(path.join(uiDir, 'assets', 'app.js.map'), '{}');
    t = await startTestServer({ server: { apiKey: TEST_KEY, uiDir } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses /, the UI bundle, its source maps and /openapi.json without the key', async () => {
    for (const urlPath of ['/', '/assets/app.js', '/assets/app.js.map', '/openapi.json', '/api/metrics']) {
      const res = await t.request('GET', urlPath);
      expect(res.status, urlPath).toBe(401);
      expect((res.json as ErrorBody).code, urlPath).toBe('UNAUTHORIZED');
      expect(res.text, urlPath).not.toContain('console.log');
    }
    const withKey = await t.request('GET', '/assets/app.js', { headers: { Authorization: `Bearer ${TEST_KEY}` } });
    expect(withKey.status).toBe(200);
  });

  it('GET /health without the key says only that it is alive', async () => {
    for (const urlPath of ['/health', '/api/health']) {
      const res = await t.request('GET', urlPath);
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ healthy: true });
    }
    const full = await t.request('GET', '/api/health', { headers: { Authorization: `Bearer ${TEST_KEY}` } });
    expect(full.json).toHaveProperty('version');
  });

  it('a browser gets a key-entry page; the right key sets an HttpOnly SameSite=Strict cookie that opens HTTP and sockets', async () => {
    const page = await t.request('GET', '/', { headers: { Accept: 'text/html' } });
    expect(page.status).toBe(401);
    expect(page.text).toContain('<form method="post" action="/auth/session">');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const wrong = await t.request('POST', '/auth/session', { headers: form, body: 'key=plx_wrong-0000000000000000' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const right = await t.request('POST', '/auth/session', { headers: form, body: `key=${encodeURIComponent(TEST_KEY)}` });
    expect(right.status).toBe(303);
    expect(right.headers.location).toBe('/');
    const cookie = right.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain(TEST_KEY);
    const session = cookie.split(';')[0];
    const ui = await t.request('GET', '/', { headers: { Accept: 'text/html', Cookie: session } });
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('<title>ui</title>');
    expect((await t.request('GET', '/api/agents', { headers: { Cookie: session } })).status).toBe(200);
    const socket = connectWs(wsUrl(t.url, '/ws/events'), { headers: { Cookie: session } });
    await socket.opened;
    socket.close();
    expect((await t.request('GET', '/api/agents', { headers: { Cookie: `${session}x` } })).status).toBe(401);
  });

  it('the desktop window form: GET /auth/session?key= sets the same cookie; a wrong key gets the page', async () => {
    const right = await t.request('GET', `/auth/session?key=${encodeURIComponent(TEST_KEY)}`, { headers: { Accept: 'text/html' } });
    expect(right.status).toBe(303);
    expect(right.headers['set-cookie']?.[0]).toMatch(/^raven_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict$/);
    const wrong = await t.request('GET', '/auth/session?key=nope', { headers: { Accept: 'text/html' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect(withKeySession('http://127.0.0.1:8765/#/agents/a1', TEST_KEY)).toBe(`http://127.0.0.1:8765/auth/session?key=${encodeURIComponent(TEST_KEY)}#/agents/a1`);
    expect(withKeySession('http://127.0.0.1:8765/#/agents/a1', '')).toBe('http://127.0.0.1:8765/#/agents/a1');
  });
});

describe('finding 11: a clone still running at shutdown is stopped and its folder removed', () => {
  it('kills git and removes the scratch folder when the server closes', async () => {
    const connected: net.Socket[] = [];
    let closedSockets = 0;
    let gitArrived: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (gitArrived = resolve));
    // A git:// server that accepts and never answers: git would wait on it forever.
    const silent = net.createServer((socket) => {
      connected.push(socket);
      socket.resume();
      socket.on('close', () => closedSockets++);
      socket.on('error', () => undefined);
      gitArrived();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const t = await startTestServer();
    try {
      const repoUrl = `git://127.0.0.1:${(silent.address() as net.AddressInfo).port}/stalled.git`;
      const body = JSON.stringify({ agentType: 'shell', config: { repoUrl } });
      // Raw, so that a connection cut by the shutdown settles it too.
      const spawn = rawExchange(t.port, `POST /api/spawn HTTP/1.1\r\nHost: 127.0.0.1:${t.port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      await arrived;
      const scratchRoot = path.join(t.h.dataDir, 'workspaces');
      expect(fs.readdirSync(scratchRoot)).toHaveLength(1);
      await t.server.close();
      // close() resolves only after the clone was stopped and cleaned up.
      expect(fs.readdirSync(scratchRoot)).toEqual([]);
      // Either the failure went out before the connections were closed, or the connection was cut.
      const answer = await spawn;
      if (answer !== '') expect(parseRaw(answer)).toMatchObject({ status: 500, body: { code: 'SPAWN_FAILED' } });
      await expect.poll(() => closedSockets, { timeout: 5_000 }).toBe(connected.length);
    } finally {
      await t.close();
      for (const socket of connected) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

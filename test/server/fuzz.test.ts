import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentHandle } from '../../src-shared/agent';
import { isErrorCode } from '../../src-shared/errors';
import { startTestServer, TEST_KEY, type TestServer } from './support';

/**
 * Property-based fuzzing of a running server with live agents: generated paths, query strings,
 * headers and bodies against every route, generated upgrade requests and frames against every
 * socket, and generated raw request bytes against the HTTP parser. After each case the server
 * must answer /health, both agents must still be alive, no handler fault may have been caught,
 * and the answer must be a success or a typed error (JSON with a known `code`).
 *
 * Budget: each property stops after its time limit (all three ≈ 75 s on a loaded 2-core machine);
 * FUZZ_SCALE multiplies runs and time for a longer local session, FUZZ_SEED replays a failure.
 */

const SCALE = Number(process.env.FUZZ_SCALE ?? '1') || 1;
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const HTTP_BUDGET_MS = 35_000 * SCALE;
const WS_BUDGET_MS = 20_000 * SCALE;
const RAW_BUDGET_MS = 12_000 * SCALE;
const KEYED_BUDGET_MS = 10_000 * SCALE;
/** A request may legitimately wait this long (a /send waiting for a reply); others must answer sooner. */
const ANSWER_DEADLINE_MS = 5_000;

const counts = { http: 0, ws: 0, raw: 0, keyed: 0 };
/** Answers by status, printed at the end: shows the cases reach past the first checks. */
const statuses = new Map<number, number>();

let t: TestServer;
/** A bash shell: only read (GET) and watched (view mode), so no generated input can end it. */
let shell: AgentHandle;
/** A loop that ignores ^C, ^Z, ^\ and EOF: takes any input, keys, resizes and control frames. */
let sturdy: AgentHandle;
let workdir: string;

const STURDY_SCRIPT = "trap '' INT TSTP QUIT HUP; while true; do read -r line || true; done";

beforeAll(async () => {
  t = await startTestServer({
    // Two live agents plus room for two that the generated spawns may start; then MAX_AGENTS.
    config: { maxAgents: 4 },
    server: { tuning: { limits: { headersTimeoutMs: 2_000, requestTimeoutMs: 3_000 } } },
  });
  workdir = path.join(t.h.scratch, 'fuzz-work');
  fs.mkdirSync(workdir, { recursive: true });
  shell = await t.spawnShell({ id: 'fuzz-shell' });
  const res = await t.request('POST', '/api/agents', { body: { id: 'fuzz-sturdy', type: 'custom', command: 'bash', args: ['-c', STURDY_SCRIPT], workdir } });
  if (res.status !== 201) throw new Error(`sturdy agent: ${res.status} ${res.text}`);
  sturdy = res.json as AgentHandle;
  await t.h.waitFor('agent_started', sturdy.id);
}, 60_000);

afterAll(async () => {
  console.log(`fuzz cases run: ${counts.http} HTTP, ${counts.ws} WebSocket, ${counts.raw} raw, ${counts.keyed} key-mode = ${counts.http + counts.ws + counts.raw + counts.keyed}; HTTP answers by status: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
  await t?.stopAgents();
  await t?.close();
}, 60_000);

// ───────────────────────────── invariants checked after every case ─────────────────────────────

async function assertAlive(what: string): Promise<void> {
  const health = await t.request('GET', '/health');
  expect(health.status, `after ${what}: /health`).toBe(200);
  for (const agent of [shell, sturdy]) {
    const status = t.h.manager.get(agent.id).status;
    expect(['ready', 'busy', 'starting', 'blocked'], `after ${what}: ${agent.id} is ${status}`).toContain(status);
  }
  expect(t.faults, `after ${what}: handler faults`).toEqual([]);
}

function assertTyped(status: number, text: string, what: string): void {
  expect(status, what).toBeGreaterThanOrEqual(100);
  expect(status, what).toBeLessThan(600);
  if (status < 400) return;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${what}: ${status} answer is not JSON: ${JSON.stringify(text.slice(0, 200))}`);
  }
  const code = typeof body === 'object' && body !== null ? (body as { code?: unknown }).code : undefined;
  expect(isErrorCode(code), `${what}: ${status} without a known code: ${text.slice(0, 200)}`).toBe(true);
}

// ───────────────────────────── generators ─────────────────────────────

/** Strings that break parsers: encodings, traversal, brackets, controls, unicode, long runs. */
const nasty = fc.oneof(
  fc.constantFrom('%', '%%', '%zz', '%E0%A4%A', '..', '../..', '//', '[', ']', ':', '@', '?', '#', '\\', '*', '~', '%00', '%2e%2e', 'ｓｈｅｌｌ', '💥', 'a'.repeat(300), ''),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
);

const pathSegment = fc.oneof(nasty.map((s) => encodeURIComponent(s)), nasty.filter((s) => !/[\s?#\u0000-\u001f\u007f-\uffff]/.test(s)));

/** Ids: the sturdy agent (any route), the shell (read-only routes), unknown or malformed ones. */
function agentIdFor(method: string, suffix: string) {
  const destructive = method !== 'GET' || suffix === '';
  return fc.oneof(
    fc.constant(destructive ? 'fuzz-sturdy' : 'fuzz-shell'),
    fc.constant('fuzz-sturdy'),
    fc.constantFrom('nope', 'thread-nope', '0001'),
    pathSegment,
  ).map((id) => (destructive && id === 'fuzz-shell' ? 'nope' : id));
}

/** Stopping or restarting a live agent is a valid request, not a crash: those routes get unknown ids. */
const KILLING_SUFFIXES = ['/stop', '/restart'];

const routePath = fc
  .record({
    prefix: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('/api', '') }, { weight: 1, arbitrary: fc.constantFrom('/api/api', '//') }),
    method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD'),
    kind: fc.constantFrom('agent', 'agents', 'thread', 'threads', 'plain', 'random', 'transcript'),
    suffix: fc.constantFrom('', '/send', '/keys', '/input', '/resize', '/pause', '/resume', '/stop', '/restart', '/logs', '/output', '/stream', '/metrics'),
    plain: fc.constantFrom('/health', '/metrics', '/events', '/spawn', '/transcripts', '/openapi.json', '/', '/assets/x.js', '/auth/session'),
    segments: fc.array(pathSegment, { maxLength: 4 }),
    seed: fc.nat(),
  })
  .chain((r) =>
    agentIdFor(r.method, r.suffix).map((id) => {
      const safeId = (r.method === 'DELETE' || KILLING_SUFFIXES.includes(r.suffix)) && id.startsWith('fuzz-') ? 'nope' : id;
      let p: string;
      switch (r.kind) {
        case 'agent':
          p = `${r.prefix}/agents/${safeId}${r.suffix}`;
          break;
        case 'agents':
          p = `${r.prefix}/agents`;
          break;
        case 'thread':
          p = `${r.prefix}/threads/${r.method === 'DELETE' ? 'nope' : safeId}${r.suffix === '/send' ? '/send' : ''}`;
          break;
        case 'threads':
          p = `${r.prefix}/threads`;
          break;
        case 'transcript':
          p = `${r.prefix}/transcripts/${safeId}/${r.segments[0] ?? '0001.cast'}`;
          break;
        case 'plain':
          p = r.plain === '/' || r.plain.startsWith('/auth') || r.plain.startsWith('/assets') || r.plain === '/openapi.json' ? r.plain : `${r.prefix}${r.plain}`;
          break;
        default:
          p = `/${r.segments.join('/')}`;
      }
      return { method: r.method, path: p.startsWith('/') ? p : `/${p}` };
    }),
  );

const query = fc
  .array(fc.tuple(fc.constantFrom('token', 'format', 'lines', 'tail', 'force', 'timeout', 'agentId', 'threadId', 'status', 'type', 'role', 'executionId', 'x', 'mode'), nasty), {
    maxLength: 4,
  })
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`));

/** Printable header values only: Node's client refuses control characters before sending. */
const headerValue = fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));

const headers = fc.record(
  {
    'Content-Type': fc.constantFrom('application/json', 'text/plain', 'application/json; charset=latin-9', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', ''),
    Accept: fc.constantFrom('text/html', 'application/json', '*/*', 'text/event-stream', ''),
    // Mostly the server's own origin (resolved per request), so most cases reach the routes.
    Origin: fc.oneof({ weight: 4, arbitrary: fc.constant('<self>') }, { weight: 1, arbitrary: fc.constantFrom('https://evil.example', 'null', 'http://127.0.0.1:1', 'app://raven') }),
    Authorization: fc.oneof(headerValue, fc.constantFrom('Bearer ', 'ApiKey x', 'plx_x', 'Basic eDp5')),
    'X-API-Key': headerValue,
    Cookie: fc.oneof(headerValue, fc.constant('raven_session=abc')),
    'X-Workspace-Id': headerValue,
  },
  { requiredKeys: [] },
);

/** Paths a generated workdir may take: the test's own folder, or ones that cannot be written. */
const fsPath = fc.constantFrom('/nonexistent/fuzz', 'relative/dir', '', '.', '\u0000', 'x'.repeat(5000), '~/nope');
const anyValue = fc.oneof(fc.jsonValue({ depthSize: 'small' }), nasty, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));

/** Valid bodies of each route (resolved per case: `<workdir>` is the test's folder), then mutated. */
const TEMPLATES: Record<string, unknown>[] = [
  { message: 'hi', timeout: 500 },
  { message: 'hi', expectResponse: false },
  { keys: ['enter'] },
  { keys: 'down' },
  { data: 'x' },
  { cols: 80, rows: 24 },
  { type: 'shell', workdir: '<workdir>' },
  { executionId: 'e', agentType: 'shell', name: 'n', objective: 'o', workspace: { path: '<workdir>' }, metadata: { a: 1 } },
  { agentType: 'shell', config: { workdir: '<workdir>' }, count: 1 },
  { force: true, timeout: 100 },
  { raw: 'x', metadata: { k: [1, 2] } },
];

const mutatedTemplate = fc
  .tuple(fc.constantFrom(...TEMPLATES), fc.constantFrom('none', 'replace', 'add', 'drop'), fc.constantFrom('message', 'timeout', 'keys', 'data', 'cols', 'rows', 'type', 'workdir', 'metadata', 'workspace', 'count', 'force', 'extra'), anyValue)
  .map(([template, how, key, value]) => {
    const out: Record<string, unknown> = JSON.parse(JSON.stringify(template).replace(/"<workdir>"/g, JSON.stringify(workdir))) as Record<string, unknown>;
    // Mutations never aim a path at a real folder: path-like keys keep the test's own.
    const pathKey = key === 'workdir' || key === 'workspace';
    if (how === 'replace' && !pathKey) out[key] = value;
    if (how === 'add' && !pathKey) out[`${key}2`] = value;
    if (how === 'drop') delete out[key];
    return JSON.stringify(out);
  });

/** Bodies: route templates mutated, random fields, random JSON, broken JSON, deep nesting. */
const body = fc.oneof(
  { weight: 4, arbitrary: mutatedTemplate },
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.dictionary(fc.constantFrom('type', 'agentType', 'message', 'keys', 'data', 'cols', 'rows', 'timeout', 'force', 'name', 'id', 'env', 'metadata', 'contextFiles', 'workspace', 'executionId', 'objective', 'config', 'count', 'args', 'command', 'raw', 'expectResponse', 'callbackUrl', 'credentials', 'workdir'), anyValue, { maxKeys: 6 }),
        // Replacements that keep generated spawns away from real folders and the network.
        fc.record({
          workdir: fc.oneof(fsPath, fc.constant('<workdir>')),
          workspace: fsPath,
          command: fc.constantFrom('/nonexistent/cmd', '', 'true'),
          repoUrl: fc.constantFrom('file:///nonexistent', 'ext::sh -c id', '-u', 'https://u:p@ss@127.0.0.1:1/r'),
          contextPath: nasty,
        }),
      )
      .map(([o, safe]) => {
        const out: Record<string, unknown> = { ...o };
        if ('workdir' in out) out.workdir = safe.workdir === '<workdir>' ? workdir : safe.workdir;
        if ('workspace' in out) out.workspace = { path: safe.workspace };
        if ('callbackUrl' in out) out.callbackUrl = 'http://127.0.0.1:1/cb';
        if ('command' in out) out.command = safe.command;
        if ('config' in out) out.config = { workdir: '/nonexistent/fuzz', repoUrl: safe.repoUrl };
        if ('contextFiles' in out) out.contextFiles = [{ path: safe.contextPath, content: 'x' }];
        return JSON.stringify(out);
      }),
  },
  { weight: 2, arbitrary: fc.json({ depthSize: 'medium' }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 1, arbitrary: fc.integer({ min: 60, max: 400 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`) },
  { weight: 1, arbitrary: fc.constantFrom('{', '{"a":', 'null', '[]', '"x"', '{"message":"hi","timeout":1e309}', '\u0000') },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

// ───────────────────────────── clients ─────────────────────────────

interface Answer {
  status: number;
  text: string;
  /** The server is still working on it (a /send waiting for a reply); the request was abandoned. */
  pending: boolean;
  contentType: string;
}

/** One request; long-lived answers (streams) are cut after their headers, long polls after a deadline. */
function rawRequest(port: number, method: string, urlPath: string, requestHeaders: Record<string, string>, payload: string | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const all: Record<string, string> = { ...requestHeaders, Host: `127.0.0.1:${port}` };
    if (all.Origin === '<self>') all.Origin = `http://127.0.0.1:${port}`;
    if (payload !== undefined) all['Content-Length'] = String(Buffer.byteLength(payload));
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method, headers: all, agent: false }, (res) => {
      const type = String(res.headers['content-type'] ?? '');
      if ((res.statusCode ?? 0) < 300 && (type.includes('event-stream') || /\/stream/.test(urlPath) || /\/events/.test(urlPath))) {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, text: '', pending: false, contentType: type });
        return;
      }
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text, pending: false, contentType: type });
      });
      res.on('error', () => undefined);
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve({ status: 0, text: '', pending: true, contentType: '' });
    }, ANSWER_DEADLINE_MS);
    req.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') resolve({ status: 0, text: '', pending: false, contentType: '' });
      else reject(error);
    });
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Consecutive HTTP/1.x responses in one byte stream, each cut at its Content-Length. */
function splitResponses(stream: string): { status: number; body: string }[] {
  const out: { status: number; body: string }[] = [];
  let rest = stream;
  while (rest.startsWith('HTTP/1.')) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd === -1) break;
    const head = rest.slice(0, headEnd);
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? '0');
    const bodyBytes = Buffer.from(rest.slice(headEnd + 4), 'utf8');
    out.push({ status, body: bodyBytes.subarray(0, length).toString('utf8') });
    rest = bodyBytes.subarray(length).toString('utf8');
  }
  return out;
}

function runOptions(budgetMs: number, numRuns: number): fc.Parameters<unknown> {
  return { numRuns: numRuns * SCALE, interruptAfterTimeLimit: budgetMs, markInterruptAsFailure: false, endOnFailure: true, ...(SEED !== undefined ? { seed: SEED } : {}) };
}

// ───────────────────────────── properties ─────────────────────────────

describe('fuzz: a running server with live agents', () => {
  it(
    'HTTP: every generated request gets a success or a typed error; the server and the agents live on',
    async () => {
      await fc.assert(
        fc.asyncProperty(routePath, query, headers, body, async (route, q, h, payload) => {
          counts.http++;
          const sendsBody = route.method !== 'GET' && route.method !== 'HEAD' && payload !== undefined;
          const headerSet: Record<string, string> = Object.fromEntries(Object.entries(h).filter(([, v]) => v !== ''));
          const what = `${route.method} ${route.path}${q} ${JSON.stringify(headerSet)} ${JSON.stringify((payload ?? '').slice(0, 200))}`;
          const answer = await rawRequest(t.port, route.method, `${route.path}${q}`, headerSet, sendsBody ? payload : undefined);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          if (answer.pending) {
            // Only a delivered message may keep the client waiting (for the agent's reply).
            expect(/\/send\/?$/.test(route.path), `${what}: no answer within ${ANSWER_DEADLINE_MS} ms`).toBe(true);
          } else if (answer.status !== 0 && route.method !== 'HEAD') {
            assertTyped(answer.status, answer.text, what);
          }
          await assertAlive(what);
        }),
        runOptions(HTTP_BUDGET_MS, 3_000),
      );
      expect(counts.http).toBeGreaterThan(20);
    },
    HTTP_BUDGET_MS + 60_000,
  );

  it(
    'WebSocket: generated upgrades and frames on every socket; refusals are typed, nothing dies',
    async () => {
      const wsPath = fc.constantFrom('/ws/events', '/ws', '/', '/ws/agents/fuzz-sturdy/terminal', '/ws/agents/fuzz-shell/terminal', '/ws/agents/nope/terminal', '//x:abc', '//[', '//%', '/ws/agents/%E0%A4%A/terminal', '/api/ws');
      const wsQuery = fc
        .array(fc.tuple(fc.constantFrom('mode', 'hello', 'replay', 'agentId', 'threadId', 'token', 'x'), fc.oneof(fc.constantFrom('view', 'control', 'auto', '0', '1', 'true'), nasty)), { maxLength: 3 })
        .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`));
      const frame = fc.oneof(
        fc.string({ maxLength: 80 }),
        fc.json({ depthSize: 'small' }),
        fc.constantFrom('{"type":"ping"}', '{"type":"resize","cols":1e9,"rows":-1}', '{"type":"resize","cols":80,"rows":24}', '{"type":"send","agentId":"fuzz-sturdy","message":"hi"}', '{"type":"send","agentId":"nope","message":"x"}', '{"type":"mode","mode":"control"}', '[]', '{'),
        fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
        fc.integer({ min: 60, max: 300 }).map((d) => `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`),
      );
      await fc.assert(
        fc.asyncProperty(wsPath, wsQuery, fc.option(fc.constantFrom('https://evil.example', 'null'), { nil: undefined }), fc.array(frame, { maxLength: 5 }), async (p, q, origin, frames) => {
          counts.ws++;
          // The shell is only ever watched: no generated frame may type into it.
          const target = p.includes('fuzz-shell') ? `${p}?mode=view` : `${p}${q}`;
          const what = `WS ${target} origin=${origin ?? '-'} frames=${JSON.stringify(frames.map((f) => String(f).slice(0, 60)))}`;
          const ws = new WebSocket(`ws://127.0.0.1:${t.port}${target}`, { origin });
          const outcome = await new Promise<{ opened: boolean; status?: number; text?: string }>((resolve) => {
            ws.once('open', () => resolve({ opened: true }));
            ws.once('unexpected-response', (_req, res) => {
              let text = '';
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => (text += chunk));
              res.on('end', () => resolve({ opened: false, status: res.statusCode ?? 0, text }));
            });
            ws.once('error', () => resolve({ opened: false }));
          });
          if (outcome.status !== undefined) assertTyped(outcome.status, outcome.text ?? '', what);
          if (outcome.opened) {
            const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
            for (const f of frames) if (ws.readyState === WebSocket.OPEN) ws.send(f);
            // A ping answered proves every earlier frame was handled (frames are processed in order).
            if (ws.readyState === WebSocket.OPEN) await new Promise<void>((resolve) => ws.ping(undefined, undefined, () => resolve()));
            ws.close();
            await closed;
          } else {
            ws.terminate();
          }
          await assertAlive(what);
        }),
        runOptions(WS_BUDGET_MS, 1_000),
      );
      expect(counts.ws).toBeGreaterThan(10);
    },
    WS_BUDGET_MS + 60_000,
  );

  it(
    'raw bytes: malformed request lines and headers get a typed answer (or a closed socket)',
    async () => {
      const token = fc.oneof(fc.constantFrom('GET', 'POST', 'G ET', 'get', '', 'PRI', 'CONNECT', 'TRACE'), fc.string({ maxLength: 6 }));
      const target = fc.oneof(fc.constantFrom('/', '//x:abc', '*', 'http://evil/', '/api/health', '/%', ' ', '/a b', '/\u0000'), fc.string({ maxLength: 30 }));
      const version = fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9', '', 'HTTP/1.1 extra');
      const headerLine = fc.oneof(
        fc.tuple(fc.constantFrom('X-A', 'Accept', 'Origin', 'Cookie', 'Host', 'Bad Name', ''), fc.string({ maxLength: 30 })).map(([k, v]) => `${k}: ${v}`),
        fc.string({ maxLength: 40 }),
        fc.constant(`X-Big: ${'x'.repeat(20_000)}`),
      ).filter((line) => !/content-length|transfer-encoding|upgrade|connection|expect/i.test(line) && !/[\r\n]/.test(line));
      await fc.assert(
        fc.asyncProperty(token, target, version, fc.array(headerLine, { maxLength: 4 }), fc.boolean(), async (m, tg, v, lines, withHost) => {
          counts.raw++;
          const host = withHost ? [`Host: 127.0.0.1:${t.port}`] : [];
          const text = `${m} ${tg} ${v}\r\n${[...host, ...lines, 'Connection: close'].join('\r\n')}\r\n\r\n`;
          const what = `raw ${JSON.stringify(text.slice(0, 200))}`;
          const answer = await new Promise<string>((resolve) => {
            const socket = net.connect(t.port, '127.0.0.1', () => socket.write(text));
            let data = '';
            socket.setEncoding('utf8');
            socket.on('data', (chunk: string) => (data += chunk));
            socket.on('close', () => resolve(data));
            socket.on('error', () => resolve(data));
          });
          // A blank generated line ends the headers early, so one write may hold several requests
          // (pipelining): every answer in the stream must be typed.
          const answers = splitResponses(answer);
          if (answer !== '') expect(answers.length, `${what}: no status line in ${JSON.stringify(answer.slice(0, 80))}`).toBeGreaterThan(0);
          for (const a of answers) assertTyped(a.status, a.body, what);
          await assertAlive(what);
        }),
        runOptions(RAW_BUDGET_MS, 1_000),
      );
      expect(counts.raw).toBeGreaterThan(10);
    },
    RAW_BUDGET_MS + 60_000,
  );
});

describe('fuzz: key mode', () => {
  let keyed: TestServer;
  beforeAll(async () => {
    keyed = await startTestServer({ server: { apiKey: TEST_KEY } });
  });
  afterAll(async () => {
    await keyed?.close();
  });

  it(
    'without the key nothing but a bare liveness answer, preflights and the key-entry routes succeed',
    async () => {
      await fc.assert(
        fc.asyncProperty(routePath, query, headers, body, async (route, q, h, payload) => {
          counts.keyed++;
          const headerSet: Record<string, string> = Object.fromEntries(Object.entries(h).filter(([, v]) => v !== ''));
          const sendsBody = route.method !== 'GET' && route.method !== 'HEAD' && payload !== undefined;
          const answer = await rawRequest(keyed.port, route.method, `${route.path}${q}`, headerSet, sendsBody ? payload : undefined);
          const what = `keyed ${route.method} ${route.path}${q} ${JSON.stringify(headerSet)}`;
          expect(answer.pending, `${what}: no answer`).toBe(false);
          if (answer.status === 0 || route.method === 'HEAD') return;
          if (answer.status < 400) {
            const allowed =
              (route.method === 'GET' && /^(\/api)?\/health\/?$/.test(route.path) && answer.text === '{"healthy":true}') ||
              route.method === 'OPTIONS' ||
              (/^\/auth\/session\/?$/.test(route.path) && answer.status === 303 && !/[?&]key=/.test(q));
            expect(allowed, `${what}: ${answer.status} ${answer.text.slice(0, 120)}`).toBe(true);
          } else if (!/^\/auth\/session/.test(route.path) && !(answer.status === 401 && /^text\/html/.test(answer.contentType))) {
            assertTyped(answer.status, answer.text, what);
          }
          expect(keyed.faults, what).toEqual([]);
        }),
        runOptions(KEYED_BUDGET_MS, 1_000),
      );
    },
    KEYED_BUDGET_MS + 60_000,
  );
});

import * as http from 'node:http';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WebSocket } from 'ws';
import type { AgentHandle } from '../../src-shared/agent';
import type { RuntimeConfig } from '../../src-main/runtime/config';
import { createLogger } from '../../src-main/runtime/logger';
import { startServer, type RunningServer, type ServerOptions } from '../../src-main/server';
import { createHarness, type Harness } from '../support/runtime-harness';

/**
 * A real server on a random loopback port over a real AgentManager (shell agents in real PTYs),
 * plus a raw HTTP client that can send any Host/Origin header (fetch cannot) and a WebSocket helper.
 */

export const TEST_KEY = 'plx_test-key-0123456789abcdef';

/** Shell agents with a predictable shell and no user rc files. */
export const SHELL_ENV: NodeJS.ProcessEnv = { ...process.env, SHELL: '/bin/bash', HOME: '/nonexistent-home-for-tests' };

export interface TestServer {
  h: Harness;
  server: RunningServer;
  url: string;
  port: number;
  host: string;
  request(method: string, urlPath: string, options?: RequestOptions): Promise<HttpResult>;
  /** Throws the server caught at its outer edge (see ServerOptions.onFault); close() fails if any. */
  faults: { where: string; error: unknown }[];
  /** Spawns a shell agent through the API and waits until it is ready. */
  spawnShell(extra?: Record<string, unknown>): Promise<AgentHandle>;
  /** Stops every agent (afterEach). */
  stopAgents(): Promise<void>;
  close(): Promise<void>;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: unknown;
}

export function httpRequest(url: string, method: string, options: RequestOptions = {}): Promise<HttpResult> {
  const target = new URL(url);
  const payload =
    options.body === undefined ? undefined : typeof options.body === 'string' || Buffer.isBuffer(options.body) ? options.body : JSON.stringify(options.body);
  const headers: Record<string, string> = { ...options.headers };
  if (payload !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  if (payload !== undefined) headers['Content-Length'] = String(Buffer.byteLength(payload));
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text === '' ? undefined : JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    // A server may answer (413) before reading the whole body and close; that is not a client error.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export async function startTestServer(
  options: { server?: Partial<Omit<ServerOptions, 'manager'>>; config?: Partial<RuntimeConfig>; env?: NodeJS.ProcessEnv } = {},
): Promise<TestServer> {
  const h = createHarness(options.config ?? {}, options.env ?? SHELL_ENV);
  const level = process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : 'silent';
  const faults: { where: string; error: unknown }[] = [];
  const server = await startServer({
    onFault: (where, error) => faults.push({ where, error }),
    manager: h.manager,
    host: '127.0.0.1',
    port: 0,
    allowedOrigins: [],
    version: '0.0.0-test',
    logger: createLogger(level),
    ...options.server,
    // Detection forks every CLI's --version; only the health tests need it, and they ask.
    tuning: { warmAdapters: false, ...options.server?.tuning },
  });
  const workdir = path.join(h.scratch, 'work');
  fs.mkdirSync(workdir, { recursive: true });
  const request = (method: string, urlPath: string, requestOptions?: RequestOptions) => httpRequest(`${server.url}${urlPath}`, method, requestOptions);
  return {
    h,
    server,
    url: server.url,
    port: server.port,
    host: server.host,
    request,
    faults,
    async spawnShell(extra = {}) {
      const res = await request('POST', '/api/agents', {
        body: { type: 'shell', workdir, ...extra },
        headers: options.server?.apiKey ? { Authorization: `Bearer ${options.server.apiKey}` } : {},
      });
      if (res.status !== 201) throw new Error(`spawn failed: ${res.status} ${res.text}`);
      const agent = res.json as AgentHandle;
      await h.waitFor('agent_ready', agent.id);
      return agent;
    },
    async stopAgents() {
      await h.manager.stopAll({ timeoutMs: 3_000 });
    },
    async close() {
      await server.close();
      await h.close();
      // A caught handler throw is still a bug: the test that provoked it fails here.
      if (faults.length > 0) throw new Error(`the server caught ${faults.length} handler fault(s): ${faults.map((f) => `${f.where}: ${String(f.error)}`).join('; ')}`);
    },
  };
}

/** A WebSocket client that records every message and exposes waits on them. */
export interface WsClient {
  ws: WebSocket;
  messages: string[];
  /** Concatenated non-JSON text (terminal output). */
  output(): string;
  /** Parsed JSON frames. */
  frames(): Record<string, unknown>[];
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  waitFor(predicate: (client: WsClient) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  send(text: string): void;
  close(): void;
}

export function connectWs(url: string, options: { headers?: Record<string, string>; origin?: string } = {}): WsClient {
  const ws = new WebSocket(url, { headers: options.headers, origin: options.origin });
  const messages: string[] = [];
  const waiters = new Set<() => void>();
  let closeInfo: { code: number; reason: string } | undefined;
  const client: WsClient = {
    ws,
    messages,
    output: () => messages.filter((m) => !isJsonFrame(m)).join(''),
    frames: () => messages.filter(isJsonFrame).map((m) => JSON.parse(m) as Record<string, unknown>),
    opened: new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected response ${res.statusCode}`)));
    }),
    closed: new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        closeInfo = { code, reason: reason.toString('utf8') };
        for (const w of [...waiters]) w();
        resolve(closeInfo);
      });
    }),
    waitFor(predicate, timeoutMs = 10_000, what = 'condition') {
      if (predicate(client)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${what}; got ${messages.length} messages: ${JSON.stringify(messages.join('').slice(-400))}`));
        }, timeoutMs);
        const check = () => {
          if (predicate(client)) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve();
          } else if (closeInfo) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`socket closed (${closeInfo.code} ${closeInfo.reason}) while waiting for ${what}`));
          }
        };
        waiters.add(check);
      });
    },
    send: (text) => ws.send(text),
    close: () => ws.close(),
  };
  ws.on('error', () => undefined);
  ws.on('message', (data: Buffer) => {
    messages.push(data.toString('utf8'));
    for (const w of [...waiters]) w();
  });
  // Keep a rejected `opened` from counting as unhandled when a test expects the refusal.
  client.opened.catch(() => undefined);
  return client;
}

/** A terminal client for floods: counts bytes and keeps only the tail, so the test itself stays small. */
export interface CountingClient {
  ws: WebSocket;
  bytes: () => number;
  tail: () => string;
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
}

export function connectCounting(url: string): CountingClient {
  const ws = new WebSocket(url);
  let bytes = 0;
  let tail = '';
  ws.on('message', (data: Buffer) => {
    bytes += data.length;
    tail = (tail + data.toString('utf8')).slice(-4096);
  });
  ws.on('error', () => undefined);
  return {
    ws,
    bytes: () => bytes,
    tail: () => tail,
    opened: new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    }),
    closed: new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') }))),
  };
}

export function isJsonFrame(message: string): boolean {
  if (!message.startsWith('{')) return false;
  try {
    const value: unknown = JSON.parse(message);
    return typeof value === 'object' && value !== null && ('type' in value || 'event' in value);
  } catch {
    return false;
  }
}

export function wsUrl(httpUrl: string, urlPath: string): string {
  return `${httpUrl.replace(/^http/, 'ws')}${urlPath}`;
}

/** The one polling helper of the test suite, re-exported for the server tests that import it from here. */
export { until } from '../support/until';

/** One request to the fake Raven, as it arrived. */
export interface RavenRequest {
  path: string;
  body: Record<string, unknown>;
  /** Date.now() when the whole body had arrived. */
  at: number;
  /** Date.now() when the answer went out (unset while held). */
  answeredAt?: number;
}

/**
 * A real HTTP server standing in for Raven Docs: the spawn-callback route (also served at
 * {@link ALT_CALLBACK_PATH}, a callback URL that is not Raven's), access-request and the runtime
 * heartbeat.
 */
export interface CallbackReceiver {
  /** `<base>/api/parallax-agents/spawn-callback`. */
  url: string;
  /** `<base>/hooks/raven-spawn`: a callbackUrl that does not end in Raven's spawn-callback path. */
  altUrl: string;
  /** Raven's base URL (`http://127.0.0.1:<port>`). */
  base: string;
  /** Spawn callbacks answered with success. */
  bodies: Record<string, unknown>[];
  /** Every spawn-callback attempt, including the ones answered with an error status. */
  attempts: number;
  /** Every access-request received, whatever it was answered. */
  accessRequests: Record<string, unknown>[];
  /** Every heartbeat received, whatever it was answered. */
  heartbeats: RavenRequest[];
  /** Every request in arrival order. */
  requests: RavenRequest[];
  close(): Promise<void>;
}

export const ALT_CALLBACK_PATH = '/hooks/raven-spawn';

export interface ReceiverOptions {
  /** Status for access-requests (Raven answers 201). */
  accessRequestStatus?: number;
  /** Never answer access-requests (a Raven that hangs); they are cut when the receiver closes. */
  accessRequestHangs?: boolean;
  /** Answer access-requests only after this long (a slow Raven). */
  accessRequestDelayMs?: number;
  /** Status for heartbeats (Raven answers 200). */
  heartbeatStatus?: number;
}

/** `statuses` answers the first spawn-callback attempts in order (e.g. [500, 500]); later ones get 200. */
export function startCallbackReceiver(statuses: number[] = [], options: ReceiverOptions = {}): Promise<CallbackReceiver> {
  const bodies: Record<string, unknown>[] = [];
  const accessRequests: Record<string, unknown>[] = [];
  const heartbeats: RavenRequest[] = [];
  const requests: RavenRequest[] = [];
  const queue = [...statuses];
  const receiver = { attempts: 0 };
  const answer = (res: http.ServerResponse, status: number, record?: RavenRequest) => {
    if (record) record.answeredAt = Date.now();
    res.writeHead(status, { 'Content-Type': 'application/json' });
    // Raven's envelope (docs/compatibility.md "Calling Raven").
    res.end(JSON.stringify(status < 300 ? { data: { success: true }, success: true, status } : { statusCode: status, message: 'error' }));
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const urlPath = req.url ?? '';
      let body: Record<string, unknown> = {};
      if (req.headers['content-type'] === 'application/json') {
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        } catch {
          body = {};
        }
      }
      const record: RavenRequest = { path: urlPath, body, at: Date.now() };
      requests.push(record);
      if (urlPath === '/api/parallax-agents/spawn-callback' || urlPath === ALT_CALLBACK_PATH) {
        receiver.attempts++;
        const status = queue.shift() ?? 200;
        if (status < 300 && req.headers['content-type'] === 'application/json') bodies.push(body);
        answer(res, status, record);
      } else if (urlPath === '/api/parallax-agents/access-request') {
        accessRequests.push(body);
        if (!options.accessRequestHangs) {
          const delayMs = options.accessRequestDelayMs ?? 0;
          if (delayMs > 0) setTimeout(() => answer(res, options.accessRequestStatus ?? 201, record), delayMs);
          else answer(res, options.accessRequestStatus ?? 201, record);
        }
      } else if (urlPath === '/api/parallax-agents/runtime/heartbeat') {
        heartbeats.push(record);
        answer(res, options.heartbeatStatus ?? 200, record);
      } else {
        answer(res, 404);
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      const base = `http://127.0.0.1:${port}`;
      resolve({
        url: `${base}/api/parallax-agents/spawn-callback`,
        altUrl: `${base}${ALT_CALLBACK_PATH}`,
        base,
        bodies,
        get attempts() {
          return receiver.attempts;
        },
        accessRequests,
        heartbeats,
        requests,
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            // Held (hanging) requests would keep close() waiting.
            server.closeAllConnections();
          }),
      });
    });
  });
}

import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import type { AgentHandle } from '../../src-shared/agent';
import { SERVICE_NAME } from '../../src-shared/api';
import type { ErrorCode } from '../../src-shared/errors';
import { DEFAULT_BODY_LIMIT_BYTES, HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, MAX_CONNECTIONS, MAX_EVENT_SUBSCRIBERS, MAX_VIEWERS_PER_AGENT, REQUEST_TIMEOUT_MS } from '../../src-shared/limits';
import type { AgentManager } from '../runtime/agent-manager';
import type { Logger } from '../runtime/logger';
import { MetricsTracker } from './agent-metrics';
import { buildApp, type BuiltApp } from './app';
import { CloneTracker } from '../workspace/clone-tracker';
import { withEndpoint, type ServerContext } from './context';
import { DataDirError, prepareDataDir } from './data-dir';
import { errorBody } from './errors';
import { EventBroadcaster } from './event-broadcaster';
import { AdapterStatusCache, isolationSupport } from './health';
import { RavenPresence, type RavenPresenceOptions } from '../integrations/raven/presence';
import { installProcessGuard } from './process-guard';
import { isLoopbackHost, parseAllowedHost, SecurityPolicy } from './security';
import { SocketServer } from './sockets';
import { SpawnCallbacks, type CallbackOptions } from '../integrations/raven/callbacks';
import { StreamRegistry } from './streams';
import { TerminalHub } from './terminal-hub';
import { ThreadRegistry } from '../integrations/parallax/threads';
import type { PumpOptions } from './output-pump';

/**
 * Starts the HTTP + WebSocket API for an {@link AgentManager}. Used in-process by the Electron main
 * process and by the headless CLI. Closing the server never stops agents: the manager's owner does.
 */

export interface ServerOptions {
  manager: AgentManager;
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Required when `host` is not a loopback address. */
  apiKey?: string;
  /** Exact origins allowed besides the server's own (the desktop UI's, Raven Docs'). */
  allowedOrigins: string[];
  /** Extra Host header names (`name` or `name:port`), for access through another name. */
  allowedHosts?: string[];
  /** The built UI (vite output) served at `/`. */
  uiDir?: string;
  version: string;
  logger: Logger;
  /** Largest request body; 1 MiB by default. */
  bodyLimitBytes?: number;
  /**
   * Send the `{"type":"connected"}` hello (and other JSON control frames) on terminal sockets that
   * do not say (`?frames=`). Off by default: Raven Docs writes every frame into its xterm.
   */
  terminalHello?: boolean;
  /** Tuning for tests and benchmarks. */
  tuning?: {
    pump?: PumpOptions;
    callbacks?: CallbackOptions;
    /** Raven registration timeout and heartbeat interval. */
    raven?: RavenPresenceOptions;
    /** Detect CLIs at start (default true); tests that never ask /health skip the forks. */
    warmAdapters?: boolean;
    /** Lower caps than the shipped ones (src-shared/limits.ts), so tests can reach them. */
    limits?: Partial<ServerLimits>;
  };
  /**
   * Called when the server caught a throw at its outer edge (an upgrade, a socket message, a
   * request): that request alone failed. Logged in any case; tests pass a counter and fail on it.
   */
  onFault?: (where: string, error: unknown) => void;
  /**
   * Install the process guard (process-guard.ts) while the server runs, so a throw that escapes
   * every handler is logged instead of ending the process and every agent. On by default (the
   * desktop app); the headless CLI has its own for its whole lifetime. What it catches also goes
   * to `onFault`, so tests still fail on it.
   */
  processGuard?: boolean;
}

export interface ServerLimits {
  connections: number;
  viewersPerAgent: number;
  eventSubscribers: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  connections: MAX_CONNECTIONS,
  viewersPerAgent: MAX_VIEWERS_PER_AGENT,
  eventSubscribers: MAX_EVENT_SUBSCRIBERS,
  headersTimeoutMs: HEADERS_TIMEOUT_MS,
  requestTimeoutMs: REQUEST_TIMEOUT_MS,
  keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
};

export interface RunningServer {
  url: string;
  port: number;
  host: string;
  /** Tells every event subscriber the runtime is shutting down (first step of {@link shutdownRuntime}). */
  announceStopping(reason: string): void;
  close(): Promise<void>;
}

/**
 * The order clients need on shutdown: `runtime_stopping` first, then every agent stopped while the
 * sockets are still open (so each `agent_stopped` reaches them), then the sockets and the server.
 * Closing first would leave a browser showing ghost agents as ready after a restart.
 */
export async function shutdownRuntime(server: RunningServer, manager: AgentManager, reason: string, options: { timeoutMs?: number } = {}): Promise<void> {
  server.announceStopping(reason);
  await manager.stopAll(options);
  await server.close();
}

export type ServerStartErrorCode = 'INSECURE_BIND' | 'INVALID_OPTIONS' | 'DATA_DIR' | 'EADDRINUSE' | 'EACCES' | 'EADDRNOTAVAIL' | 'LISTEN_FAILED';

/** Why the server did not start; `code` keeps the system error's name (EADDRINUSE) for the desktop app. */
export class ServerStartError extends Error {
  constructor(
    readonly code: ServerStartErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ServerStartError';
  }
}

/** Short API keys can be guessed; refuse anything below 128 bits' worth of base64. */
const MIN_API_KEY_LENGTH = 16;

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function validate(options: ServerOptions): void {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535) {
    throw new ServerStartError('INVALID_OPTIONS', `Invalid port ${String(options.port)}: use 0–65535.`);
  }
  if (typeof options.host !== 'string' || options.host.trim() === '') throw new ServerStartError('INVALID_OPTIONS', 'A host to bind is required.');
  if (options.apiKey !== undefined && options.apiKey.length < MIN_API_KEY_LENGTH) {
    throw new ServerStartError('INVALID_OPTIONS', `The API key must be at least ${MIN_API_KEY_LENGTH} characters.`);
  }
  if (!isLoopbackHost(options.host) && !options.apiKey) {
    throw new ServerStartError(
      'INSECURE_BIND',
      `Refusing to listen on ${options.host} without an API key: anything that reaches it could run commands as you. Set --api-key (or RAVEN_RUNTIME_API_KEY), or bind 127.0.0.1.`,
    );
  }
  for (const host of options.allowedHosts ?? []) {
    if (!parseAllowedHost(host)) throw new ServerStartError('INVALID_OPTIONS', `Invalid allowed host "${host}".`);
  }
  const limit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  if (!Number.isInteger(limit) || limit < 1024) throw new ServerStartError('INVALID_OPTIONS', 'bodyLimitBytes must be an integer ≥ 1024.');
}

export interface ServerParts {
  ctx: ServerContext;
  policy: SecurityPolicy;
  built: BuiltApp;
  /** Releases listeners and timers of the services (not the HTTP server). */
  dispose(): void;
}

/** Everything but the listening socket: the app and its services (tests introspect the routes through it). */
export function createServerParts(options: ServerOptions, canonicalUrl: () => string): ServerParts {
  validate(options);
  const { manager, logger } = options;
  const log = logger.child({ component: 'server' });
  const policy = new SecurityPolicy({ host: options.host, allowedHosts: options.allowedHosts, allowedOrigins: options.allowedOrigins, apiKey: options.apiKey });
  const decorate = (handle: AgentHandle) => withEndpoint(handle, canonicalUrl());
  const scratchRoot = path.join(manager.config.dataDir, 'workspaces');
  const threads = new ThreadRegistry(manager, log, { runtimeName: SERVICE_NAME, scratchRoot });
  const ctx: ServerContext = {
    manager,
    logger: log,
    version: options.version,
    adapters: new AdapterStatusCache(manager, log),
    metrics: new MetricsTracker(manager),
    events: new EventBroadcaster(manager, decorate, threads),
    terminals: new TerminalHub(manager, log, options.tuning?.pump),
    callbacks: new SpawnCallbacks(manager, log, options.tuning?.callbacks),
    raven: new RavenPresence(manager, log, options.version, options.tuning?.raven),
    streams: new StreamRegistry(),
    threads,
    clones: new CloneTracker(),
    limits: { ...DEFAULT_LIMITS, ...options.tuning?.limits },
    scratchRoot,
    uiDir: options.uiDir,
    reportFault(where, error) {
      log.error('handler failed; only its request was affected', { where, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      options.onFault?.(where, error);
    },
  };
  const built = buildApp(ctx, policy, { bodyLimitBytes: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES });
  return {
    ctx,
    policy,
    built,
    dispose() {
      ctx.callbacks.close();
      ctx.raven.close();
      ctx.events.dispose();
      ctx.threads.dispose();
      ctx.terminals.dispose();
      ctx.metrics.dispose();
    },
  };
}

/**
 * Requests Node's parser refused (malformed, headers too large, too slow) get a typed JSON answer
 * like every other refusal, then the connection closes.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, code, message]: [number, string, ErrorCode, string] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', 'TIMEOUT', 'The request did not arrive in time.']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'PAYLOAD_TOO_LARGE', 'The request headers are too large.']
        : [400, 'Bad Request', 'VALIDATION_ERROR', 'Malformed HTTP request.'];
  const body = JSON.stringify(errorBody(code, message));
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const where = `${host}:${port}`;
      switch (error.code) {
        case 'EADDRINUSE':
          reject(new ServerStartError('EADDRINUSE', `Port ${port} on ${host} is already in use (another Raven runtime?). Stop it, or choose another port with --port.`));
          return;
        case 'EACCES':
          reject(new ServerStartError('EACCES', `Not allowed to listen on ${where} (ports below 1024 need privileges).`));
          return;
        case 'EADDRNOTAVAIL':
          reject(new ServerStartError('EADDRNOTAVAIL', `${host} is not an address of this machine.`));
          return;
        default:
          reject(new ServerStartError('LISTEN_FAILED', `Could not listen on ${where}: ${error.message}`));
      }
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host, exclusive: true });
  });
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  try {
    prepareDataDir(options.manager.config.dataDir);
  } catch (error) {
    if (error instanceof DataDirError) throw new ServerStartError('DATA_DIR', error.message);
    throw error;
  }
  let url = '';
  const parts = createServerParts(options, () => url);
  const { ctx, policy, built } = parts;
  const { limits } = ctx;
  // Connections refused for the cap: their requests are never dispatched, only answered 503.
  const refused = new WeakSet<object>();
  // connectionsCheckingInterval: Node checks the header and request deadlines this often (every
  // 30 s by default, which would let a slow client keep its socket half a minute past them).
  // requireHostHeader off: Node's own refusal of a Host-less HTTP/1.1 request has an empty body;
  // the Host guard refuses it instead, as a typed 403.
  const server = http.createServer({ noDelay: true, requireHostHeader: false, connectionsCheckingInterval: Math.min(2_000, limits.headersTimeoutMs) }, (req, res) => {
    if (refused.has(req.socket)) return;
    try {
      built.app(req, res);
    } catch (error) {
      ctx.reportFault('http request', error);
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(errorBody('INTERNAL', 'Internal server error.')));
    }
  });
  // A slow client may not hold a socket forever: headers and the (≤ 1 MiB) body must arrive in
  // time. These bound receiving the request only; a /send waiting for a whole agent turn, and
  // streams, answer as slowly as they need.
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  const open = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    if (open.size >= limits.connections) {
      refused.add(socket);
      const body = JSON.stringify(errorBody('LIMIT_REACHED', `The runtime has ${limits.connections} connections open; retry later.`, { limit: limits.connections }));
      socket.on('error', () => socket.destroy());
      socket.end(`HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nRetry-After: 5\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  const sockets = new SocketServer(ctx, policy, options.terminalHello ?? false);
  server.on('upgrade', (req, socket, head) => {
    if (refused.has(req.socket)) return;
    sockets.handleUpgrade(req, socket, head);
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => answerClientError(error, socket));
  try {
    await listen(server, options.port, options.host);
  } catch (error) {
    parts.dispose();
    throw error;
  }
  const removeGuard = options.processGuard === false ? () => undefined : installProcessGuard(ctx.logger, process, (kind, error) => options.onFault?.(kind, error));
  const port = (server.address() as AddressInfo).port;
  policy.setPort(port);
  url = `http://${urlHost(options.host)}:${port}`;
  if (options.tuning?.warmAdapters !== false) {
    ctx.adapters.warm();
    void isolationSupport(ctx.manager.config);
  }
  ctx.logger.info('API server listening', { url, host: options.host, auth: options.apiKey ? 'required' : 'off', origins: policy.allowedOrigins.length });

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    host: options.host,
    announceStopping(reason) {
      ctx.logger.info('announcing shutdown', { reason, subscribers: ctx.events.size });
      ctx.events.publishRuntimeStopping(reason);
    },
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        await sockets.close();
        ctx.streams.closeAll();
        // A clone still running would outlive the runtime and leave its half-cloned folder.
        await ctx.clones.stopAll();
        server.closeAllConnections();
        await stopped;
        parts.dispose();
        removeGuard();
        ctx.logger.info('API server closed', { url });
      })();
      return closing;
    },
  };
}

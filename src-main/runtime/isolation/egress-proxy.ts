import { promises as dns } from 'node:dns';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import { isIP } from 'node:net';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Disposable } from '../../../src-shared/emitter';
import { Emitter } from '../../../src-shared/emitter';
import { RuntimeError } from '../errors';
import type { Logger } from '../logger';
import { addressRefusal } from './egress-address';
import type { AllowRule } from './egress-rules';
import { findMatchingRule, parseAllowRule } from './egress-rules';
import { relay } from './sandbox-init.cjs';

/**
 * One sandboxed agent's way out (docs/isolation-network.md): an HTTP proxy on a unix socket that
 * only that agent's sandbox can see, so every connection on it is that agent's. It takes
 * `CONNECT host:port` (what HTTPS clients and sandbox-init.cjs's loopback forwards send) and
 * absolute-form plain-HTTP requests, checks each against the agent's rules, resolves the name here
 * and connects to the address it checked (no second lookup for a rebinding to slip into).
 */

export interface RefusedConnection {
  host: string;
  port: number;
  reason: string;
  /** ISO time. */
  at: string;
}

export interface EgressStats {
  allowed: number;
  refused: number;
  lastRefused?: RefusedConnection;
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Name → addresses; injectable so tests can play DNS without editing /etc/hosts. */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export interface EgressProxyOptions {
  socketPath: string;
  rules: string[];
  agentId: string;
  log: Logger;
  connectTimeoutMs?: number;
  /** Tunnels (and plain-HTTP requests) open at once; more are refused. */
  maxTunnels?: number;
  resolve?: Resolver;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_TUNNELS = 256;
/** A client that has not finished its request head by then is dropped. */
const HEAD_TIMEOUT_MS = 30_000;
const MAX_HEADER_BYTES = 16 * 1024;
const MAX_SOCKET_PATH_BYTES = 103;

const systemResolver: Resolver = (host) => dns.lookup(host, { all: true, verbatim: true });

/** `localhost` means this machine's loopback whatever /etc/hosts or DNS says. */
const LOCALHOST_ADDRESSES: ResolvedAddress[] = [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
];

/** Headers a proxy consumes rather than passes on (RFC 9110 §7.6.1 plus the proxy's own). */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'upgrade',
]);

class Refusal extends Error {}

/** Splits a CONNECT authority (`host:port`, `[v6]:port`); the port is required. */
export function parseAuthority(authority: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]/@]+)):(\d{1,5})$/.exec(authority);
  if (!match) return undefined;
  const host = match[1] ?? match[2];
  const port = Number(match[3]);
  if (host === undefined || port < 1 || port > 65535) return undefined;
  if (match[1] !== undefined && isIP(host) !== 6) return undefined;
  return { host, port };
}

export class EgressProxy {
  private readonly rules: AllowRule[];
  private readonly refusedEmitter = new Emitter<[RefusedConnection]>({ onListenerError: () => undefined });
  private readonly sockets = new Set<Duplex>();
  private allowed = 0;
  private refused = 0;
  private lastRefused: RefusedConnection | undefined;
  private active = 0;
  private closed = false;
  private readonly connectTimeoutMs: number;
  private readonly maxTunnels: number;
  private readonly resolve: Resolver;
  private readonly log: Logger;

  private constructor(
    private readonly options: EgressProxyOptions,
    private readonly server: http.Server,
  ) {
    this.rules = options.rules.map(parseAllowRule);
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.maxTunnels = options.maxTunnels ?? DEFAULT_MAX_TUNNELS;
    this.resolve = options.resolve ?? systemResolver;
    this.log = options.log.child({ agentId: options.agentId, component: 'egress-proxy' });
  }

  /** Parses the rules (a bad one throws VALIDATION_ERROR before anything listens), then listens. */
  static async start(options: EgressProxyOptions): Promise<EgressProxy> {
    // sun_path holds 108 bytes on Linux and 104 on macOS, the terminating NUL included: the smaller wins.
    if (Buffer.byteLength(options.socketPath) > MAX_SOCKET_PATH_BYTES) {
      throw new RuntimeError('ISOLATION_UNAVAILABLE', `the egress socket path is too long for a unix socket (${options.socketPath})`, {
        socketPath: options.socketPath,
      });
    }
    const proxy = EgressProxy.create(options);
    await removeStaleSocket(options.socketPath);
    await proxy.listen(options.socketPath, `the egress socket ${options.socketPath}`, { socketPath: options.socketPath });
    // The folder is private already; the socket too, in case someone ever puts it elsewhere.
    await fs.chmod(options.socketPath, 0o600);
    return proxy;
  }

  /**
   * The same proxy on a TCP port of 127.0.0.1 (chosen by the kernel; `port` says which), for a
   * sandbox without a network namespace of its own (macOS sandbox-exec), whose profile lets the
   * agent reach only this port. Any local process could use the port, but only to reach the same
   * allowlisted hosts, which an unsandboxed process reaches anyway.
   */
  static async startOnLoopback(options: Omit<EgressProxyOptions, 'socketPath'>): Promise<EgressProxy> {
    const proxy = EgressProxy.create({ ...options, socketPath: '' });
    await proxy.listen({ host: '127.0.0.1', port: 0 }, 'a loopback port', {});
    return proxy;
  }

  /** The TCP port of a proxy started on loopback (undefined for a unix-socket proxy). */
  get port(): number | undefined {
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? address.port : undefined;
  }

  private static create(options: EgressProxyOptions): EgressProxy {
    // Node's own timeout for a whole request would cut long streamed plain-HTTP answers short; the
    // head timeout is what guards against a client that sends nothing.
    const server = http.createServer({ requestTimeout: 0, headersTimeout: HEAD_TIMEOUT_MS, maxHeaderSize: MAX_HEADER_BYTES });
    const proxy = new EgressProxy(options, server);
    server.on('connection', (socket: net.Socket) => proxy.track(socket));
    server.on('connect', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => proxy.onConnect(req, socket, head));
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => proxy.onRequest(req, res));
    server.on('clientError', (_error: Error, socket: Duplex) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
    });
    return proxy;
  }

  private async listen(target: string | net.ListenOptions, what: string, details: Record<string, unknown>): Promise<void> {
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: Error) => reject(new RuntimeError('ISOLATION_UNAVAILABLE', `cannot listen on ${what}: ${error.message}`, details)));
      const listening = () => {
        server.removeAllListeners('error');
        resolve();
      };
      if (typeof target === 'string') server.listen(target, listening);
      else server.listen(target, listening);
    });
    server.on('error', (error: Error) => this.log.error('egress proxy failed', { error: error.message }));
  }

  stats(): EgressStats {
    return { allowed: this.allowed, refused: this.refused, ...(this.lastRefused ? { lastRefused: { ...this.lastRefused } } : {}) };
  }

  onRefused(listener: (refused: RefusedConnection) => void): Disposable {
    return this.refusedEmitter.on(listener);
  }

  /** Ends every tunnel, stops listening and removes the socket. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await stopped;
    if (this.options.socketPath !== '') await fs.rm(this.options.socketPath, { force: true });
    this.refusedEmitter.dispose();
  }

  private track(socket: Duplex): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    // A peer that resets mid-relay is ordinary; it must never become an uncaught error.
    socket.on('error', () => socket.destroy());
  }

  private refuse(host: string, port: number, reason: string): void {
    const refused: RefusedConnection = { host, port, reason, at: new Date().toISOString() };
    this.refused += 1;
    this.lastRefused = refused;
    this.log.warn('egress refused', { agentId: this.options.agentId, host, port, reason });
    this.refusedEmitter.emit(refused);
  }

  /**
   * The policy: a rule must allow host:port, then the name is resolved here and the addresses that
   * rule may reach are returned. Throws Refusal with the reason otherwise.
   */
  private async decide(rule: AllowRule, host: string, port: number): Promise<ResolvedAddress[]> {
    let addresses: ResolvedAddress[];
    const family = isIP(host);
    if (family !== 0) addresses = [{ address: host, family }];
    else if (host.toLowerCase().replace(/\.$/, '') === 'localhost') addresses = LOCALHOST_ADDRESSES;
    else {
      try {
        addresses = await this.resolve(host);
      } catch (error) {
        // Not a refusal: the rules allowed it, the world did not answer (reported as a 502).
        throw new Error(`${host} does not resolve (${error instanceof Error ? error.message : String(error)})`);
      }
    }
    const usable = addresses.filter((entry) => addressRefusal(rule, entry.address) === undefined);
    if (usable.length === 0) {
      const first = addresses[0];
      if (!first) throw new Error(`${host} resolves to no address`);
      throw new Refusal(addressRefusal(rule, first.address) as string);
    }
    return usable;
  }

  /** Connects to the first of `addresses` that answers within the connect timeout. */
  private async connectAny(addresses: ResolvedAddress[], port: number): Promise<net.Socket> {
    let lastError: Error = new Error('no address');
    for (const { address } of addresses) {
      try {
        return await this.connectOne(address, port);
      } catch (error) {
        lastError = error instanceof Error ? error : new Error(String(error));
      }
    }
    throw lastError;
  }

  private connectOne(address: string, port: number): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const upstream = net.connect({ host: address, port, allowHalfOpen: true });
      const timer = setTimeout(() => {
        upstream.destroy();
        reject(new Error(`connect to ${address}:${port} timed out after ${this.connectTimeoutMs} ms`));
      }, this.connectTimeoutMs);
      upstream.once('connect', () => {
        clearTimeout(timer);
        upstream.off('error', reject);
        resolve(upstream);
      });
      upstream.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  /**
   * Checks, reserves a slot (before any await, so concurrent requests cannot overshoot the cap),
   * resolves and connects. Returns the upstream, or answers the client and returns undefined.
   */
  private async open(host: string, port: number, answer: (status: number, reason: string) => void): Promise<net.Socket | undefined> {
    const refuse = (reason: string) => {
      this.refuse(host, port, reason);
      answer(403, reason);
      return undefined;
    };
    const rule = findMatchingRule(this.rules, host, port);
    if (!rule) return refuse(`${host}:${port} is not on the agent's allowlist`);
    if (this.active >= this.maxTunnels) return refuse(`too many connections at once (limit ${this.maxTunnels})`);
    this.active += 1;
    let upstream: net.Socket;
    try {
      upstream = await this.connectAny(await this.decide(rule, host, port), port);
    } catch (error) {
      this.active -= 1;
      if (error instanceof Refusal) return refuse(error.message);
      const message = error instanceof Error ? error.message : String(error);
      this.log.info('egress connect failed', { host, port, error: message });
      answer(/timed out/.test(message) ? 504 : 502, `cannot reach ${host}:${port}: ${message}`);
      return undefined;
    }
    upstream.once('close', () => (this.active -= 1));
    if (this.closed) {
      upstream.destroy();
      return undefined;
    }
    this.allowed += 1;
    this.track(upstream);
    return upstream;
  }

  private onConnect(req: http.IncomingMessage, client: Duplex, head: Buffer): void {
    const target = parseAuthority(req.url ?? '');
    const answer = (status: number, reason: string) => writeStatus(client, status, reason);
    if (!target) {
      answer(400, 'CONNECT needs host:port');
      return;
    }
    void this.open(target.host, target.port, answer).then(
      (upstream) => {
        if (!upstream) return;
        if (client.destroyed) {
          upstream.destroy();
          return;
        }
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length > 0) upstream.write(head);
        relay(client, upstream);
      },
      (error: unknown) => {
        this.log.error('egress tunnel failed', { error: error instanceof Error ? error.message : String(error) });
        client.destroy();
      },
    );
  }

  /** A plain-HTTP request in absolute form (`GET http://host/path`): checked, then passed on. */
  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const answer = (status: number, reason: string) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-raven-egress': 'refused', connection: 'close' });
      res.end(`${reason}\n`);
    };
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      answer(400, 'a proxy request needs an absolute http:// URL');
      return;
    }
    if (url.protocol !== 'http:') {
      answer(400, `only http:// is proxied this way (use CONNECT for ${url.protocol}//)`);
      return;
    }
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = url.port === '' ? 80 : Number(url.port);
    // Nothing of the request body is read until the target is allowed and connected.
    req.pause();
    void this.open(host, port, answer).then(
      (upstream) => {
        if (!upstream) return;
        const headers: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(req.headers)) {
          if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
        }
        const outgoing = http.request({
          createConnection: () => upstream,
          method: req.method,
          path: `${url.pathname}${url.search}`,
          headers: { ...headers, connection: 'close' },
          setHost: false,
        });
        outgoing.on('error', () => answer(502, `${host}:${port} broke off`));
        outgoing.on('response', (response) => {
          const replyHeaders: http.OutgoingHttpHeaders = {};
          for (const [name, value] of Object.entries(response.headers)) {
            if (!HOP_BY_HOP.has(name) && value !== undefined) replyHeaders[name] = value;
          }
          res.writeHead(response.statusCode ?? 502, replyHeaders);
          response.pipe(res);
          response.on('error', () => res.destroy());
        });
        res.on('close', () => upstream.destroy());
        req.pipe(outgoing);
        req.resume();
      },
      (error: unknown) => {
        this.log.error('egress request failed', { error: error instanceof Error ? error.message : String(error) });
        res.destroy();
      },
    );
  }
}

function writeStatus(socket: Duplex, status: number, reason: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const title = http.STATUS_CODES[status] ?? 'Error';
  const body = `${reason}\n`;
  // The reason also goes in a header: a CONNECT client rarely shows a refusal's body.
  const headerReason = reason.replace(/[^\x20-\x7e]/g, '?');
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\nContent-Type: text/plain; charset=utf-8\r\nX-Raven-Egress: ${headerReason}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** A socket file left by a crashed runtime would make listen fail with EADDRINUSE. */
async function removeStaleSocket(socketPath: string): Promise<void> {
  const stat = await fs.lstat(socketPath).catch(() => undefined);
  if (stat?.isSocket()) await fs.rm(socketPath, { force: true });
}

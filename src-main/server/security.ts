import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import * as net from 'node:net';

/**
 * The decisions behind the localhost protections (docs/security.md): which Host headers, which
 * Origins and which API keys are accepted. Transport glue (express middleware, the WS upgrade)
 * lives elsewhere and asks this policy.
 */

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

export interface SecurityOptions {
  /** The address the server binds. */
  host: string;
  /** Extra Host names (with or without `:port`) accepted besides the loopback names. */
  allowedHosts?: readonly string[];
  /** Exact origins allowed besides the server's own, e.g. the Raven Docs web origin. */
  allowedOrigins?: readonly string[];
  apiKey?: string;
}

/** True for addresses only this machine can reach. `0.0.0.0` and `::` are not: they mean "every interface". */
export function isLoopbackHost(host: string): boolean {
  const bare = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (bare === 'localhost' || bare === '::1') return true;
  if (net.isIPv4(bare)) return bare.startsWith('127.');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  return mapped !== null && mapped[1].startsWith('127.');
}

function isWildcardHost(host: string): boolean {
  const bare = host.trim().replace(/^\[(.*)\]$/, '$1');
  return bare === '0.0.0.0' || bare === '::' || bare === '';
}

/** `name` as it appears in a Host header: IPv6 literals in brackets, lower case. */
function hostForHeader(name: string): string {
  const lower = name.trim().toLowerCase();
  if (lower.startsWith('[')) return lower;
  return net.isIPv6(lower) ? `[${lower}]` : lower;
}

/** Splits a Host header into name and port (80 when absent: we only speak plain HTTP). */
export function parseHostHeader(value: string): { name: string; port: number } | undefined {
  const host = value.trim().toLowerCase();
  if (host === '') return undefined;
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?$/.exec(host);
  if (!match) return undefined;
  const port = match[2] === undefined ? 80 : Number(match[2]);
  if (port < 1 || port > 65_535) return undefined;
  return { name: match[1], port };
}

/** A configured host name, `name` or `name:port` (IPv6 with or without brackets); undefined if malformed. */
export function parseAllowedHost(entry: string): { name: string; port?: number } | undefined {
  const raw = entry.trim().toLowerCase();
  const header = net.isIPv6(raw) ? `[${raw}]` : raw;
  const parsed = parseHostHeader(header);
  if (!parsed) return undefined;
  return /:\d+$/.test(header) ? parsed : { name: parsed.name };
}

/** An origin in the form browsers send it: `scheme://host[:port]`, lower case, default ports dropped. */
export function normalizeOrigin(value: string): string | undefined {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed.toLowerCase() === 'null') return undefined;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return undefined;
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') return url.origin.toLowerCase();
  // Custom schemes (an Electron `app://` UI) have an opaque URL.origin; keep scheme and host.
  if (url.host === '') return undefined;
  return `${url.protocol}//${url.host}`.toLowerCase();
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export type AuthScheme = 'bearer' | 'apikey' | 'raw' | 'x-api-key' | 'query' | 'cookie';

/** The browser session cookie set by the key-entry page (key-page.ts). */
export const SESSION_COOKIE = 'raven_session';

/**
 * The cookie's value for a key: a digest, so the key itself never sits in the browser's cookie
 * jar, yet stays valid across restarts with the same key.
 */
export function sessionToken(key: string): string {
  return createHash('sha256').update(`raven-runtime-session\0${key}`, 'utf8').digest('base64url');
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export interface KeyCandidate {
  scheme: AuthScheme;
  value: string;
}

/** Every place a client may have put the key. */
export function keyCandidates(headers: IncomingHttpHeaders, queryToken?: string): KeyCandidate[] {
  const out: KeyCandidate[] = [];
  const authorization = headers.authorization?.trim();
  if (authorization) {
    const bearer = /^Bearer\s+(\S.*)$/i.exec(authorization);
    const apiKey = /^ApiKey\s+(\S.*)$/i.exec(authorization);
    if (bearer) out.push({ scheme: 'bearer', value: bearer[1].trim() });
    else if (apiKey) out.push({ scheme: 'apikey', value: apiKey[1].trim() });
    // The Parallax SDK sends plx_ keys verbatim, without a scheme (docs/compatibility.md "Authentication").
    else if (authorization.startsWith('plx_')) out.push({ scheme: 'raw', value: authorization });
  }
  const header = headers['x-api-key'];
  const xApiKey = Array.isArray(header) ? header[0] : header;
  if (xApiKey && xApiKey.trim() !== '') out.push({ scheme: 'x-api-key', value: xApiKey.trim() });
  if (queryToken !== undefined && queryToken !== '') out.push({ scheme: 'query', value: queryToken });
  const session = cookieValue(headers.cookie, SESSION_COOKIE);
  if (session !== undefined && session !== '') out.push({ scheme: 'cookie', value: session });
  return out;
}

export class SecurityPolicy {
  private port = 0;
  private allowedHostHeaders = new Set<string>();
  private allowedOriginSet = new Set<string>();
  private readonly keyDigest: Buffer | undefined;
  private readonly sessionDigest: Buffer | undefined;

  constructor(private readonly options: SecurityOptions) {
    this.keyDigest = options.apiKey ? digest(options.apiKey) : undefined;
    this.sessionDigest = options.apiKey ? digest(sessionToken(options.apiKey)) : undefined;
  }

  get requiresKey(): boolean {
    return this.keyDigest !== undefined;
  }

  /** Called once the server listens: with port 0 the real port is only known then. */
  setPort(port: number): void {
    this.port = port;
    const names = new Set(LOOPBACK_NAMES);
    if (!isWildcardHost(this.options.host)) names.add(hostForHeader(this.options.host));
    const hostHeaders = new Set<string>();
    const origins = new Set<string>();
    for (const name of names) {
      hostHeaders.add(`${name}:${port}`);
      origins.add(`http://${name}:${port}`);
    }
    for (const entry of this.options.allowedHosts ?? []) {
      const parsed = parseAllowedHost(entry);
      if (!parsed) continue;
      const hostPort = `${parsed.name}:${parsed.port ?? port}`;
      hostHeaders.add(hostPort);
      origins.add(`http://${hostPort}`);
    }
    for (const origin of this.options.allowedOrigins ?? []) {
      const normalized = normalizeOrigin(origin);
      if (normalized) origins.add(normalized);
    }
    // Browsers omit the default port from Origin; http://localhost:80 arrives as http://localhost.
    this.allowedHostHeaders = hostHeaders;
    this.allowedOriginSet = new Set([...origins].map((o) => normalizeOrigin(o) ?? o));
  }

  /** DNS-rebinding guard: the Host header must name this server. */
  hostAllowed(hostHeader: string | undefined): boolean {
    if (hostHeader === undefined) return false;
    const parsed = parseHostHeader(hostHeader);
    if (!parsed) return false;
    return this.allowedHostHeaders.has(`${parsed.name}:${parsed.port}`);
  }

  /**
   * A request without Origin comes from a non-browser client (Raven's server, curl) and passes; one
   * with an Origin must match the allowlist exactly. `Origin: null` (sandboxed frames, file://) never does.
   */
  originAllowed(origin: string | undefined): boolean {
    if (origin === undefined) return true;
    const normalized = normalizeOrigin(origin);
    return normalized !== undefined && this.allowedOriginSet.has(normalized);
  }

  /** The exact origin to echo in CORS headers, or undefined. */
  corsOrigin(origin: string | undefined): string | undefined {
    if (origin === undefined) return undefined;
    const normalized = normalizeOrigin(origin);
    return normalized !== undefined && this.allowedOriginSet.has(normalized) ? origin.trim() : undefined;
  }

  /**
   * Constant-time key check: both sides are hashed first, so the comparison never depends on the
   * key's length or on how many leading characters match.
   */
  keyAccepted(candidates: readonly KeyCandidate[]): boolean {
    if (!this.keyDigest) return true;
    let ok = false;
    for (const candidate of candidates) {
      // A cookie carries the session token, never the key; every other form carries the key.
      const expected = candidate.scheme === 'cookie' ? this.sessionDigest! : this.keyDigest;
      if (timingSafeEqual(digest(candidate.value), expected)) ok = true;
    }
    return ok;
  }

  get allowedOrigins(): string[] {
    return [...this.allowedOriginSet];
  }

  get listenPort(): number {
    return this.port;
  }
}

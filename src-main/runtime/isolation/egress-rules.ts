import { isIP } from 'node:net';
import { RuntimeError } from '../errors';

/**
 * The `allowlist` network's rules (docs/isolation-network.md "Rules"): which host:port a sandboxed
 * agent may open a tunnel to. A rule names a host as written; whether the address that name
 * resolves to is acceptable is the proxy's second check (egress-address.ts).
 */

export type AllowRule =
  /** `api.example.com` or `api.example.com:443`: exactly that name. */
  | { kind: 'name'; name: string; port?: number; text: string }
  /** `*.example.com` (optionally `:443`): any subdomain of example.com, never example.com itself. */
  | { kind: 'suffix'; suffix: string; port?: number; text: string }
  /** `10.0.0.5`, `[::1]:8080`: exactly that address. */
  | { kind: 'ip'; address: string; family: 4 | 6; port?: number; text: string };

/**
 * Second-level labels under which registrations happen, so `*.co.uk` would mean "every British
 * company". Not the whole public suffix list: the list refuses the wildcards people actually mistype,
 * and a bare TLD (`*.com`) is refused by the label count anyway.
 */
const MULTI_LABEL_SUFFIXES = new Set([
  'co.uk', 'org.uk', 'ac.uk', 'gov.uk', 'me.uk', 'net.uk',
  'com.au', 'net.au', 'org.au', 'edu.au', 'gov.au',
  'co.jp', 'ne.jp', 'or.jp', 'ac.jp', 'go.jp',
  'co.nz', 'org.nz', 'co.za', 'co.in', 'co.kr', 'com.br', 'com.cn', 'com.mx', 'com.tr', 'com.sg', 'com.hk', 'com.tw',
  // Hosting platforms where every subdomain is a different owner.
  'github.io', 'githubusercontent.com', 'herokuapp.com', 'vercel.app', 'netlify.app', 'pages.dev', 'workers.dev',
  'appspot.com', 'cloudfront.net', 'amazonaws.com', 'azurewebsites.net', 'blogspot.com', 'fly.dev', 'onrender.com',
]);

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
// Underscores appear in real DNS names (SRV-style records, some CDNs); allow them in labels we match.
const LENIENT_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

function invalid(text: string, why: string): RuntimeError {
  return new RuntimeError('VALIDATION_ERROR', `allowlist rule ${JSON.stringify(text)} ${why}`, { rule: text });
}

/** A host name as the proxy compares it: lower case, no trailing dot. Undefined when it is not a DNS name. */
export function normaliseHostName(host: string): string | undefined {
  const lower = host.toLowerCase().replace(/\.$/, '');
  if (lower.length === 0 || lower.length > 253) return undefined;
  const labels = lower.split('.');
  return labels.every((label) => LENIENT_LABEL.test(label)) ? lower : undefined;
}

/** An IP literal in the form `net` prints, so `::1` and `0:0::1` compare equal. */
export function normaliseAddress(address: string): string {
  if (isIP(address) !== 6) return address;
  // URL's parser canonicalises IPv6 (compresses zeros, lower-cases hex).
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

function parsePort(text: string, portText: string): number {
  if (!/^\d{1,5}$/.test(portText)) throw invalid(text, `has a bad port ${JSON.stringify(portText)}`);
  const port = Number(portText);
  if (port < 1 || port > 65535) throw invalid(text, `has a port out of range (${port})`);
  return port;
}

/** Splits `host`, `host:port`, `[v6]`, `[v6]:port`; a bare IPv6 literal has no port. */
function splitHostPort(text: string): { host: string; port?: number } {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw invalid(text, 'has an unclosed "["');
    const host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest === '') return { host };
    if (!rest.startsWith(':')) throw invalid(text, 'has text after "]" that is not ":port"');
    return { host, port: parsePort(text, rest.slice(1)) };
  }
  if (isIP(text) === 6) return { host: text };
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { host: text };
  return { host: text.slice(0, colon), port: parsePort(text, text.slice(colon + 1)) };
}

/**
 * Parses one rule: `host`, `host:port`, `*.domain[:port]`, an IPv4 literal, `[v6]` or `[v6]:port`.
 * Throws `VALIDATION_ERROR` for anything else, and for wildcards so wide they mean "anywhere"
 * (`*`, `*.com`, `*.co.uk`, `*.github.io`).
 */
export function parseAllowRule(raw: string): AllowRule {
  const text = raw.trim();
  if (text === '') throw invalid(raw, 'is empty');
  if (/[\s/@?#]/.test(text) || text.includes('://')) throw invalid(raw, 'must be a host, host:port or *.domain, not a URL');
  const { host, port } = splitHostPort(text);
  if (host === '') throw invalid(raw, 'has no host');

  const family = isIP(host);
  if (family === 4 || family === 6) {
    return { kind: 'ip', address: normaliseAddress(host), family, port, text };
  }
  if (text.startsWith('[')) throw invalid(raw, 'has brackets around something that is not an IPv6 address');

  if (host.startsWith('*')) {
    if (host === '*' || host === '*.') throw invalid(raw, 'would allow every host');
    if (!host.startsWith('*.')) throw invalid(raw, 'may only use "*." as a whole first label');
    const suffix = host.slice(2).toLowerCase().replace(/\.$/, '');
    const labels = suffix.split('.');
    if (!labels.every((label) => LABEL.test(label))) throw invalid(raw, 'has an invalid domain after "*."');
    if (labels.length < 2) throw invalid(raw, 'would allow a whole top-level domain');
    if (MULTI_LABEL_SUFFIXES.has(suffix)) throw invalid(raw, 'would allow a whole public suffix (every owner under it)');
    return { kind: 'suffix', suffix, port, text };
  }
  if (host.includes('*')) throw invalid(raw, 'may only use "*." as a whole first label');

  const name = normaliseHostName(host);
  if (name === undefined) throw invalid(raw, 'is not a valid host name');
  // A numeric-looking name that isIP refused (`1.2.3`, `999.1.1.1`) would be read as an address by
  // some resolvers: refuse it rather than guess.
  if (/^[0-9.]+$/.test(name)) throw invalid(raw, 'is not a valid IP address');
  return { kind: 'name', name, port, text };
}

/**
 * Does `rule` allow a connection to `host:port`? `host` is what the client asked for (a name or an
 * IP literal, brackets already removed); names compare case-insensitively and without a trailing dot.
 */
export function ruleMatches(rule: AllowRule, host: string, port: number): boolean {
  if (rule.port !== undefined && rule.port !== port) return false;
  const family = isIP(host);
  if (rule.kind === 'ip') return family !== 0 && normaliseAddress(host) === rule.address;
  if (family !== 0) return false;
  const name = normaliseHostName(host);
  if (name === undefined) return false;
  if (rule.kind === 'name') return name === rule.name;
  return name.endsWith(`.${rule.suffix}`);
}

/** The first rule that allows `host:port`, if any. */
export function findMatchingRule(rules: readonly AllowRule[], host: string, port: number): AllowRule | undefined {
  return rules.find((rule) => ruleMatches(rule, host, port));
}

import { isIP } from 'node:net';
import type { AllowRule } from './egress-rules';
import { normaliseAddress } from './egress-rules';

/**
 * The egress proxy's second check (docs/isolation-network.md "Addresses"): a rule lets the agent
 * reach a *name*; the address the name resolves to must still be a public one, so an allowlisted
 * name that someone points at 127.0.0.1 or the cloud metadata service (DNS rebinding) does not open
 * the host's own services. The only way to reach a non-public address is a rule that names it.
 */

export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'metadata' | 'unspecified' | 'multicast' | 'reserved';

function ipv4Octets(address: string): number[] {
  return address.split('.').map(Number);
}

function classifyV4(address: string): AddressClass {
  const [a, b] = ipv4Octets(address) as [number, number, number, number];
  if (address === '169.254.169.254') return 'metadata';
  if (a === 127) return 'loopback';
  if (a === 0) return 'unspecified';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  // Carrier-grade NAT: not the internet either.
  if (a === 100 && b >= 64 && b <= 127) return 'private';
  if (a === 169 && b === 254) return 'link-local';
  if (a >= 224 && a <= 239) return 'multicast';
  if (a >= 240) return 'reserved';
  return 'public';
}

/** The IPv4 address inside an IPv4-mapped IPv6 one (`::ffff:127.0.0.1`), if it is one. */
function mappedV4(address: string): string | undefined {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (match) return match[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return undefined;
  const high = parseInt(hex[1] as string, 16);
  const low = parseInt(hex[2] as string, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** What kind of address `address` is (an IPv4 or IPv6 literal). */
export function classifyAddress(address: string): AddressClass {
  const family = isIP(address);
  if (family === 4) return classifyV4(address);
  if (family !== 6) return 'reserved';
  const canonical = normaliseAddress(address);
  const v4 = mappedV4(canonical);
  if (v4 !== undefined) return classifyV4(v4);
  if (canonical === '::1') return 'loopback';
  if (canonical === '::') return 'unspecified';
  if (canonical === 'fd00:ec2::254') return 'metadata';
  const first = parseInt(canonical.split(':')[0] || '0', 16);
  if ((first & 0xffc0) === 0xfe80) return 'link-local';
  if ((first & 0xfe00) === 0xfc00) return 'private';
  if ((first & 0xff00) === 0xff00) return 'multicast';
  return 'public';
}

/**
 * May the proxy connect to `address`, reached because `rule` allowed the host the client asked for?
 * Returns why not, or undefined when it may.
 */
export function addressRefusal(rule: AllowRule, address: string): string | undefined {
  const kind = classifyAddress(address);
  if (kind === 'public') return undefined;
  // The rule names this very address: the user (or the spawn's base URL) asked for it.
  if (rule.kind === 'ip' && rule.address === normaliseAddress(address)) return undefined;
  // `localhost:PORT` is how a base URL names a model server on this machine; it stays limited to
  // that port and to loopback.
  if (rule.kind === 'name' && rule.name === 'localhost' && rule.port !== undefined && kind === 'loopback') return undefined;
  return `${rule.kind === 'ip' ? address : 'the name'} resolves to a ${kind} address (${address}), which only a rule naming that address may reach`;
}

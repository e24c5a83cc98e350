import * as fs from 'node:fs';
import { RuntimeError } from '../errors';
import type { ResolvedIsolation } from './types';

/**
 * The macOS sandbox: a Seatbelt (SBPL) profile for `sandbox-exec`, rendered per agent. It cannot be
 * run on the Linux machines the tests run on; docs/isolation-limits.md says what it allows and what
 * is weak about it (metadata reads, mach services).
 */

export const SANDBOX_EXEC_PATH = '/usr/bin/sandbox-exec';

export interface MacProfileInput {
  policy: ResolvedIsolation;
  workdir: string;
  /** The agent's private HOME. */
  home: string;
  /** The agent's private TMPDIR. */
  tmp: string;
  /** The runtime's own files and folders the agent needs (its Node, hook client, signal socket folder). */
  runtimePaths: string[];
  /** The egress proxy's loopback port, required for network `allowlist`. */
  proxyPort?: number;
  /**
   * Allowlisted servers on this machine's loopback (a base URL such as http://127.0.0.1:8080):
   * reached directly under `allowlist`, since most clients never send loopback traffic through a
   * proxy. The egress proxy still decides for everything else.
   */
  loopbackPorts?: number[];
  /**
   * Seatbelt matches real paths (`/tmp` is `/private/tmp`), so paths are resolved first; a path
   * that does not exist yet is kept as given.
   */
  resolvePath?: (p: string) => string;
}

/** System locations any CLI needs to read: its libraries, interpreters, certificates, zone info. */
const SYSTEM_READ = [
  '/usr', '/bin', '/sbin', '/System', '/Library', '/private/etc', '/private/var/db', '/private/var/select',
  '/opt/homebrew', '/usr/local', '/Applications/Xcode.app/Contents/Developer',
];

/** Devices read only: entropy. */
const DEVICE_READ_LITERALS = ['/dev/random', '/dev/urandom'];

/** Devices a terminal program writes: its PTY, null, and the standard streams. */
const DEVICE_WRITE_LITERALS = ['/dev/null', '/dev/zero', '/dev/tty', '/dev/ptmx', '/dev/dtracehelper'];

function realpathOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * A path as an SBPL string literal. Backslashes and quotes are escaped; control characters
 * (a newline could end a rule and start another) are refused rather than escaped.
 */
export function sbplString(value: string): string {
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new RuntimeError('VALIDATION_ERROR', `path ${JSON.stringify(value)} holds a control character and cannot go into a sandbox profile`, { path: value });
  }
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function subpaths(paths: readonly string[]): string {
  return paths.map((p) => `(subpath ${sbplString(p)})`).join(' ');
}

function unique(paths: readonly string[]): string[] {
  return [...new Set(paths)];
}

export function renderMacProfile(input: MacProfileInput): string {
  const resolve = input.resolvePath ?? realpathOrSelf;
  const { policy } = input;
  for (const p of [input.workdir, input.home, input.tmp, ...policy.writable, ...policy.readOnly, ...input.runtimePaths]) {
    if (!p.startsWith('/')) throw new RuntimeError('VALIDATION_ERROR', `sandbox profile paths must be absolute: ${JSON.stringify(p)}`, { path: p });
    sbplString(p); // refuse control characters before resolving
  }
  const writable = unique([input.workdir, input.home, input.tmp, ...policy.writable].map(resolve));
  const readable = unique([...policy.readOnly, ...input.runtimePaths].map(resolve));
  const lines = [
    '(version 1)',
    '(deny default)',
    // Apple's baseline for BSD programs: dyld, locale, the system's own services.
    '(import "/System/Library/Sandbox/Profiles/bsd.sb")',
    '(allow process-fork)',
    '(allow process-exec)',
    '(allow signal (target same-sandbox))',
    '(allow process-info* (target same-sandbox))',
    '(allow sysctl-read)',
    // CLIs reach the keychain, logging and DNS through mach services; narrowing this breaks them.
    '(allow mach-lookup)',
    '(allow ipc-posix-shm)',
    '(allow ipc-posix-sem)',
    // stat() of any path (path walking, realpath of the workdir); contents stay denied.
    '(allow file-read-metadata)',
    '(allow file-read* (literal "/"))',
    `(allow file-read* ${subpaths(SYSTEM_READ)})`,
    `(allow file-read* ${DEVICE_READ_LITERALS.map((p) => `(literal ${sbplString(p)})`).join(' ')})`,
    // Any ttys device, because the agent's own PTY is only known once it is opened.
    `(allow file-read* file-write* file-ioctl ${DEVICE_WRITE_LITERALS.map((p) => `(literal ${sbplString(p)})`).join(' ')} (regex #"^/dev/ttys[0-9]+$") (subpath "/dev/fd"))`,
    `(allow file-read* file-write* ${subpaths(writable)})`,
  ];
  if (readable.length > 0) {
    lines.push(`(allow file-read* ${subpaths(readable)})`);
    // Unix sockets in the runtime's folders (the signal channel) are connected to as files.
    lines.push(`(allow network-outbound ${subpaths(readable)})`);
  }
  // The agent's own sockets in its home and tmp (ssh-agent, language servers).
  lines.push(`(allow network-outbound network-bind network-inbound ${subpaths([resolve(input.home), resolve(input.tmp)])})`);
  if (policy.network === 'full') {
    lines.push('(allow network*)');
  } else if (policy.network === 'allowlist') {
    if (input.proxyPort === undefined || !Number.isInteger(input.proxyPort) || input.proxyPort <= 0 || input.proxyPort > 65535) {
      throw new RuntimeError('ISOLATION_UNAVAILABLE', 'network "allowlist" needs the egress proxy port for the sandbox profile', { network: 'allowlist' });
    }
    // Out only to the egress proxy; the agent's own loopback servers may listen and be reached.
    lines.push(`(allow network-outbound (remote ip "localhost:${input.proxyPort}"))`);
    for (const port of input.loopbackPorts ?? []) {
      if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new RuntimeError('VALIDATION_ERROR', `not a port: ${port}`, { port });
      lines.push(`(allow network-outbound (remote ip "localhost:${port}"))`);
    }
    lines.push('(allow network-bind network-inbound (local ip "localhost:*"))');
  }
  // network none: nothing more; (deny default) covers every socket.
  return `${lines.join('\n')}\n`;
}

/** The argv that runs `program` under the profile (the profile travels inline, no file to leak or clean). */
export function sandboxExecArgv(profile: string, program: string, args: readonly string[]): string[] {
  return [SANDBOX_EXEC_PATH, '-p', profile, program, ...args];
}

/**
 * The `allowlist` network end to end: the runtime's egress proxy on a unix socket, a real
 * bubblewrap sandbox with its own empty network namespace, sandbox-init.cjs bridging inside it,
 * and a client program in the sandbox (docs/isolation-network.md).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as pty from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type LogRecord } from '../../src-main/runtime/logger';
import { EgressProxy } from '../../src-main/runtime/isolation/egress-proxy';
import { proxyEnvironment, SANDBOX_PROXY_PORT } from '../../src-main/runtime/isolation/egress-env';
import { sandboxInitArgv } from '../../src-main/runtime/isolation/sandbox-init-command';
import { ignoreTerminalSignalsPrefix } from '../../src-main/runtime/isolation/terminal-signals';

const INIT = path.resolve(__dirname, '../../src-main/runtime/isolation/sandbox-init.cjs');
const REPO_ROOT = path.resolve(__dirname, '../..');
const NODE = process.execPath;
const hasBwrap = spawnSync('bwrap', ['--version']).status === 0;

async function namedServer(name: string): Promise<{ server: http.Server; port: number; connections: () => number }> {
  let connections = 0;
  const server = http.createServer((req, res) => res.end(`hello from ${name} ${req.url}`));
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as net.AddressInfo).port, connections: () => connections };
}

/** Only the agent's socket folder is writable; the client program's folder is readable. */
/** Runs a program to its end and collects its output, without blocking this event loop. */
function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function bwrapArgs(socketDir: string, binDir: string): string[] {
  return [
    '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp',
    '--unshare-net', '--unshare-pid', '--die-with-parent',
    '--bind', socketDir, socketDir, '--ro-bind', binDir, binDir,
    // The repository (sandbox-init.cjs) may itself be under /tmp, as a CI clone is.
    '--ro-bind', REPO_ROOT, REPO_ROOT,
  ];
}

/**
 * The program run inside: tries each way out and prints one JSON line of results. Written as a
 * file, since it is long for `-e`.
 */
const CLIENT = `
const http = require('node:http');
const net = require('node:net');
const [portA, portB, proxyPort] = process.argv.slice(2).map(Number);
function direct(port) {
  return new Promise((resolve) => {
    http.get({ host: '127.0.0.1', port, path: '/direct' }, (res) => {
      let body = ''; res.on('data', (c) => (body += c)); res.on('end', () => resolve(body));
    }).on('error', (e) => resolve(e.code));
  });
}
function viaConnect(target, port) {
  return new Promise((resolve) => {
    const s = net.connect(proxyPort, '127.0.0.1', () => s.write('CONNECT ' + target + ':' + port + ' HTTP/1.1\\r\\nHost: ' + target + '\\r\\n\\r\\n'));
    let text = ''; let tunnelled = false;
    s.on('data', (c) => {
      text += c;
      if (!tunnelled && text.includes('\\r\\n\\r\\n')) {
        if (!text.startsWith('HTTP/1.1 200')) { resolve(text.split('\\r\\n')[0]); s.destroy(); return; }
        tunnelled = true; text = '';
        s.write('GET /tunnel HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n');
      }
    });
    s.on('end', () => resolve(text.split('\\r\\n\\r\\n')[1]));
    s.on('error', (e) => resolve(e.code));
  });
}
function halfClosed(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.end('GET /half HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'));
    let text = '';
    s.on('data', (c) => (text += c));
    s.on('close', () => resolve(text.split('\\r\\n\\r\\n')[1]));
    s.on('error', (e) => resolve(e.code));
  });
}
function viaPlainProxy(port) {
  return new Promise((resolve) => {
    http.get({ host: '127.0.0.1', port: proxyPort, path: 'http://127.0.0.1:' + port + '/plain', headers: { host: '127.0.0.1:' + port } }, (res) => {
      let body = ''; res.on('data', (c) => (body += c)); res.on('end', () => resolve(res.statusCode + ' ' + body.trim()));
    }).on('error', (e) => resolve(e.code));
  });
}
(async () => {
  const out = {
    directA: await direct(portA),
    directB: await direct(portB),
    connectA: await viaConnect('127.0.0.1', portA),
    connectNameA: await viaConnect('localhost', portA),
    connectB: await viaConnect('127.0.0.1', portB),
    halfClosedA: await halfClosed(portA),
    plainA: await viaPlainProxy(portA),
    plainB: await viaPlainProxy(portB),
    env: { https: process.env.HTTPS_PROXY, noProxy: process.env.NO_PROXY, electron: process.env.ELECTRON_RUN_AS_NODE ?? null },
  };
  console.log('RESULT ' + JSON.stringify(out));
})();
`;

describe.skipIf(!hasBwrap)('allowlist network through a real bubblewrap sandbox', () => {
  let dir: string;
  let socketDir: string;
  let binDir: string;
  let socketPath: string;
  let a: Awaited<ReturnType<typeof namedServer>>;
  let b: Awaited<ReturnType<typeof namedServer>>;
  let proxy: EgressProxy;
  const records: LogRecord[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-egress-it-'));
    socketDir = path.join(dir, 'state');
    fs.mkdirSync(socketDir, { mode: 0o700 });
    socketPath = path.join(socketDir, 'egress.sock');
    binDir = path.join(dir, 'bin');
    fs.mkdirSync(binDir);
    fs.writeFileSync(path.join(binDir, 'client.cjs'), CLIENT);
    a = await namedServer('A');
    b = await namedServer('B');
    proxy = await EgressProxy.start({
      socketPath,
      // As providerHosts makes them for a base URL on loopback, plus the name form of it.
      rules: [`127.0.0.1:${a.port}`, `localhost:${a.port}`],
      agentId: 'agent-it',
      log: createLogger('debug', (record) => records.push(record)),
    });
  });

  afterAll(async () => {
    await proxy?.close();
    a?.server.close();
    b?.server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reaches the allowlisted server directly and through the proxy; the other one neither way, and the refusal is counted', async () => {
    const env = {
      ...process.env,
      ...proxyEnvironment({ proxyPort: SANDBOX_PROXY_PORT, loopbackForwards: [{ host: '127.0.0.1', port: a.port }] }),
    };
    // As under Electron: the bridge gets ELECTRON_RUN_AS_NODE, the program must not.
    const inside = sandboxInitArgv({
      egressSocket: socketPath,
      loopbackForwards: [{ host: '127.0.0.1', port: a.port }],
      program: [NODE, path.join(binDir, 'client.cjs'), String(a.port), String(b.port), String(SANDBOX_PROXY_PORT)],
      runAsNode: true,
    });
    const { code, stdout, stderr } = await run('bwrap', [...bwrapArgs(socketDir, binDir), ...inside], env);
    // Node 22 warns once per process that NODE_USE_ENV_PROXY's agent is experimental; nothing else may be said.
    expect(stderr.split('\n').filter((l) => l !== '' && !/UNDICI-EHPA|--trace-warnings/.test(l))).toEqual([]);
    expect(code).toBe(0);
    const line = stdout.split('\n').find((text) => text.startsWith('RESULT '));
    expect(line).toBeDefined();
    const result = JSON.parse((line as string).slice('RESULT '.length)) as Record<string, unknown>;

    expect(result.directA).toBe('hello from A /direct');
    // Nothing listens on B's port in the sandbox's own namespace.
    expect(result.directB).toBe('ECONNREFUSED');
    expect(result.connectA).toBe('hello from A /tunnel');
    expect(result.connectNameA).toBe('hello from A /tunnel');
    expect(result.connectB).toBe('HTTP/1.1 403 Forbidden');
    expect(result.halfClosedA).toBe('hello from A /half');
    expect(result.plainA).toBe('200 hello from A /plain');
    expect(result.plainB).toMatch(/^403 /);
    expect(result.env).toEqual({ https: 'http://127.0.0.1:3128', noProxy: '127.0.0.1', electron: null });
    expect(b.connections()).toBe(0);

    const stats = proxy.stats();
    expect(stats.allowed).toBe(5);
    expect(stats.refused).toBe(2);
    expect(stats.lastRefused).toMatchObject({ host: '127.0.0.1', port: b.port });
    expect(stats.lastRefused?.reason).toContain('allowlist');
    expect(records.filter((record) => record.msg === 'egress refused' && record.agentId === 'agent-it')).toHaveLength(2);
  });

  it('forwards an IPv6 loopback base URL and a localhost one on both loopback addresses', async () => {
    const v6 = http.createServer((req, res) => res.end(`hello from V6 ${req.url}`));
    await new Promise<void>((resolve) => v6.listen(0, '::1', resolve));
    const v6Port = (v6.address() as net.AddressInfo).port;
    const v6Proxy = await EgressProxy.start({
      socketPath: path.join(socketDir, 'v6.sock'),
      rules: [`[::1]:${v6Port}`, `localhost:${a.port}`],
      agentId: 'agent-v6',
      log: createLogger('silent'),
    });
    try {
      // localhost:A is listened on at 127.0.0.1 and ::1 inside; the proxy sends both to the host's
      // loopback, where A answers on 127.0.0.1.
      const client = [
        "const http = require('node:http');",
        'const get = (host, port) => new Promise((resolve) => http.get({ host, port, path: "/" + host }, (res) => {',
        "  let body = ''; res.on('data', (c) => (body += c)); res.on('end', () => resolve(body));",
        '}).on("error", (e) => resolve(e.code)));',
        '(async () => console.log("RESULT " + JSON.stringify([',
        `  await get('::1', ${v6Port}), await get('127.0.0.1', ${a.port}), await get('::1', ${a.port}),`,
        '])))();',
      ].join('\n');
      const inside = sandboxInitArgv({
        egressSocket: path.join(socketDir, 'v6.sock'),
        loopbackForwards: [{ host: '::1', port: v6Port }, { host: 'localhost', port: a.port }],
        program: [NODE, '-e', client],
        runAsNode: false,
      });
      // Not spawnSync: the proxy answering the sandbox runs on this very event loop.
      const result = await run('bwrap', [...bwrapArgs(socketDir, binDir), ...inside]);
      expect(result.stderr).toBe('');
      const line = result.stdout.split('\n').find((text) => text.startsWith('RESULT ')) as string;
      expect(JSON.parse(line.slice('RESULT '.length))).toEqual(['hello from V6 /::1', 'hello from A /127.0.0.1', 'hello from A /::1']);
      expect(v6Proxy.stats()).toMatchObject({ allowed: 3, refused: 0 });
    } finally {
      await v6Proxy.close();
      v6.close();
    }
  });

  /** bwrap + sandbox-init + `sh -c program` in a real PTY, optionally through the signal prefix. */
  function sandboxInPty(program: string, withPrefix: boolean) {
    const argv = [...bwrapArgs(socketDir, binDir), NODE, INIT, '--egress-socket', socketPath, '--', 'sh', '-c', program];
    const [file, ...args] = withPrefix ? [...ignoreTerminalSignalsPrefix(), 'bwrap', ...argv] : ['bwrap', ...argv];
    const term = pty.spawn(file as string, args, { cols: 100, rows: 30, cwd: dir, env: process.env as Record<string, string> });
    let screen = '';
    const waiters: { text: string; resolve: () => void }[] = [];
    term.onData((data) => {
      screen += data;
      for (const waiter of waiters.filter((w) => screen.includes(w.text))) waiter.resolve();
    });
    const exited = new Promise<{ exitCode: number; signal?: number }>((resolve) => term.onExit(resolve));
    return {
      term,
      exited,
      screen: () => screen,
      /** Resolves when `text` shows, or when the sandbox ends first (the caller's assertions then say why). */
      shows: (text: string) => Promise.race([new Promise<void>((resolve) => waiters.push({ text, resolve })), exited.then(() => undefined)]),
    };
  }

  // The program (sh) traps SIGINT and reports whether it owns the terminal. READY comes from the
  // child that becomes `sleep` (exec), so a Ctrl-C ends that child whether it lands just before the
  // exec or during the sleep: no race. sh's trap then exits 7.
  const TRAPPING_PROGRAM = [
    'trap "echo TRAPPED; exit 7" INT',
    'read -r _ _ _ _ pgrp _ _ tpgid _ < /proc/$$/stat',
    'if [ "$pgrp" = "$tpgid" ]; then echo FOREGROUND; fi',
    ': > /dev/tty && echo DEVTTY',
    `sh -c 'echo READY; exec sleep 30'`,
    'echo "SLEEP-ENDED $?"',
    'exit 1',
  ].join('\n');

  it('keeps the program the terminal foreground job: Ctrl-C reaches it, the init survives, and its exit code comes back', async () => {
    const began = Date.now();
    const run = sandboxInPty(TRAPPING_PROGRAM, true);
    await run.shows('READY');
    expect(run.screen()).toContain('FOREGROUND');
    expect(run.screen()).toContain('DEVTTY');
    run.term.write('\x03');
    const exit = await run.exited;
    expect(run.screen()).toContain('TRAPPED');
    expect(exit).toMatchObject({ exitCode: 7, signal: 0 });
    expect(Date.now() - began).toBeLessThan(25_000);
  });

  it('shows why the prefix is needed: without it, Ctrl-C kills bwrap and the program loses its sandbox', async () => {
    const run = sandboxInPty(TRAPPING_PROGRAM, false);
    await run.shows('READY');
    run.term.write('\x03');
    const exit = await run.exited;
    expect(exit.signal).toBe(os.constants.signals.SIGINT);
    expect(exit.exitCode).not.toBe(7);
  });

  it('dies of the signal that killed the program', async () => {
    const run = sandboxInPty('kill -TERM $$', true);
    const exit = await run.exited;
    // bwrap reports a child that died of a signal as 128 + its number.
    expect(exit.exitCode).toBe(128 + os.constants.signals.SIGTERM);
  });
});

describe('sandbox-init outside a sandbox', () => {
  // The program's loop is bounded (20 s), so a failing run leaves nothing behind.
  it('passes SIGTERM on to the program', async () => {
    const child = spawn(NODE, [INIT, '--', 'sh', '-c', 'trap "echo GOT-TERM; exit 9" TERM; echo READY; i=0; while [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('READY')) resolve();
      });
    });
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stdout).toContain('GOT-TERM');
    expect(code).toBe(9);
  });

  it('exits 125 with one clear line, without running the program, when a listener cannot start', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const result = spawnSync(NODE, [INIT, '--egress-socket', '/nonexistent.sock', '--proxy-port', String(port), '--', 'sh', '-c', 'echo RAN'], {
        encoding: 'utf8',
      });
      expect(result.status).toBe(125);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(`cannot listen on the proxy port 127.0.0.1:${port}`);
    } finally {
      taken.close();
    }
  });

  it('refuses bad arguments with exit 125', () => {
    for (const args of [['--forward', 'nope', '--', 'true'], ['--', ], ['--frobnicate'], ['--forward', '127.0.0.1:80', '--', 'true']]) {
      const result = spawnSync(NODE, [INIT, ...args], { encoding: 'utf8' });
      expect(result.status).toBe(125);
      expect(result.stderr).toMatch(/^raven sandbox-init: /);
    }
  });
});

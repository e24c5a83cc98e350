#!/usr/bin/env node
'use strict';
/**
 * The first process inside a sandbox whose network is `allowlist` (docs/isolation-network.md
 * "The bridge"). The sandbox's network namespace has only `lo`; this program listens there and
 * carries every connection over the agent's egress socket to the runtime's proxy, then runs the
 * agent's program as its child:
 *
 *   node sandbox-init.cjs --egress-socket <path> [--proxy-port 3128] [--forward host:port]...
 *        [--unset NAME]... -- <program> [args...]
 *
 * - `--proxy-port`: an HTTP proxy on 127.0.0.1 (what HTTPS_PROXY points at); bytes go to the
 *   runtime's proxy unchanged, which reads the CONNECT or absolute-form request itself.
 * - `--forward host:port`: the same address:port is listened on inside and each connection is
 *   tunnelled with `CONNECT host:port` (for clients that never use a proxy for loopback).
 * - `--unset NAME`: removed from the program's environment (ELECTRON_RUN_AS_NODE, which only this
 *   program needs).
 *
 * The program stays in this process's process group, so it remains the terminal's foreground job
 * (job control, /dev/tty, SIGWINCH). Plain CommonJS with no dependencies: it runs from wherever
 * the runtime is installed, and its startup adds to every sandboxed spawn.
 */
const net = require('node:net');
const { spawn } = require('node:child_process');

const DEFAULT_PROXY_PORT = 3128;
/** "Could not even start the program" (as `env`, `chroot` and `nice` use it). */
const EXIT_SETUP_FAILED = 125;
const RESPONSE_HEAD_LIMIT = 16 * 1024;

function fail(message) {
  process.stderr.write(`raven sandbox-init: ${message}\n`);
  process.exit(EXIT_SETUP_FAILED);
}

function parsePort(text, what) {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) fail(`${what}: bad port ${JSON.stringify(text)}`);
  return port;
}

/** `127.0.0.1:8080`, `localhost:8080`, `[::1]:8080`. */
function parseForward(text) {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d+)$/.exec(text || '');
  if (!match) fail(`--forward needs host:port, got ${JSON.stringify(text)}`);
  const host = match[1] !== undefined ? match[1] : match[2];
  return { host, port: parsePort(match[3], '--forward'), bracketed: match[1] !== undefined };
}

function parseArgs(argv) {
  const options = { socket: undefined, proxyPort: DEFAULT_PROXY_PORT, forwards: [], unset: [], program: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${arg} needs a value`);
      i += 1;
      return argv[i];
    };
    if (arg === '--') {
      options.program = argv.slice(i + 1);
      break;
    } else if (arg === '--egress-socket') options.socket = value();
    else if (arg === '--proxy-port') options.proxyPort = parsePort(value(), '--proxy-port');
    else if (arg === '--forward') options.forwards.push(parseForward(value()));
    else if (arg === '--unset') options.unset.push(value());
    else fail(`unknown option ${JSON.stringify(arg)} (the program goes after "--")`);
  }
  if (options.program.length === 0) fail('no program to run (give it after "--")');
  if (options.forwards.length > 0 && !options.socket) fail('--forward needs --egress-socket');
  return options;
}

/** How long a side may take to flush its last bytes once the other has closed cleanly. */
const FLUSH_AFTER_CLOSE_MS = 30_000;

/**
 * Bytes both ways with backpressure. A half-close (FIN while still reading) is passed on and the
 * answer still flows back: every socket here allows half-open. When one side closes cleanly, both
 * directions are done and the other only flushes what it holds; when one fails, the other is
 * destroyed.
 */
function relay(a, b) {
  a.pipe(b);
  b.pipe(a);
  const settle = (from, to) => () => {
    if (to.destroyed) return;
    if (from.readableEnded && to.writableEnded) {
      const timer = setTimeout(() => to.destroy(), FLUSH_AFTER_CLOSE_MS);
      timer.unref();
      to.once('close', () => clearTimeout(timer));
    } else {
      to.destroy();
    }
  };
  a.once('close', settle(a, b));
  b.once('close', settle(b, a));
  a.on('error', () => a.destroy());
  b.on('error', () => b.destroy());
}

/** The proxy port: raw bytes both ways; the runtime's proxy speaks HTTP with the client. */
function proxyConnection(socketPath) {
  return (client) => {
    client.on('error', () => client.destroy());
    const upstream = net.connect({ path: socketPath, allowHalfOpen: true });
    upstream.on('error', () => client.destroy());
    relay(client, upstream);
  };
}

/** A forward: ask the proxy for a tunnel to host:port, then relay once it says 200. */
function forwardConnection(socketPath, target) {
  const authority = target.bracketed ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
  return (client) => {
    // Paused until the tunnel is up: nothing is read from the client before that.
    client.pause();
    client.on('error', () => client.destroy());
    const upstream = net.connect({ path: socketPath, allowHalfOpen: true });
    let head = Buffer.alloc(0);
    let established = false;
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > RESPONSE_HEAD_LIMIT) upstream.destroy();
        return;
      }
      upstream.off('data', onData);
      if (!/^HTTP\/1\.[01] 200 /.test(head.subarray(0, end).toString('latin1'))) {
        // Refused: the client sees the connection reset, as it would for an unreachable port.
        client.resetAndDestroy ? client.resetAndDestroy() : client.destroy();
        upstream.destroy();
        return;
      }
      const rest = head.subarray(end + 4);
      if (rest.length > 0) client.write(rest);
      established = true;
      relay(client, upstream);
      client.resume();
    };
    upstream.on('data', onData);
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => {
      if (!established) client.destroy();
    });
    upstream.on('connect', () => upstream.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`));
  };
}

function listen(server, host, port, what) {
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`cannot listen on ${what} ${host}:${port}: ${error.message}`)));
    server.listen({ host, port, exclusive: true }, resolve);
  });
}

async function startListeners(options) {
  const listening = [];
  if (options.socket) {
    listening.push(listen(net.createServer({ allowHalfOpen: true }, proxyConnection(options.socket)), '127.0.0.1', options.proxyPort, 'the proxy port'));
  }
  for (const target of options.forwards) {
    const handler = forwardConnection(options.socket, target);
    if (target.host.toLowerCase() === 'localhost') {
      // A client may resolve `localhost` to either; IPv6 may be off in the namespace, so only
      // 127.0.0.1 is required.
      listening.push(listen(net.createServer({ allowHalfOpen: true }, handler), '127.0.0.1', target.port, 'a forward'));
      listening.push(listen(net.createServer({ allowHalfOpen: true }, handler), '::1', target.port, 'a forward').catch(() => undefined));
    } else {
      listening.push(listen(net.createServer({ allowHalfOpen: true }, handler), target.host, target.port, 'a forward'));
    }
  }
  await Promise.all(listening);
}

function runProgram(options) {
  const env = { ...process.env };
  for (const name of options.unset) delete env[name];
  // The terminal sends these to the whole foreground group; the program decides what they mean,
  // this process must outlive them so the bridge stays up. A handler (not SIG_IGN) so the program
  // starts with the default disposition.
  for (const signal of ['SIGINT', 'SIGQUIT', 'SIGTSTP', 'SIGTTOU', 'SIGTTIN']) process.on(signal, () => undefined);
  // Installed before the spawn: the program can be running (and the runtime can be stopping it)
  // before spawn() returns here. A signal that comes first is passed on right after.
  let child;
  let pending;
  for (const signal of ['SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (!child) pending = signal;
      else if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  try {
    child = spawn(options.program[0], options.program.slice(1), { stdio: 'inherit', env });
  } catch (error) {
    fail(`cannot run ${options.program[0]}: ${error.message}`);
  }
  if (pending) child.kill(pending);
  child.on('error', (error) => fail(`cannot run ${options.program[0]}: ${error.message}`));
  child.on('exit', (code, signal) => {
    if (signal) {
      // Die of the same signal so whoever waits on the sandbox sees what the program saw.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      // A signal whose default is not to terminate (or one still blocked) falls back to the shell's
      // convention.
      setTimeout(() => process.exit(128 + (require('node:os').constants.signals[signal] || 0)), 100).unref();
      return;
    }
    process.exit(code === null ? 1 : code);
  });
}

// The host's egress proxy relays its tunnels with the same function (egress-proxy.ts); only a
// direct run starts the bridge.
module.exports = { relay };
if (require.main === module) {
  const options = parseArgs(process.argv.slice(2));
  startListeners(options).then(
    () => runProgram(options),
    (error) => fail(error.message),
  );
}

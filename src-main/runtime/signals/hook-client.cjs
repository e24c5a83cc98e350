#!/usr/bin/env node
'use strict';
/**
 * The hook command the runtime injects into a CLI's hook settings (docs/signals.md). Usage:
 *
 *   node hook-client.cjs <event-name>        (the CLI's hook JSON on stdin)
 *   node hook-client.cjs <event-name> <json> (Codex `notify` passes its payload as the last argument)
 *   node hook-client.cjs notify --then=<base64 JSON argv> <json>
 *                                            (also starts the user's own notify program, which the
 *                                            runtime's replaced, with the same payload: it is not
 *                                            waited for, and its output goes nowhere)
 *
 * It adds the event name and the session's token (RAVEN_SIGNAL_TOKEN) and sends one line of JSON
 * to the session's socket (RAVEN_SIGNAL_SOCKET), then waits for the runtime's `ok` so the event is
 * known to have arrived before the CLI goes on.
 *
 * It must never change what the CLI does: it prints nothing (a hook's stdout can be read by the CLI
 * as instructions), always exits 0 (a non-zero exit can block a tool call or a turn), and gives up
 * after RAVEN_SIGNAL_TIMEOUT_MS (default 800 ms) whether the runtime is slow, stalled or gone, so a
 * hung runtime never holds the CLI up by more than that.
 */
const net = require('node:net');

const DEFAULT_TIMEOUT_MS = 800;
/** Same bound as the channel's; a bigger payload is announced as `oversize` without its body. */
const DEFAULT_MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

function quit() {
  process.exit(0);
}

function positiveInt(text, fallback) {
  const n = Number.parseInt(text || '', 10);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

const timeoutMs = positiveInt(process.env.RAVEN_SIGNAL_TIMEOUT_MS, DEFAULT_TIMEOUT_MS);
const maxPayloadBytes = positiveInt(process.env.RAVEN_SIGNAL_MAX_BYTES, DEFAULT_MAX_PAYLOAD_BYTES);
// Armed before anything else, so nothing below can outlive it; not unref'd: it is the exit.
setTimeout(quit, timeoutMs);
process.on('uncaughtException', quit);
// A closed stdout must not turn into an EPIPE crash message on stderr.
process.stdout.on('error', quit);
process.stderr.on('error', quit);

const socketPath = process.env.RAVEN_SIGNAL_SOCKET;
const token = process.env.RAVEN_SIGNAL_TOKEN;
const event = process.argv[2];
const THEN = '--then=';
const chained = process.argv[3] !== undefined && process.argv[3].startsWith(THEN) && process.argv.length > 4;
const argPayload = chained ? process.argv[4] : process.argv[3];
// The user's program runs whether or not the runtime is there to hear about the turn.
if (chained) runUserProgram(process.argv[3].slice(THEN.length), argPayload);
if (!socketPath || !token || !event) quit();

function runUserProgram(encoded, payload) {
  try {
    const argv = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
    if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string')) return;
    const { spawn } = require('node:child_process');
    // Not detached: it stays in the agent's session, so stopping the agent reaps it like anything else.
    const child = spawn(argv[0], [...argv.slice(1), payload], { stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // A bad chain must not stop the event from reaching the runtime.
  }
}

function send(body, oversize) {
  let payload = null;
  if (!oversize && body.length > 0) {
    try {
      payload = JSON.parse(body);
    } catch {
      payload = { raw: body };
    }
  }
  const line = JSON.stringify({ token, event, payload, oversize: oversize === true }) + '\n';
  const socket = net.createConnection(socketPath);
  socket.on('error', quit);
  socket.on('close', quit);
  socket.setEncoding('utf8');
  let answer = '';
  socket.on('data', (chunk) => {
    answer += chunk;
    if (answer.includes('\n')) quit();
  });
  socket.on('connect', () => socket.write(line));
}

if (argPayload !== undefined) {
  send(argPayload, Buffer.byteLength(argPayload) > maxPayloadBytes);
} else {
  const chunks = [];
  let size = 0;
  let oversize = false;
  process.stdin.on('error', () => send('', false));
  process.stdin.on('data', (chunk) => {
    if (oversize) return;
    size += chunk.length;
    if (size > maxPayloadBytes) {
      oversize = true;
      chunks.length = 0;
      // The event still matters, its body is dropped; the rest is read and discarded so the CLI's
      // write into the pipe never blocks on us.
      send('', true);
      return;
    }
    chunks.push(chunk);
  });
  process.stdin.on('end', () => {
    if (!oversize) send(Buffer.concat(chunks).toString('utf8'), false);
  });
}

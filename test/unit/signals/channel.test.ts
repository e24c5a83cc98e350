import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hookClientPath, SignalChannel, type ChannelRejection, type HookMessage } from '../../../src-main/runtime/signals/channel';

const open: SignalChannel[] = [];
const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

async function channel(maxPayloadBytes?: number): Promise<SignalChannel> {
  const c = await SignalChannel.open({ maxPayloadBytes });
  open.push(c);
  return c;
}

interface HookRun {
  code: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

/** Runs the shipped hook client exactly as a CLI would: event name as argument, payload on stdin. */
function runHook(event: string, stdin: string | Buffer, env: Record<string, string>, args: string[] = []): Promise<HookRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [hookClientPath(), event, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, elapsedMs: performance.now() - started }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
  });
}

function next<T>(emitter: { on(listener: (value: T) => void): { dispose(): void } }): Promise<T> {
  return new Promise((resolve) => {
    const sub = emitter.on((value) => {
      sub.dispose();
      resolve(value);
    });
  });
}

/** Writes raw bytes to a socket and resolves with what came back before the channel closed it. */
function rawExchange(socketPath: string, data: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.createConnection(socketPath);
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('error', () => resolve(answer));
    socket.on('close', () => resolve(answer));
    // end(): the channel sees EOF after the lines and closes its side, which ends the exchange.
    socket.on('connect', () => socket.end(data));
  });
}

describe('signal channel', () => {
  it('lives in a 0700 folder of its own and removes it on close', async () => {
    const c = await SignalChannel.open();
    expect(fs.statSync(c.dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(c.socketPath).isSocket()).toBe(true);
    expect(c.token).toMatch(/^[0-9a-f]{64}$/);
    await c.close();
    expect(fs.existsSync(c.dir)).toBe(false);
  });

  it('delivers a hook event with its payload; the hook prints nothing and exits 0', async () => {
    const c = await channel();
    const arrived = next<HookMessage>(c.received);
    const payload = { session_id: 'abc', hook_event_name: 'Stop', transcript_path: '/tmp/x.jsonl', text: 'ünïcode ✓' };
    const run = await runHook('Stop', JSON.stringify(payload), c.hookEnv());
    const message = await arrived;
    expect(message).toMatchObject({ event: 'Stop', payload, oversize: false });
    expect(run).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('takes the payload from the last argument when there is one (Codex notify)', async () => {
    const c = await channel();
    const arrived = next<HookMessage>(c.received);
    const payload = { type: 'agent-turn-complete', 'last-assistant-message': 'PONG' };
    const run = await runHook('notify', '', c.hookEnv(), [JSON.stringify(payload)]);
    expect((await arrived).payload).toEqual(payload);
    expect(run.code).toBe(0);
  });

  it("refuses a forged token — another session's or none — and keeps serving the right one", async () => {
    const mine = await channel();
    const other = await channel();
    const got: HookMessage[] = [];
    mine.received.on((m) => got.push(m));
    const refused = next<ChannelRejection>(mine.rejected);
    const forged = await runHook('Stop', '{}', { ...mine.hookEnv(), RAVEN_SIGNAL_TOKEN: other.token });
    expect((await refused).reason).toBe('bad_token');
    expect(forged).toMatchObject({ code: 0, stdout: '', stderr: '' });

    const refusedRaw = next<ChannelRejection>(mine.rejected);
    const answer = await rawExchange(mine.socketPath, JSON.stringify({ event: 'Stop', payload: {} }) + '\n');
    expect(answer).toBe('');
    expect((await refusedRaw).reason).toBe('bad_token');
    expect(got).toEqual([]);

    const arrived = next<HookMessage>(mine.received);
    await runHook('SessionEnd', '{"reason":"exit"}', mine.hookEnv());
    expect((await arrived).event).toBe('SessionEnd');
    expect(got.map((m) => m.event)).toEqual(['SessionEnd']);
  });

  it('refuses a line over the size bound without reading further, and stays up', async () => {
    const c = await channel(1024);
    const refused = next<ChannelRejection>(c.rejected);
    const line = JSON.stringify({ token: c.token, event: 'PreToolUse', payload: { big: 'x'.repeat(4096) } }) + '\n';
    const answer = await rawExchange(c.socketPath, line);
    expect(answer).toBe('');
    expect(await refused).toMatchObject({ reason: 'oversize' });

    // The hook client itself drops an oversize body but still reports the event.
    const arrived = next<HookMessage>(c.received);
    const run = await runHook('PreToolUse', JSON.stringify({ big: 'y'.repeat(8192) }), c.hookEnv());
    expect(await arrived).toMatchObject({ event: 'PreToolUse', payload: null, oversize: true });
    expect(run.code).toBe(0);
  });

  it('refuses bad JSON and a line that is not an object, and other connections are unaffected', async () => {
    const c = await channel();
    const reasons: string[] = [];
    c.rejected.on((r) => reasons.push(r.reason));
    await rawExchange(c.socketPath, 'not json\n');
    await rawExchange(c.socketPath, '[1,2]\n');
    await rawExchange(c.socketPath, JSON.stringify({ token: c.token, event: '' }) + '\n');
    expect(reasons).toEqual(['bad_json', 'bad_shape', 'bad_shape']);
    const answer = await rawExchange(c.socketPath, JSON.stringify({ token: c.token, event: 'Stop', payload: {} }) + '\n' + JSON.stringify({ token: c.token, event: 'SessionEnd' }) + '\n');
    expect(answer).toBe('ok\nok\n');
  });

  it('a stalled runtime (accepts, never answers) holds the hook no longer than its timeout, and it exits 0', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sig-stall-'));
    const socketPath = path.join(dir, 's.sock');
    let connected = false;
    const stalled = net.createServer((socket) => {
      connected = true;
      // Read and drop, so the hook's exit is seen and server.close() can finish.
      socket.resume();
    });
    servers.push(stalled);
    await new Promise<void>((r) => stalled.listen(socketPath, () => r()));
    const timeoutMs = 800;
    const run = await runHook('Stop', '{}', { RAVEN_SIGNAL_SOCKET: socketPath, RAVEN_SIGNAL_TOKEN: 't', RAVEN_SIGNAL_TIMEOUT_MS: String(timeoutMs) });
    expect(connected).toBe(true);
    expect(run).toMatchObject({ code: 0, stdout: '', stderr: '' });
    // It waited for the answer (did not give up early)…
    expect(run.elapsedMs).toBeGreaterThanOrEqual(timeoutMs);
    // …and stopped at its own timer; the margin is Node's start-up on a loaded machine.
    expect(run.elapsedMs).toBeLessThan(timeoutMs + 2_000);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a CLI that never closes the hook\'s stdin holds it no longer than its timeout either', async () => {
    const c = await channel();
    const got: HookMessage[] = [];
    c.received.on((m) => got.push(m));
    const timeoutMs = 500;
    const result = await new Promise<{ code: number | null; stdout: string; elapsedMs: number }>((resolve, reject) => {
      const started = performance.now();
      const child = spawn(process.execPath, [hookClientPath(), 'Stop'], { env: { PATH: process.env.PATH ?? '', ...c.hookEnv(), RAVEN_SIGNAL_TIMEOUT_MS: String(timeoutMs) }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, elapsedMs: performance.now() - started }));
      // Half a payload, and the pipe left open.
      child.stdin.write('{"session_id":');
    });
    expect(result).toMatchObject({ code: 0, stdout: '' });
    expect(result.elapsedMs).toBeGreaterThanOrEqual(timeoutMs);
    expect(result.elapsedMs).toBeLessThan(timeoutMs + 2_000);
    // Nothing half-read was sent as if it were the event.
    expect(got).toEqual([]);
  });

  it('a runtime that is gone (no socket) lets the hook exit 0 at once, silently', async () => {
    const run = await runHook('Stop', '{}', { RAVEN_SIGNAL_SOCKET: path.join(os.tmpdir(), 'raven-no-such-dir', 'hooks.sock'), RAVEN_SIGNAL_TOKEN: 't', RAVEN_SIGNAL_TIMEOUT_MS: '5000' });
    expect(run).toMatchObject({ code: 0, stdout: '', stderr: '' });
    // Well under its 5 s timer: the connection error ends it.
    expect(run.elapsedMs).toBeLessThan(4_000);
  });

  it('a hook started without the channel variables (outside a Raven session) exits 0 and does nothing', async () => {
    const run = await runHook('Stop', '{}', {});
    expect(run).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });
});

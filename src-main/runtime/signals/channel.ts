/**
 * The per-session channel hook commands reach the runtime over (docs/signals.md "The channel").
 *
 * One Unix socket per session, in a folder only the runtime's user can enter (0700), plus a random
 * token per session that every message must carry. The folder keeps other local users out; the
 * token keeps other sessions (and anything else that finds the socket) from speaking for this one.
 * The hook command (hook-client.cjs) gets both through the CLI's environment, which the CLI passes
 * on to the hooks it runs.
 *
 * Wire: newline-delimited JSON, one `{token, event, payload, oversize}` object per line; the
 * channel answers `ok` to each line it accepts, so the hook knows the event arrived before it lets
 * the CLI go on. A line longer than `maxPayloadBytes`, bad JSON or a wrong token closes that
 * connection and is reported on `rejected`; other connections and the session are unaffected.
 */
import { randomBytes, createHash, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Emitter } from '../../../src-shared/emitter';
import { RuntimeError } from '../errors';
import { silentLogger, type Logger } from '../logger';

/** One hook invocation as it arrived: the event name the runtime put in the hook command, and the CLI's payload. */
export interface HookMessage {
  event: string;
  /** The CLI's hook JSON; `null` when it sent none or it was `oversize`. */
  payload: unknown;
  /** The hook client dropped a payload bigger than the limit; the event itself is still real. */
  oversize: boolean;
  /** `Date.now()` when the line was accepted. */
  receivedAt: number;
}

export type RejectionReason = 'bad_token' | 'oversize' | 'bad_json' | 'bad_shape';

export interface ChannelRejection {
  reason: RejectionReason;
  detail: string;
}

export interface SignalChannelOptions {
  /** Folder the per-session folder is made in: the runtime's data folder, or the OS temp folder. */
  parentDir?: string;
  /** Longest line accepted, in bytes. Hook payloads carry tool inputs (a whole file for a Write), hence MiBs. */
  maxPayloadBytes?: number;
  /** Where a listener's exception is reported; it must not reach the socket's data handler. */
  logger?: Logger;
}

/** Tool inputs can hold a whole file; 4 MiB covers real edits and keeps one bad hook from costing much memory. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;
/** sun_path is 108 bytes on Linux and 104 on macOS; stay under both. */
const MAX_SOCKET_PATH_BYTES = 100;
const SOCKET_NAME = 'hooks.sock';

/** Where the hook command ships: next to this file from source, next to the bundle in a desktop build. */
export function hookClientPath(): string {
  return path.join(__dirname, 'hook-client.cjs');
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Constant-time: both sides are hashed to equal length first, so neither length nor prefix leaks. */
function tokensMatch(expected: Buffer, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  return timingSafeEqual(expected, digest(presented));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class SignalChannel {
  readonly received: Emitter<[message: HookMessage]>;
  readonly rejected: Emitter<[rejection: ChannelRejection]>;
  private readonly tokenDigest: Buffer;
  private readonly sockets = new Set<net.Socket>();
  private closed = false;

  private constructor(
    /** The session's private folder (0700); removed by `close`. */
    readonly dir: string,
    readonly socketPath: string,
    /** The secret a hook must present; hex, 32 random bytes. */
    readonly token: string,
    readonly maxPayloadBytes: number,
    private readonly server: net.Server,
    logger: Logger,
  ) {
    const onListenerError = (error: unknown): void => logger.error('signal listener failed', { error: String(error) });
    this.received = new Emitter({ onListenerError });
    this.rejected = new Emitter({ onListenerError });
    this.tokenDigest = digest(token);
    server.on('connection', (socket) => this.accept(socket));
  }

  static async open(options: SignalChannelOptions = {}): Promise<SignalChannel> {
    const parentDir = options.parentDir ?? os.tmpdir();
    fs.mkdirSync(parentDir, { recursive: true });
    // mkdtemp creates the folder 0700 already; chmod anyway in case a umask or a platform differs.
    const dir = fs.mkdtempSync(path.join(parentDir, 'sig-'));
    fs.chmodSync(dir, 0o700);
    const socketPath = path.join(dir, SOCKET_NAME);
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new RuntimeError('FILESYSTEM_ERROR', `Signal socket path is too long for a Unix socket (${Buffer.byteLength(socketPath)} bytes, at most ${MAX_SOCKET_PATH_BYTES}): ${socketPath}`, {
        socketPath,
      });
    }
    const server = net.createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(socketPath, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new RuntimeError('FILESYSTEM_ERROR', `Could not open the signal socket ${socketPath}: ${(error as Error).message}`, { socketPath });
    }
    const token = randomBytes(32).toString('hex');
    return new SignalChannel(dir, socketPath, token, options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES, server, options.logger ?? silentLogger);
  }

  /** Variables the CLI's environment needs so the hooks it runs can reach this channel. */
  hookEnv(): Record<string, string> {
    return {
      RAVEN_SIGNAL_SOCKET: this.socketPath,
      RAVEN_SIGNAL_TOKEN: this.token,
      RAVEN_SIGNAL_MAX_BYTES: String(this.maxPayloadBytes),
    };
  }

  /** Stops listening, drops open connections and removes the folder (socket and any settings files in it). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    fs.rmSync(this.dir, { recursive: true, force: true });
    this.received.dispose();
    this.rejected.dispose();
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    // A hook that vanishes mid-line is its own problem; never the runtime's.
    socket.on('error', () => socket.destroy());
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    socket.on('data', (chunk: Buffer) => {
      let start = 0;
      let newline = chunk.indexOf(0x0a, start);
      while (newline !== -1) {
        const part = chunk.subarray(start, newline);
        if (pendingBytes + part.length > this.maxPayloadBytes) return this.refuse(socket, 'oversize', `line over ${this.maxPayloadBytes} bytes`);
        const line = Buffer.concat([...pending, part]).toString('utf8');
        pending = [];
        pendingBytes = 0;
        if (!this.handleLine(socket, line)) return;
        start = newline + 1;
        newline = chunk.indexOf(0x0a, start);
      }
      const rest = chunk.subarray(start);
      pendingBytes += rest.length;
      if (pendingBytes > this.maxPayloadBytes) return this.refuse(socket, 'oversize', `line over ${this.maxPayloadBytes} bytes`);
      if (rest.length > 0) pending.push(rest);
    });
  }

  /** Returns false when the connection was refused (stop reading it). */
  private handleLine(socket: net.Socket, line: string): boolean {
    if (line.trim() === '') return true;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.refuse(socket, 'bad_json', 'line is not JSON');
      return false;
    }
    if (!isRecord(parsed)) {
      this.refuse(socket, 'bad_shape', 'line is not a JSON object');
      return false;
    }
    // The token first: nothing about an unauthenticated line is looked at or reported.
    if (!tokensMatch(this.tokenDigest, parsed.token)) {
      this.refuse(socket, 'bad_token', 'token missing or wrong');
      return false;
    }
    if (typeof parsed.event !== 'string' || parsed.event.length === 0 || parsed.event.length > 64) {
      this.refuse(socket, 'bad_shape', '`event` must be a short string');
      return false;
    }
    const message: HookMessage = {
      event: parsed.event,
      payload: parsed.payload ?? null,
      oversize: parsed.oversize === true,
      receivedAt: Date.now(),
    };
    socket.write('ok\n');
    this.received.emit(message);
    return true;
  }

  private refuse(socket: net.Socket, reason: RejectionReason, detail: string): void {
    socket.destroy();
    this.rejected.emit({ reason, detail });
  }
}

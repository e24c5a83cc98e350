import * as fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type * as pty from 'node-pty';

/**
 * Makes a PTY report its exit only after everything the program printed has been read.
 *
 * node-pty (1.x, unixTerminal.js) reports the exit when its read stream closes. Around a program's
 * exit, and above all when the stream was paused for back-pressure (a slow viewer, the screen model
 * catching up), the stream can close with output still unread, which is then lost: the end of a
 * flood, a CLI's final error message. Measured here (test/integration/exit-drain.test.ts) as 5–9 KB
 * missing in about one exit in three:
 *
 * - the stream sees end-of-file while the kernel still holds output (reading the descriptor
 *   again returns it, then EIO);
 * - the read that hits the end (EIO) destroys the stream with output it had read but, being
 *   paused, not yet handed out;
 * - if the stream has not closed 200 ms after the program exited, node-pty destroys it, and with it
 *   whatever the kernel still buffers.
 *
 * All three go through the stream's destroy, which is wrapped here: the paused buffer is handed out
 * first, a stream that has not ended is resumed until it does (bounded: DRAIN_QUIET_MS without data,
 * DRAIN_MAX_MS at most, as a background child may hold the terminal open), and whatever the
 * non-blocking descriptor still yields is read and handed out before the real destroy. Once
 * draining, pause requests are ignored.
 */

/** Silence after which a drain stops waiting for the end of the stream. */
export const DRAIN_QUIET_MS = 500;
/** Longest a drain may take, whatever is still arriving. */
export const DRAIN_MAX_MS = 5_000;
/** Most read from the descriptor after the stream closed: the kernel holds tens of KB at most; a background writer is cut off. */
const MAX_TAIL_BYTES = 4 * 1024 * 1024;

/** The read side of node-pty's Unix terminal (a tty.ReadStream); not part of its typed API. */
interface ReadSide {
  readableEnded: boolean;
  /** Bytes read from the terminal but not yet emitted as data (held while paused). */
  readableLength: number;
  destroyed: boolean;
  destroy(error?: Error): unknown;
  resume(): unknown;
  emit(event: 'data', chunk: string): boolean;
  on(event: 'data' | 'end' | 'close', listener: () => void): unknown;
}

interface NodePtyInternals {
  _socket?: unknown;
  _fd?: unknown;
}

function readSideOf(proc: pty.IPty): ReadSide | undefined {
  const socket = (proc as unknown as NodePtyInternals)._socket;
  if (typeof socket !== 'object' || socket === null) return undefined;
  const candidate = socket as Partial<ReadSide>;
  const usable = ['destroy', 'resume', 'on', 'emit'].every((name) => typeof candidate[name as keyof ReadSide] === 'function');
  return usable ? (socket as ReadSide) : undefined;
}

export type DrainEvent = { phase: 'start' } | { phase: 'done'; reason: 'end' | 'quiet' | 'deadline' } | { phase: 'tail'; bytes: number };

export class DrainingPty {
  private draining = false;
  private readonly fd: number | undefined;

  constructor(
    readonly proc: pty.IPty,
    private readonly onDrain: (event: DrainEvent) => void = () => undefined,
  ) {
    const fd = (proc as unknown as NodePtyInternals)._fd;
    this.fd = typeof fd === 'number' ? fd : undefined;
    // Windows' ConPTY agent has its own pipes and shutdown; this is about the Unix read stream.
    if (process.platform === 'win32') return;
    const side = readSideOf(proc);
    if (side) this.guard(side);
  }

  /** Stops reading (back-pressure), unless the program has exited and its output is being drained. */
  pause(): void {
    if (!this.draining) this.proc.pause();
  }

  resume(): void {
    if (!this.draining) this.proc.resume();
  }

  private guard(side: ReadSide): void {
    const destroy = side.destroy.bind(side);
    const finish = (error?: Error) => {
      this.handOutTail(side);
      return destroy(error);
    };
    side.destroy = (error?: Error) => {
      if (side.destroyed) return destroy(error);
      if (side.readableLength > 0) {
        // Paused with output in the stream's buffer: let it flow out, then close.
        this.startDraining();
        side.resume();
        const whenEmpty = () => (side.readableLength === 0 || side.destroyed ? finish(error) : setImmediate(whenEmpty));
        setImmediate(whenEmpty);
        return side;
      }
      if (error !== undefined || this.draining || side.readableEnded) return finish(error);
      // node-pty gave up waiting for the end (200 ms after exit): read on until it comes.
      this.drain(side, finish);
      return side;
    };
  }

  private startDraining(): void {
    if (this.draining) return;
    this.draining = true;
    this.onDrain({ phase: 'start' });
  }

  private drain(side: ReadSide, finish: () => unknown): void {
    this.startDraining();
    let lastData = Date.now();
    let done = false;
    const stop = (reason: 'end' | 'quiet' | 'deadline') => {
      if (done) return;
      done = true;
      clearInterval(quiet);
      clearTimeout(deadline);
      this.onDrain({ phase: 'done', reason });
      if (!side.destroyed) finish();
    };
    side.on('data', () => (lastData = Date.now()));
    side.on('end', () => stop('end'));
    side.on('close', () => stop('end'));
    const quiet = setInterval(() => {
      if (Date.now() - lastData >= DRAIN_QUIET_MS) stop('quiet');
    }, DRAIN_QUIET_MS / 5);
    const deadline = setTimeout(() => stop('deadline'), DRAIN_MAX_MS);
    side.resume();
  }

  /** Reads what the (non-blocking) descriptor still holds and hands it out as ordinary data. */
  private handOutTail(side: ReadSide): void {
    if (this.fd === undefined) return;
    const decoder = new StringDecoder('utf8');
    const buffer = Buffer.allocUnsafe(64 * 1024);
    let total = 0;
    while (total < MAX_TAIL_BYTES) {
      let n: number;
      try {
        n = fs.readSync(this.fd, buffer, 0, buffer.length, null);
      } catch {
        break; // EIO: nothing left; EAGAIN: the terminal is still open but quiet; EBADF: already closed
      }
      if (n <= 0) break;
      total += n;
      const text = decoder.write(buffer.subarray(0, n));
      if (text !== '') side.emit('data', text);
    }
    const rest = decoder.end();
    if (rest !== '') side.emit('data', rest);
    if (total > 0) this.onDrain({ phase: 'tail', bytes: total });
  }
}

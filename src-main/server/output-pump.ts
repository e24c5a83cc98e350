/**
 * Carries one agent's terminal output to one consumer (a terminal WebSocket, an HTTP stream) with
 * coalescing and flow control:
 *
 * - output is coalesced into frames: while a window of COALESCE_MS has carried less than
 *   IMMEDIATE_CHARS, chunks go out at once (a keystroke echo must not wait, however fast the
 *   typing); beyond that the rest of the window is batched, up to MAX_FRAME_CHARS per frame;
 * - when the consumer's unsent bytes pass HIGH_WATER the PTY is held (the agent blocks on write, as
 *   in a real terminal whose user pressed Ctrl-S) and released below LOW_WATER;
 * - a consumer that stays above HIGH_WATER for STUCK_MS is dropped (it reconnects and gets a fresh
 *   snapshot), so one stalled viewer cannot freeze the agent or grow the server's memory.
 */

/**
 * Between VS Code's 5 ms and Hyper's 16 ms batching: under one 60 Hz frame, and Raven stores every
 * frame as a database row, so a flood becomes ~125 rows/s instead of thousands.
 */
export const COALESCE_MS = 8;
/**
 * Output per window that is sent without delay: far above typing and small redraws, far below a
 * flood (a 10 MB/s flood fills it in ~0.2 ms and is batched from then on).
 */
export const IMMEDIATE_CHARS = 2 * 1024;
/** daintree's batch cap; xterm.js parses 64 KiB writes fastest (docs/flow-control.md). */
export const MAX_FRAME_CHARS = 64 * 1024;
/**
 * Below xterm.js's ~500 KB guidance so Ctrl-C in a flood still reaches the screen quickly, and far
 * above one frame so a healthy viewer never triggers it.
 */
export const HIGH_WATER = 256 * 1024;
/** 4:1 hysteresis so the PTY is not toggled on every frame. */
export const LOW_WATER = 64 * 1024;
/** "A few seconds": longer than any GC pause or tab switch, short enough that other viewers barely notice. */
export const STUCK_MS = 3_000;
/** While held, how often the consumer's buffer is re-checked (no drain event exists for ws). */
const POLL_MS = 10;

export interface PumpSink {
  /** Hands a frame to the transport. */
  send(frame: string): void;
  /** Bytes the transport accepted but has not yet given to the kernel. */
  buffered(): number;
  /** The consumer cannot keep up; close it. */
  drop(): void;
}

export interface FlowGate {
  holdFlow(token: string): void;
  releaseFlow(token: string): void;
}

export interface PumpOptions {
  coalesceMs?: number;
  maxFrameChars?: number;
  highWater?: number;
  lowWater?: number;
  stuckMs?: number;
}

export class OutputPump {
  private pending: string[] = [];
  private pendingChars = 0;
  private timer: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private windowStart = 0;
  private windowChars = 0;
  private heldSince: number | undefined;
  private disposed = false;
  private readonly coalesceMs: number;
  private readonly maxFrameChars: number;
  private readonly highWater: number;
  private readonly lowWater: number;
  private readonly stuckMs: number;

  constructor(
    private readonly sink: PumpSink,
    private readonly gate: FlowGate,
    private readonly token: string,
    options: PumpOptions = {},
  ) {
    this.coalesceMs = options.coalesceMs ?? COALESCE_MS;
    this.maxFrameChars = options.maxFrameChars ?? MAX_FRAME_CHARS;
    this.highWater = options.highWater ?? HIGH_WATER;
    this.lowWater = options.lowWater ?? LOW_WATER;
    this.stuckMs = options.stuckMs ?? STUCK_MS;
  }

  get holding(): boolean {
    return this.heldSince !== undefined;
  }

  push(data: string): void {
    if (this.disposed || data.length === 0) return;
    this.pending.push(data);
    this.pendingChars += data.length;
    if (this.pendingChars >= this.maxFrameChars) {
      this.flush();
      return;
    }
    if (this.timer) return;
    const now = performance.now();
    if (now - this.windowStart >= this.coalesceMs) {
      this.windowStart = now;
      this.windowChars = 0;
    }
    if (this.windowChars + this.pendingChars <= IMMEDIATE_CHARS) this.flush();
    else this.timer = setTimeout(() => this.flush(), this.windowStart + this.coalesceMs - now);
  }

  /** Sends whatever is pending now (the batching timer, a full frame, or a socket about to close). */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.disposed || this.pendingChars === 0) return;
    const frame = this.pending.length === 1 ? this.pending[0] : this.pending.join('');
    this.windowChars += this.pendingChars;
    this.pending = [];
    this.pendingChars = 0;
    this.sink.send(frame);
    this.checkPressure();
  }

  private checkPressure(): void {
    if (this.disposed) return;
    const level = this.sink.buffered() + this.pendingChars;
    if (this.heldSince === undefined) {
      if (level <= this.highWater) return;
      this.heldSince = performance.now();
      this.gate.holdFlow(this.token);
      this.poll = setInterval(() => this.checkPressure(), POLL_MS);
      return;
    }
    if (level < this.lowWater) {
      this.release();
      return;
    }
    if (performance.now() - this.heldSince > this.stuckMs) {
      this.dispose();
      this.sink.drop();
    }
  }

  private release(): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = undefined;
    if (this.heldSince === undefined) return;
    this.heldSince = undefined;
    this.gate.releaseFlow(this.token);
  }

  /** Stops the pump and releases its hold on the PTY. Pending output is discarded. */
  dispose(): void {
    if (this.disposed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.release();
    this.pending = [];
    this.pendingChars = 0;
    this.disposed = true;
  }
}

import { Emitter, type Disposable } from '../../../src-shared/emitter';
import { OutputBuffer } from '../output-buffer';
import type { ScreenModel } from '../screen/screen-model';

/**
 * Where each chunk of PTY output goes first (docs/architecture.md, "The path of one PTY byte"):
 * the clocks the state machine reads, the rolling raw buffer behind `/output`, the screen model,
 * and the raw-data listeners (terminal viewers, streams).
 */

/**
 * Output this soon after a resize is taken as the program redrawing for its new size. A program
 * redraws within a few ms of SIGWINCH; 250 ms leaves room on a loaded machine.
 */
const RESIZE_REDRAW_WINDOW_MS = 250;
/** Raw output kept for `/output`. */
const RAW_OUTPUT_CHARS = 256 * 1024;

export class SessionOutput {
  private readonly raw = new OutputBuffer(RAW_OUTPUT_CHARS);
  private readonly data = new Emitter<[data: string]>();
  /** When output last arrived that was not a redraw after a resize (ms). */
  private lastWorkAt = Date.now();
  private lastChunkAt = 0;
  /** When the terminal last changed size (0: never); output soon after is the program redrawing. */
  private resizedAt = 0;
  private charCount = 0;

  constructor(private readonly screen: ScreenModel) {}

  receive(chunk: string): void {
    const now = Date.now();
    // A program answers SIGWINCH by redrawing its screen (Python re-prints its `... ` prompt). That
    // is not work: counting it would turn a quiet-ready agent busy, and a UI that lays itself out
    // by status would resize again — a feedback loop. So the redraw does not restart the quiet clock.
    if (now - this.resizedAt > RESIZE_REDRAW_WINDOW_MS) this.lastWorkAt = now;
    this.lastChunkAt = now;
    this.charCount += chunk.length;
    this.raw.append(chunk);
    this.screen.write(chunk);
    this.data.emit(chunk);
  }

  /** The terminal was resized: output in the next moments is a redraw, not work. */
  noteResize(): void {
    this.resizedAt = Date.now();
  }

  /** When the program last printed something other than a resize redraw (ms). */
  get lastOutputAt(): number {
    return this.lastWorkAt;
  }

  /** When any output last arrived (ms; 0 before the first chunk). */
  get lastChunkReceivedAt(): number {
    return this.lastChunkAt;
  }

  get chars(): number {
    return this.charCount;
  }

  /** The last 256 KB of raw output (escape sequences included). */
  toString(): string {
    return this.raw.toString();
  }

  /** Raw output as it arrives. */
  onData(listener: (data: string) => void): Disposable {
    return this.data.on(listener);
  }
}

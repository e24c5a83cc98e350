import type { DetectedPrompt } from '../adapters/types';

/**
 * Nothing unknown may leave an agent `busy` forever. While the agent is busy, every screen change
 * restarts a timer. A working CLI keeps its screen moving (a spinner, a clock, streamed text), so a
 * screen that has not changed for `dialogAfterMs` means it is waiting for something:
 *  - if the bottom of the screen looks like a dialog no adapter rule knows, `onDialog` gets it (the
 *    session turns it into a `question` of kind "unknown" and goes to `waiting_input`);
 *  - otherwise, once the screen has been still for `stalledAfterMs`, `onStalled` reports it (an
 *    `agent_stalled` event and a detail on the handle), so callers hear about it before their own
 *    timeout.
 * The clock is injected, so tests drive it with fake timers.
 */

export interface StillnessOptions {
  /** Still this long with a dialog at the bottom: ask. */
  dialogAfterMs: number;
  /** Still this long without one: report a stall. */
  stalledAfterMs: number;
}

export const DEFAULT_STILLNESS: Readonly<StillnessOptions> = { dialogAfterMs: 3_000, stalledAfterMs: 30_000 };

export interface WatchdogClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: WatchdogClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    // A watchdog must never keep the process alive by itself.
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface StillnessHandlers {
  /** Reads the screen as it is now: an unknown dialog at its bottom, if any. */
  lookForDialog(): DetectedPrompt | undefined;
  onDialog(prompt: DetectedPrompt): void;
  /** The screen has been still for `stillForMs` with no dialog; `since` is when it last changed. */
  onStalled(stillForMs: number, since: number): void;
  /** The screen moved again (or watching stopped) after a reported stall. */
  onStallCleared(): void;
}

export class StillnessWatchdog {
  private watching = false;
  private lastChangeAt: number;
  private timer: unknown;
  private stalled = false;

  constructor(
    private readonly options: StillnessOptions,
    private readonly handlers: StillnessHandlers,
    private readonly clock: WatchdogClock = systemClock,
  ) {
    if (!(options.dialogAfterMs > 0) || !(options.stalledAfterMs >= options.dialogAfterMs)) {
      throw new RangeError('stillness: dialogAfterMs must be > 0 and stalledAfterMs >= dialogAfterMs');
    }
    this.lastChangeAt = clock.now();
  }

  /** Watch only while the agent is busy; anything else (ready, a known question, a login) is not stuck. */
  setWatching(on: boolean): void {
    if (on === this.watching) return;
    this.watching = on;
    this.lastChangeAt = this.clock.now();
    this.clearStall();
    if (on) this.arm(this.options.dialogAfterMs, () => this.checkForDialog());
    else this.disarm();
  }

  /** The screen changed. */
  touch(): void {
    this.lastChangeAt = this.clock.now();
    this.clearStall();
    if (this.watching) this.arm(this.options.dialogAfterMs, () => this.checkForDialog());
  }

  get isStalled(): boolean {
    return this.stalled;
  }

  dispose(): void {
    this.watching = false;
    this.disarm();
  }

  private checkForDialog(): void {
    this.timer = undefined;
    if (!this.watching) return;
    const dialog = this.handlers.lookForDialog();
    if (dialog) {
      // One report per still period; the session stops the watch when it leaves `busy`.
      this.handlers.onDialog(dialog);
      return;
    }
    const stillFor = this.clock.now() - this.lastChangeAt;
    this.arm(Math.max(0, this.options.stalledAfterMs - stillFor), () => this.checkForStall());
  }

  private checkForStall(): void {
    this.timer = undefined;
    if (!this.watching || this.stalled) return;
    // A dialog may have been drawn without any later change being seen as one (it came with the
    // last change): look once more before calling it a stall.
    const dialog = this.handlers.lookForDialog();
    if (dialog) {
      this.handlers.onDialog(dialog);
      return;
    }
    this.stalled = true;
    this.handlers.onStalled(this.clock.now() - this.lastChangeAt, this.lastChangeAt);
  }

  private clearStall(): void {
    if (!this.stalled) return;
    this.stalled = false;
    this.handlers.onStallCleared();
  }

  private arm(ms: number, callback: () => void): void {
    this.disarm();
    this.timer = this.clock.setTimeout(callback, ms);
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

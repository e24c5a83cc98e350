import { afterEach, describe, expect, it } from 'vitest';
import type { DetectedPrompt } from '../../src-main/runtime/adapters/types';
import { unknownDialog } from '../../src-main/runtime/detect/unknown-dialog';
import { ScreenModel, type ScreenSnapshot } from '../../src-main/runtime/screen/screen-model';
import { StillnessWatchdog, type WatchdogClock } from '../../src-main/runtime/session/stillness-watchdog';

/** A clock the test moves by hand: timers fire only when `advance` passes their due time. */
class ManualClock implements WatchdogClock {
  private time = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { due: number; callback: () => void }>();
  now(): number {
    return this.time;
  }
  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { due: this.time + ms, callback });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const next = [...this.timers.entries()].filter(([, t]) => t.due <= end).sort((a, b) => a[1].due - b[1].due)[0];
      if (!next) break;
      this.timers.delete(next[0]);
      this.time = next[1].due;
      next[1].callback();
    }
    this.time = end;
  }
  get pending(): number {
    return this.timers.size;
  }
}

const DIALOG: DetectedPrompt = { kind: 'unknown', question: 'Apply?', options: [{ label: 'Apply', keys: ['enter'] }], fingerprint: 'unknown:Apply?' };

function setup(dialog: DetectedPrompt | undefined) {
  const clock = new ManualClock();
  const seen: string[] = [];
  let current = dialog;
  const watchdog = new StillnessWatchdog(
    { dialogAfterMs: 3_000, stalledAfterMs: 10_000 },
    {
      lookForDialog: () => current,
      onDialog: (p) => seen.push(`dialog:${p.question}@${clock.now()}`),
      onStalled: (ms, since) => seen.push(`stalled:${ms}:since ${since}@${clock.now()}`),
      onStallCleared: () => seen.push(`cleared@${clock.now()}`),
    },
    clock,
  );
  return { clock, seen, watchdog, setDialog: (d: DetectedPrompt | undefined) => (current = d) };
}

describe('StillnessWatchdog', () => {
  it('reports a dialog once the busy screen has been still for dialogAfterMs, not before', () => {
    const { clock, seen, watchdog } = setup(DIALOG);
    watchdog.setWatching(true);
    clock.advance(2_999);
    expect(seen).toEqual([]);
    clock.advance(1);
    expect(seen).toEqual(['dialog:Apply?@3000']);
    clock.advance(60_000);
    expect(seen).toEqual(['dialog:Apply?@3000']);
  });

  it('restarts the wait on every screen change', () => {
    const { clock, seen, watchdog } = setup(DIALOG);
    watchdog.setWatching(true);
    for (let i = 0; i < 10; i++) {
      clock.advance(2_000);
      watchdog.touch();
    }
    expect(seen).toEqual([]);
    clock.advance(3_000);
    expect(seen).toEqual(['dialog:Apply?@23000']);
  });

  it('reports a stall after stalledAfterMs of stillness without a dialog, and clears it when the screen moves', () => {
    const { clock, seen, watchdog } = setup(undefined);
    watchdog.setWatching(true);
    clock.advance(9_999);
    expect(seen).toEqual([]);
    clock.advance(1);
    expect(seen).toEqual(['stalled:10000:since 0@10000']);
    expect(watchdog.isStalled).toBe(true);
    clock.advance(50_000);
    expect(seen).toHaveLength(1);
    watchdog.touch();
    expect(seen).toEqual(['stalled:10000:since 0@10000', 'cleared@60000']);
    expect(watchdog.isStalled).toBe(false);
  });

  it('a dialog drawn late in a still period is still asked about instead of calling it a stall', () => {
    const { clock, seen, watchdog, setDialog } = setup(undefined);
    watchdog.setWatching(true);
    clock.advance(5_000);
    setDialog(DIALOG);
    clock.advance(5_000);
    expect(seen).toEqual(['dialog:Apply?@10000']);
  });

  it('does nothing while not watching (ready, waiting_input, authenticating), and stops when told', () => {
    const { clock, seen, watchdog } = setup(DIALOG);
    clock.advance(60_000);
    watchdog.touch();
    clock.advance(60_000);
    expect(seen).toEqual([]);
    watchdog.setWatching(true);
    clock.advance(1_000);
    watchdog.setWatching(false);
    clock.advance(60_000);
    expect(seen).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('clears a reported stall when watching stops (the agent left busy)', () => {
    const { clock, seen, watchdog } = setup(undefined);
    watchdog.setWatching(true);
    clock.advance(10_000);
    watchdog.setWatching(false);
    expect(seen).toEqual(['stalled:10000:since 0@10000', 'cleared@10000']);
  });

  it('refuses thresholds that make no sense', () => {
    expect(() => new StillnessWatchdog({ dialogAfterMs: 0, stalledAfterMs: 10 }, { lookForDialog: () => undefined, onDialog: () => {}, onStalled: () => {}, onStallCleared: () => {} })).toThrow(RangeError);
    expect(() => new StillnessWatchdog({ dialogAfterMs: 5_000, stalledAfterMs: 1_000 }, { lookForDialog: () => undefined, onDialog: () => {}, onStalled: () => {}, onStallCleared: () => {} })).toThrow(RangeError);
  });
});

describe('unknownDialog: what a still screen shows at its bottom', () => {
  const screens: ScreenModel[] = [];
  afterEach(() => {
    for (const s of screens.splice(0)) s.dispose();
  });
  async function screenOf(lines: string[]): Promise<ScreenSnapshot> {
    const screen = new ScreenModel({ cols: 100, rows: 20, scrollback: 100 });
    screens.push(screen);
    screen.write(lines.join('\r\n'));
    await screen.flush();
    return screen.snapshot();
  }

  it('a hint line naming keys: the options are its actions', async () => {
    const found = unknownDialog(
      await screenOf(['● Working on it', '', '─'.repeat(60), ' Sandbox policy changed', '', ' The new policy blocks network access.', '', ' Enter to apply it now · Tab to review · Esc to keep the current policy']),
    );
    expect(found).toMatchObject({ kind: 'unknown', question: 'Sandbox policy changed The new policy blocks network access.' });
    expect(found?.options).toEqual([
      { label: 'Apply it now', keys: ['enter'] },
      { label: 'Review', keys: ['tab'] },
      { label: 'Keep the current policy', keys: ['escape'] },
    ]);
  });

  it('a marked menu over a hint line: the menu answers, Esc stays available', async () => {
    const found = unknownDialog(await screenOf(['─'.repeat(60), ' Pick a theme for this session', ' ❯ Dark', '   Light', '   Solarized', '', ' Enter to confirm · Esc to cancel']));
    expect(found?.question).toBe('Pick a theme for this session');
    expect(found?.options).toEqual([
      { label: 'Dark', keys: ['enter'] },
      { label: 'Light', keys: ['down', 'enter'] },
      { label: 'Solarized', keys: ['down', 'down', 'enter'] },
      { label: 'Cancel', keys: ['escape'] },
    ]);
  });

  it('a y/n question at the bottom', async () => {
    const found = unknownDialog(await screenOf(['Downloading model index…', 'Replace the cached index? [y/N]']));
    expect(found?.options.map((o) => o.label)).toEqual(['Yes', 'No']);
    expect(found?.question).toContain('Replace the cached index?');
  });

  it('a numbered menu that ends the screen', async () => {
    const found = unknownDialog(await screenOf(['Which account?', '  1. Work', '  2. Personal']));
    expect(found?.options.map((o) => [o.label, o.keys])).toEqual([
      ['Work', ['enter']],
      ['Personal', ['down', 'enter']],
    ]);
  });

  it('nothing dialog-like: a busy footer that only offers a way out, prose, an empty screen', async () => {
    expect(unknownDialog(await screenOf(['● Reading files', '✢ Pondering… (12s)', '─'.repeat(60), '❯\u00a0', '─'.repeat(60), '  esc to interrupt']))).toBeUndefined();
    expect(unknownDialog(await screenOf(['The build takes a while; press enter when you are done reading this.']))).toBeUndefined();
    expect(unknownDialog(await screenOf(['']))).toBeUndefined();
  });
});

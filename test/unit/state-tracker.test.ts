import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createShellAdapter } from '../../src-main/runtime/adapters/shell';
import type { ClassifyContext, CliAdapter, ScreenState } from '../../src-main/runtime/adapters/types';
import type { ScreenModel, ScreenSnapshot } from '../../src-main/runtime/screen/screen-model';
import { sameScreenState, StateTracker } from '../../src-main/runtime/state-tracker';

/**
 * StateTracker under fake timers: a classification is committed only after it held for the
 * adapter's `settleMs`; anything that contradicts it in between resets the candidate.
 */

const SETTLE_MS = 100;
/** state-tracker.ts's MIN_EVALUATION_GAP_MS (not exported there). */
const MIN_GAP_MS = 25;

const SNAPSHOT: ScreenSnapshot = { cols: 80, rows: 24, rowTexts: [], wrapped: [], lines: [], text: '', cursorX: 0, cursorY: 0, altScreen: false, title: '' };

/**
 * The two things the tracker reads from a screen: its change notifications and its snapshot. The
 * tracker is typed against the whole ScreenModel, hence the one cast where it is handed over.
 */
class FakeScreen {
  readonly listeners = new Set<() => void>();
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  snapshot(): ScreenSnapshot {
    return SNAPSHOT;
  }
  /** As after xterm parsed a write. */
  changed(): void {
    for (const listener of this.listeners) listener();
  }
}

let screen: FakeScreen;
/** What the screen classifies as right now. */
let current: ScreenState;
let classifications: number;
let commits: ScreenState[];
let tracker: StateTracker;

function makeTracker(overrides: Partial<Pick<CliAdapter, 'quietReadyMs'>> = {}): void {
  // A real adapter, with the screen's classification and the settle time under the test's control.
  const adapter: CliAdapter = {
    ...createShellAdapter('/bin/sh'),
    settleMs: SETTLE_MS,
    ...overrides,
    classify: () => {
      classifications++;
      return current;
    },
  };
  const context = (): ClassifyContext => ({ workdir: '/tmp', keyFromRuntime: false, quietMs: 0 });
  tracker = new StateTracker(adapter, screen as unknown as ScreenModel, { classifyContext: context });
  tracker.onCommit((state) => commits.push(state));
}

function prompt(fingerprint: string): ScreenState {
  return { kind: 'prompt', prompt: { kind: 'trust_folder', question: 'Trust this folder?', options: [], fingerprint } };
}

beforeEach(() => {
  vi.useFakeTimers();
  screen = new FakeScreen();
  current = { kind: 'starting' };
  classifications = 0;
  commits = [];
});

afterEach(() => {
  tracker.dispose();
  vi.useRealTimers();
});

describe('StateTracker: settle, then commit', () => {
  it('commits a new classification once it has held for settleMs, looking again before committing', () => {
    makeTracker();
    current = { kind: 'ready' };
    screen.changed();
    expect(classifications).toBe(0); // classified on the next turn, not inside the change
    vi.advanceTimersByTime(0);
    expect(classifications).toBe(1);
    vi.advanceTimersByTime(SETTLE_MS - 1);
    expect(commits).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(commits).toEqual([{ kind: 'ready' }]);
    expect(classifications).toBe(2);
    expect(tracker.committed).toEqual({ kind: 'ready' });
    expect(tracker.latest).toEqual({ kind: 'ready' });
  });

  it('a contradiction before settleMs resets the candidate: only the state that then holds is committed', () => {
    makeTracker();
    current = { kind: 'ready' };
    screen.changed();
    vi.advanceTimersByTime(SETTLE_MS / 2);
    current = { kind: 'busy' }; // a redraw: the ready-looking frame was a flicker
    screen.changed();
    vi.advanceTimersByTime(0);
    vi.advanceTimersByTime(SETTLE_MS / 2); // when `ready` would have been committed
    expect(commits).toEqual([]);
    vi.advanceTimersByTime(SETTLE_MS / 2);
    expect(commits).toEqual([{ kind: 'busy' }]);
  });

  it('a flicker away from the committed state and back commits nothing', () => {
    makeTracker();
    current = { kind: 'ready' };
    screen.changed();
    vi.advanceTimersByTime(SETTLE_MS);
    expect(commits).toEqual([{ kind: 'ready' }]);
    current = { kind: 'busy' };
    screen.changed();
    vi.advanceTimersByTime(MIN_GAP_MS);
    current = { kind: 'ready' };
    screen.changed();
    vi.advanceTimersByTime(SETTLE_MS * 10);
    expect(commits).toEqual([{ kind: 'ready' }]);
  });

  it('a classification that changed by the time it is confirmed (without a screen change) starts a new settle period', () => {
    makeTracker();
    current = { kind: 'ready' };
    screen.changed();
    vi.advanceTimersByTime(SETTLE_MS / 2);
    current = { kind: 'busy' }; // e.g. a time-dependent rule: no screen change announces it
    vi.advanceTimersByTime(SETTLE_MS / 2);
    expect(commits).toEqual([]);
    vi.advanceTimersByTime(SETTLE_MS - 1);
    expect(commits).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(commits).toEqual([{ kind: 'busy' }]);
  });

  it('two prompts are different states when their fingerprints differ, the same when they match', () => {
    expect(sameScreenState(prompt('a'), prompt('a'))).toBe(true);
    expect(sameScreenState(prompt('a'), prompt('b'))).toBe(false);
    makeTracker();
    current = prompt('a');
    screen.changed();
    vi.advanceTimersByTime(SETTLE_MS);
    current = prompt('b');
    screen.changed();
    vi.advanceTimersByTime(MIN_GAP_MS + SETTLE_MS);
    expect(commits.map((state) => (state.kind === 'prompt' ? state.prompt.fingerprint : state.kind))).toEqual(['a', 'b']);
  });

  it('recommit() commits the same stable state again', () => {
    makeTracker();
    current = { kind: 'ready' };
    screen.changed();
    vi.advanceTimersByTime(SETTLE_MS);
    tracker.recommit();
    expect(tracker.committed).toBeUndefined();
    vi.advanceTimersByTime(MIN_GAP_MS + SETTLE_MS);
    expect(commits).toEqual([{ kind: 'ready' }, { kind: 'ready' }]);
  });
});

describe('StateTracker: how often it classifies', () => {
  it('coalesces a burst of changes into one classification, then keeps MIN_EVALUATION_GAP_MS between them', () => {
    makeTracker();
    current = { kind: 'busy' };
    for (let i = 0; i < 50; i++) screen.changed();
    vi.advanceTimersByTime(0);
    expect(classifications).toBe(1);
    vi.advanceTimersByTime(5);
    for (let i = 0; i < 50; i++) screen.changed();
    vi.advanceTimersByTime(MIN_GAP_MS - 5 - 1);
    expect(classifications).toBe(1);
    vi.advanceTimersByTime(1);
    expect(classifications).toBe(2);
  });

  it('with quietReadyMs, looks again once the screen has been quiet that long; every change pushes that back', () => {
    const quietReadyMs = 500;
    makeTracker({ quietReadyMs });
    current = { kind: 'busy' };
    screen.changed();
    vi.advanceTimersByTime(400);
    screen.changed(); // output again: the quiet period starts over
    vi.advanceTimersByTime(0);
    const before = classifications;
    current = { kind: 'ready' }; // what the adapter says once the quiet period is complete
    vi.advanceTimersByTime(quietReadyMs + MIN_GAP_MS - 1);
    expect(classifications).toBe(before);
    vi.advanceTimersByTime(1);
    vi.advanceTimersByTime(1); // the evaluation it queues runs on the next turn
    expect(classifications).toBe(before + 1);
    vi.advanceTimersByTime(SETTLE_MS);
    expect(commits).toEqual([{ kind: 'busy' }, { kind: 'ready' }]);
  });

  it('without quietReadyMs, a quiet screen is not classified again', () => {
    makeTracker();
    current = { kind: 'busy' };
    screen.changed();
    vi.advanceTimersByTime(SETTLE_MS);
    const settled = classifications;
    current = { kind: 'ready' };
    vi.advanceTimersByTime(60_000);
    expect(classifications).toBe(settled);
    expect(commits).toEqual([{ kind: 'busy' }]);
  });

  it('after dispose(), commits nothing and stops listening to the screen', () => {
    makeTracker({ quietReadyMs: 500 });
    current = { kind: 'ready' };
    screen.changed();
    vi.advanceTimersByTime(0);
    tracker.dispose();
    expect(screen.listeners.size).toBe(0);
    vi.advanceTimersByTime(60_000);
    expect(commits).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});

import { Emitter, type Disposable } from '../../src-shared/emitter';
import type { ClassifyContext, CliAdapter, ScreenState } from './adapters/types';
import type { ScreenModel } from './screen/screen-model';

/**
 * Turns screen classifications into committed states.
 *
 * After every parsed write the adapter classifies the screen. A classification that differs from
 * the committed one becomes a candidate; it is committed only if the screen still classifies the
 * same way `settleMs` later and nothing contradicted it in between. That rejects the frames a TUI
 * draws while redrawing (a ready-looking prompt for one frame mid-turn), yet commits within
 * settle + one parse after the CLI draws its idle prompt — no fixed "quiet for 2 s" wait.
 */

/**
 * At most one classification per MIN_EVALUATION_GAP_MS. A flood parses dozens of batches a second
 * and each classification reads the whole screen; 25 ms keeps that cost small and adds at most
 * 25 ms to the 300 ms ready budget.
 */
const MIN_EVALUATION_GAP_MS = 25;

/** What the tracker asks, before each classification, about the turn and the agent's phase. */
export interface ClassifyContextSource {
  classifyContext(): ClassifyContext;
}

/**
 * Whether two classifications mean the same thing to the session: the same kind, and for a prompt
 * the same dialog (its fingerprint), for a login the same method, URL and device code. Anything
 * else a classification carries (a prompt's wording after a redraw) does not make it news.
 */
export function sameScreenState(a: ScreenState, b: ScreenState): boolean {
  switch (a.kind) {
    case 'prompt':
      return b.kind === 'prompt' && a.prompt.fingerprint === b.prompt.fingerprint;
    case 'login':
      return (
        b.kind === 'login' &&
        a.login.method === b.login.method &&
        (a.login.loginUrl ?? '') === (b.login.loginUrl ?? '') &&
        (a.login.deviceCode ?? '') === (b.login.deviceCode ?? '')
      );
    default:
      return a.kind === b.kind;
  }
}

function same(a: ScreenState | undefined, b: ScreenState): boolean {
  return a !== undefined && sameScreenState(a, b);
}

export class StateTracker {
  private candidate: ScreenState | undefined;
  private committedState: ScreenState | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  private evaluationQueued = false;
  private lastEvaluationAt = 0;
  /** For adapters with a quiet-period rule: looks again once the screen has been quiet that long. */
  private quietTimer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;
  private disposed = false;
  private readonly commits = new Emitter<[state: ScreenState]>();
  /** The last classification, whether committed or not (the sender peeks at it). */
  latest: ScreenState = { kind: 'starting' };

  constructor(
    private readonly adapter: CliAdapter,
    private readonly screen: ScreenModel,
    private readonly context: ClassifyContextSource,
  ) {
    this.unsubscribe = screen.onChange(() => {
      this.queueEvaluation();
      this.armQuietCheck();
    });
  }

  /** A classification held for the adapter's settle time (and, after `recommit`, even if unchanged). */
  onCommit(listener: (state: ScreenState) => void): Disposable {
    return this.commits.on(listener);
  }

  /** The last committed state, until `recommit` forgets it. */
  get committed(): ScreenState | undefined {
    return this.committedState;
  }

  /** Whether `state` is what the tracker last committed (compared with sameScreenState). */
  isCommitted(state: ScreenState): boolean {
    return same(this.committedState, state);
  }

  /** Classify soon (coalesces bursts of parsed writes into one classification). */
  queueEvaluation(): void {
    if (this.evaluationQueued || this.disposed) return;
    this.evaluationQueued = true;
    const run = () => {
      this.evaluationQueued = false;
      this.evaluate();
    };
    const wait = this.lastEvaluationAt + MIN_EVALUATION_GAP_MS - Date.now();
    if (wait > 0) setTimeout(run, wait);
    else setImmediate(run);
  }

  private armQuietCheck(): void {
    const quietMs = this.adapter.quietReadyMs;
    if (quietMs === undefined || this.disposed) return;
    if (this.quietTimer) clearTimeout(this.quietTimer);
    // A little past the threshold, so the classification sees the quiet period as complete.
    this.quietTimer = setTimeout(() => this.queueEvaluation(), quietMs + MIN_EVALUATION_GAP_MS);
    this.quietTimer.unref();
  }

  /** Forget the committed state, so the next stable state is committed even if it is the same. */
  recommit(): void {
    this.committedState = undefined;
    this.candidate = undefined;
    this.clearSettle();
    this.queueEvaluation();
  }

  private classify(): ScreenState {
    this.latest = this.adapter.classify(this.screen.snapshot(), this.context.classifyContext());
    return this.latest;
  }

  private evaluate(): void {
    if (this.disposed) return;
    this.lastEvaluationAt = Date.now();
    const state = this.classify();
    if (same(this.candidate, state)) return; // its settle timer is already running
    this.candidate = state;
    this.clearSettle();
    if (same(this.committedState, state)) return; // back to what we had: the change was a flicker
    this.settleTimer = setTimeout(() => this.confirm(), this.adapter.settleMs);
  }

  private confirm(): void {
    this.settleTimer = undefined;
    if (this.disposed) return;
    const state = this.classify();
    if (!same(this.candidate, state)) {
      this.candidate = state;
      if (!same(this.committedState, state)) this.settleTimer = setTimeout(() => this.confirm(), this.adapter.settleMs);
      return;
    }
    this.committedState = state;
    this.commits.emit(state);
  }

  private clearSettle(): void {
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.clearSettle();
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.unsubscribe();
    this.commits.dispose();
  }
}

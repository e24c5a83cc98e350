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

export function stateKey(state: ScreenState): string {
  switch (state.kind) {
    case 'prompt':
      return `prompt:${state.prompt.fingerprint}`;
    case 'login':
      return `login:${state.login.method}:${state.login.loginUrl ?? ''}:${state.login.deviceCode ?? ''}`;
    default:
      return state.kind;
  }
}

export class StateTracker {
  private candidateKey: string | undefined;
  private committedKey: string | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  private evaluationQueued = false;
  private lastEvaluationAt = 0;
  /** For adapters with a quiet-period rule: looks again once the screen has been quiet that long. */
  private quietTimer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;
  private disposed = false;
  /** The last classification, whether committed or not (the sender peeks at it). */
  latest: ScreenState = { kind: 'starting' };

  constructor(
    private readonly adapter: CliAdapter,
    private readonly screen: ScreenModel,
    private readonly context: () => ClassifyContext,
    private readonly onCommit: (state: ScreenState) => void,
  ) {
    this.unsubscribe = screen.onChange(() => {
      this.queueEvaluation();
      this.armQuietCheck();
    });
  }

  get committed(): string | undefined {
    return this.committedKey;
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
    this.committedKey = undefined;
    this.candidateKey = undefined;
    this.clearSettle();
    this.queueEvaluation();
  }

  private classify(): ScreenState {
    this.latest = this.adapter.classify(this.screen.snapshot(), this.context());
    return this.latest;
  }

  private evaluate(): void {
    if (this.disposed) return;
    this.lastEvaluationAt = Date.now();
    const state = this.classify();
    const key = stateKey(state);
    if (key === this.candidateKey) return; // its settle timer is already running
    this.candidateKey = key;
    this.clearSettle();
    if (key === this.committedKey) return; // back to what we had: the change was a flicker
    this.settleTimer = setTimeout(() => this.confirm(), this.adapter.settleMs);
  }

  private confirm(): void {
    this.settleTimer = undefined;
    if (this.disposed) return;
    const state = this.classify();
    const key = stateKey(state);
    if (key !== this.candidateKey) {
      this.candidateKey = key;
      if (key !== this.committedKey) this.settleTimer = setTimeout(() => this.confirm(), this.adapter.settleMs);
      return;
    }
    this.committedKey = key;
    this.onCommit(state);
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
  }
}

import type { SpawnCallbackBody } from '../../../src-shared/api';
import type { RuntimeEvent } from '../../../src-shared/events';
import type { AgentManager } from '../../runtime/agent-manager';
import type { Logger } from '../../runtime/logger';
import { postJson, safeUrl } from './http';

/**
 * Raven's spawn-callback (docs/compatibility.md "The spawn callback"): when a spawn carried `callbackUrl`, POST
 * `ready`, `requires_login` or `failed` for each agent. Best effort: a few retries with backoff,
 * failures logged, never fatal. Callbacks of one agent go out in order (a login before its ready).
 */

export interface CallbackTarget {
  url: string;
  workspaceId?: string;
  runtimeEndpoint: string;
}

export interface CallbackOptions {
  /** Waits before each retry. */
  retryDelaysMs?: readonly number[];
  /** Per attempt. */
  timeoutMs?: number;
}

/** Three retries over ~3.5 s ride out a Raven restart or a brief network blip without piling up. */
const RETRY_DELAYS_MS: readonly number[] = [500, 1_000, 2_000];
/** Raven answers in milliseconds; 5 s means it is down, not slow. */
const ATTEMPT_TIMEOUT_MS = 5_000;

interface Watch {
  target: CallbackTarget;
  sentReady: boolean;
  sentLogin: boolean;
  failed: boolean;
  queue: Promise<void>;
}

export class SpawnCallbacks {
  private readonly watches = new Map<string, Watch>();
  private readonly unsubscribe: () => void;
  private readonly abort = new AbortController();
  private readonly retryDelaysMs: readonly number[];
  private readonly timeoutMs: number;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    manager: AgentManager,
    private readonly logger: Logger,
    options: CallbackOptions = {},
  ) {
    this.retryDelaysMs = options.retryDelaysMs ?? RETRY_DELAYS_MS;
    this.timeoutMs = options.timeoutMs ?? ATTEMPT_TIMEOUT_MS;
    this.unsubscribe = manager.on((event) => this.onEvent(event));
  }

  /**
   * Reports this agent's start-up to `target` from now on. Callbacks wait for `after` (which must
   * settle, and never reject): the spawn's registration with Raven, since Raven answers a callback
   * for an agent it does not know with 500 after it already broadcast the event, so an early
   * callback would be retried and its event shown twice.
   */
  watch(agentId: string, target: CallbackTarget, after: Promise<void> = Promise.resolve()): void {
    this.watches.set(agentId, { target, sentReady: false, sentLogin: false, failed: false, queue: after });
  }

  unwatch(agentId: string): void {
    this.watches.delete(agentId);
  }

  private onEvent(event: RuntimeEvent): void {
    const watch = this.watches.get(event.agentId);
    if (!watch) return;
    switch (event.type) {
      case 'agent_ready':
        if (!watch.sentReady) {
          watch.sentReady = true;
          this.enqueue(event.agentId, watch, { status: 'ready' });
        }
        // After ready nothing else is reported; stop watching.
        this.watches.delete(event.agentId);
        break;
      case 'login_required':
        if (!watch.sentLogin) {
          watch.sentLogin = true;
          this.enqueue(event.agentId, watch, { status: 'requires_login', loginUrl: event.loginUrl });
        }
        break;
      case 'agent_error':
        if (!watch.failed) {
          watch.failed = true;
          this.enqueue(event.agentId, watch, { status: 'failed', error: event.error });
        }
        break;
      case 'agent_stopped':
        // Exiting before ready is a failure, unless someone asked for the stop.
        if (!watch.failed && !watch.sentReady && event.reason !== 'stopped' && !watch.sentLogin) {
          watch.failed = true;
          this.enqueue(event.agentId, watch, { status: 'failed', error: event.agent.error ?? `The agent exited during start-up (${event.reason}).` });
        }
        this.watches.delete(event.agentId);
        break;
      default:
        break;
    }
  }

  private enqueue(agentId: string, watch: Watch, update: Pick<SpawnCallbackBody, 'status' | 'error' | 'loginUrl'>): void {
    const body: SpawnCallbackBody = {
      workspaceId: watch.target.workspaceId,
      agentId,
      status: update.status,
      ...(update.error !== undefined ? { error: update.error } : {}),
      ...(update.loginUrl !== undefined ? { loginUrl: update.loginUrl } : {}),
      runtimeSessionId: agentId,
      runtimeEndpoint: watch.target.runtimeEndpoint,
    };
    const job = watch.queue.then(() => this.deliver(watch.target.url, body));
    watch.queue = job;
    this.pending.add(job);
    void job.finally(() => this.pending.delete(job));
  }

  private async deliver(url: string, body: SpawnCallbackBody): Promise<void> {
    const where = safeUrl(url);
    for (let attempt = 0; attempt <= this.retryDelaysMs.length; attempt++) {
      if (this.abort.signal.aborted) return;
      if (attempt > 0 && !(await this.sleep(this.retryDelaysMs[attempt - 1]))) return;
      const outcome = await postJson(url, body, AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.timeoutMs)]));
      if (this.abort.signal.aborted) return;
      if (outcome.ok) {
        this.logger.info('spawn callback delivered', { agentId: body.agentId, status: body.status, url: where });
        return;
      }
      // A 4xx will not change on retry (Raven answers 500 for unknown agents, which we do retry).
      const { status } = outcome;
      const final = status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
      this.logger.warn('spawn callback attempt failed', { agentId: body.agentId, status: body.status, url: where, attempt: attempt + 1, outcome: outcome.reason });
      if (final) break;
    }
    this.logger.warn('spawn callback gave up', { agentId: body.agentId, status: body.status, url: where });
  }

  /** Resolves false when the callbacks are shut down during the wait. */
  private sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.abort.signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      this.abort.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Waits for the callbacks under way (tests use it; shutdown does not). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  close(): void {
    this.unsubscribe();
    this.abort.abort();
    this.watches.clear();
  }
}

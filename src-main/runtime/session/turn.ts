import type { AgentMessage, AgentStatus, PendingQuestion } from '../../../src-shared/agent';
import type { CliAdapter } from '../adapters/types';
import { RuntimeError } from '../errors';
import type { Logger } from '../logger';
import type { AgentSignal } from '../signals/signal';
import { joinWrapped, type ScreenModel } from '../screen/screen-model';

/**
 * One turn: from a message sent (or from the agent turning busy by itself) to the CLI's idle
 * prompt. It remembers where the scroll tap stood when it began, so its lines are everything that
 * scrolled through the screen since plus the screen; the adapter cuts the reply out of those. A
 * `send` waits on the turn's result, which the session settles (reply, question) or fails (exit,
 * stop, login), or which times out with the partial reply.
 */

export interface SendOptions {
  timeoutMs: number;
  /** false: resolve once the message is delivered, without waiting for the reply. */
  expectResponse?: boolean;
}

export interface SendResult {
  status: AgentStatus;
  /** The reply of this turn (partial when the agent stopped to ask something). */
  response: string;
  /** The reply as an AgentMessage; with expectResponse:false, the delivered message (inbound task). */
  message: AgentMessage;
  question?: PendingQuestion;
}

/** What a timed-out turn reports as the agent's status. */
export interface StatusSource {
  readonly status: AgentStatus;
}

interface Waiter {
  resolve: (result: SendResult) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export type TurnPhase = 'delivering' | 'running';

/**
 * What the CLI's signals said about this turn (session/signal-fusion.ts); all false for
 * an agent without hooks, whose turns the screen alone ends.
 */
export interface TurnHookFacts {
  /** A hook of this turn arrived: the hooks work here, so a Stop hook is to be expected. */
  live: boolean;
  /** A tool ran or was asked about: the reply on screen (with the tool's output) is the one to keep. */
  usedTools: boolean;
  /** A permission hook came and no tool result or Stop since: the CLI is waiting for a person. */
  permissionPending: boolean;
  /** The Stop hook arrived. */
  stopSeen: boolean;
  /** The Stop hook is ending the turn (its reply is being read from the transcript): the screen keeps out. */
  finishing: boolean;
  /** The turn-end signal came while the message was still being delivered: the turn ends once delivery is done. */
  stopDuringDelivery?: Extract<AgentSignal, { kind: 'turn_ended' }>;
  /** The screen showed the prompt and the wait for the turn-end signal ran out: the screen ends the turn. */
  waitedOut?: boolean;
  /** When the screen first showed the prompt while the turn-end signal was awaited (ms). */
  screenReadyAt?: number;
  /** The agent is `ready` by the screen while the reply is awaited from the turn-end signal. */
  replyPending?: boolean;
  /** The tool hook that started and has not finished (Claude PreToolUse, Gemini BeforeTool). */
  toolPending?: { tool: string; input: unknown };
  /** The pending permission hook's tool and input, for the screen's question to carry. */
  permission?: { tool: string; input: unknown };
}

export class Turn {
  readonly tapStart: number;
  readonly hooks: TurnHookFacts = { live: false, usedTools: false, permissionPending: false, stopSeen: false, finishing: false };
  /** Set while the screen showed the idle prompt and the session waits for the Stop hook to end the turn. */
  private screenReadyTimer: NodeJS.Timeout | undefined;
  private waiter: Waiter | undefined;
  private markEnded!: () => void;
  /** Resolves when the turn is over (finished or failed), whether or not anyone awaited its result. */
  readonly ended: Promise<void> = new Promise((resolve) => (this.markEnded = resolve));

  constructor(
    private readonly screen: ScreenModel,
    private readonly adapter: CliAdapter,
    private readonly log: Logger,
    /** The message sent, normalised; undefined for a turn the agent began by itself. */
    readonly message: string | undefined,
    public phase: TurnPhase,
  ) {
    this.tapStart = screen.tapPosition;
  }

  /**
   * The turn's result: resolved by `settle`, rejected by `fail`, or rejected with TIMEOUT (and the
   * partial reply) after `timeoutMs`. An early rejection never counts as unhandled.
   */
  awaitResult(timeoutMs: number, agent: StatusSource): Promise<SendResult> {
    const result = new Promise<SendResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.waiter?.timer !== timer) return;
        this.waiter = undefined;
        reject(
          new RuntimeError('TIMEOUT', `No complete reply within ${timeoutMs} ms.`, {
            timeoutMs,
            partialResponse: this.reply(),
            status: agent.status,
          }),
        );
      }, timeoutMs);
      timer.unref();
      this.waiter = { resolve, reject, timer };
    });
    // Keep an early rejection (the agent exits mid-delivery) from counting as unhandled.
    result.catch(() => undefined);
    return result;
  }

  /** Runs `onTimeout` after `ms` unless cleared; one wait at a time. */
  waitForStop(ms: number, onTimeout: () => void): void {
    if (this.screenReadyTimer) return;
    this.screenReadyTimer = setTimeout(() => {
      this.screenReadyTimer = undefined;
      onTimeout();
    }, ms);
    this.screenReadyTimer.unref();
  }

  get waitingForStop(): boolean {
    return this.screenReadyTimer !== undefined;
  }

  cancelStopWait(): void {
    clearTimeout(this.screenReadyTimer);
    this.screenReadyTimer = undefined;
  }

  /** Someone is waiting on this turn's result. */
  get awaited(): boolean {
    return this.waiter !== undefined;
  }

  /** The session is done with this turn (it finished or failed). */
  end(): void {
    this.cancelStopWait();
    this.markEnded();
  }

  /** Resolves the waiting `send`, if any (the turn itself may go on, e.g. after a question). */
  settle(result: SendResult): void {
    const waiter = this.takeWaiter();
    waiter?.resolve(result);
  }

  /** Rejects the waiting `send`, if any, with `error` and the reply so far. */
  fail(error: RuntimeError, partialResponse: string): void {
    const waiter = this.takeWaiter();
    waiter?.reject(new RuntimeError(error.code, error.message, { ...error.details, partialResponse }));
  }

  private takeWaiter(): Waiter | undefined {
    const waiter = this.waiter;
    if (!waiter) return undefined;
    this.waiter = undefined;
    clearTimeout(waiter.timer);
    return waiter;
  }

  /** Lines that passed through the screen since the turn began, then the screen. */
  lines(): string[] {
    const snapshot = this.screen.snapshot();
    const rows = [...this.screen.rowsSince(this.tapStart), ...snapshot.rowTexts.map((text, i) => ({ text, wrapped: snapshot.wrapped[i] }))];
    const lines = joinWrapped(rows);
    while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
    return lines;
  }

  /** The reply so far, as the adapter cuts it out of the turn's lines ('' if that fails). */
  reply(): string {
    try {
      return this.adapter.extractReply({ message: this.message, lines: this.lines() });
    } catch (error) {
      this.log.warn('reply extraction failed', { error: String(error) });
      return '';
    }
  }
}

/** Numbers the session's messages (`<agent>-msg-<n>`). */
export class MessageFactory {
  private count = 0;

  constructor(private readonly agentId: string) {}

  create(direction: AgentMessage['direction'], type: AgentMessage['type'], content: string, inReplyTo?: string): AgentMessage {
    const message: AgentMessage = { id: `${this.agentId}-msg-${++this.count}`, agentId: this.agentId, direction, type, content, timestamp: new Date().toISOString() };
    if (inReplyTo !== undefined) message.inReplyTo = inReplyTo;
    return message;
  }
}

import type { AgentStatus } from '../../../src-shared/agent';
import type { Logger } from '../logger';
import type { AgentSignal } from '../signals/signal';
import type { ScreenState } from '../adapters/types';
import type { Turn } from './turn';

/**
 * The state machine that fuses a CLI's structured signals (hooks, notify) with its screen
 * (docs/signals.md "Fused"). The session owns the status, the turn and the screen; this decides what
 * a signal does to them, and when the screen must wait for a signal. The CLI-specific parts — which
 * signals belong to the session, where a turn's reply is read from — are a `ReplySource`
 * (signal-replies.ts), so every CLI with signals goes through the same rules:
 *
 * - A signal during a turn marks the signals *live* for it; every signal counts as activity.
 * - `turn_ended` in a text-only turn ends it at once, with the reply from the CLI's own record.
 *   The status becomes `ready` even if the screen still shows the spinner; a `busy` the screen
 *   commits after that is its late view of the ended turn and is ignored until the screen shows
 *   the prompt or a new prompt is submitted.
 * - `turn_started` while `ready` and no turn runs (a prompt typed into the terminal) starts a turn.
 * - If the screen shows the prompt first in a turn whose signals are live, the turn waits for
 *   `turn_ended` (bounded: an interrupted turn gets none), then the screen ends it.
 * - A turn that used a tool is ended by the screen, on or after `turn_ended`: the CLI's record of
 *   the last assistant message leaves out the tool's output, which the screen's reply shows.
 * - `permission_requested` does not by itself make the agent `waiting_input` (the options exist on
 *   the screen only); it is kept for the screen's question to carry (`tool`, `input`), and while it
 *   is pending a screen that shows the prompt does not end the turn.
 */

/** What the fusion needs from the session. */
export interface FusionHost {
  readonly log: Logger;
  status(): AgentStatus;
  exited(): boolean;
  currentTurn(): Turn | undefined;
  /** A prompt submitted outside `send` (typed into the terminal): start a turn and go busy. */
  startTurnFromSignal(): void;
  /** Ends the turn with `reply` (the screen's reply when undefined) and settles its `send`. */
  finishTurn(turn: Turn, reply?: string): void;
  /** The screen's path to ready (ends the turn with the screen's reply when one runs). */
  enterReady(): void;
  setStatus(status: AgentStatus): void;
  /** The kind of the screen state the tracker last committed. */
  committedScreenKind(): ScreenState['kind'] | undefined;
  /** Hook activity is activity (the stillness watchdog). */
  touchActivity(): void;
  /** A permission hook arrived (the screen's question, if already shown, gains its tool and input). */
  permissionHook(fact: PermissionFact): void;
}

/** A CLI's way of turning its `turn_ended` into a reply (signal-replies.ts). */
export interface ReplySource {
  /** Names the source in the handle and logs (`claude-hooks`, `codex-notify`, `gemini-hooks`). */
  readonly name: string;
  /**
   * Whether the signal belongs to the session's own conversation (Codex notifies the end of side
   * threads, such as its title generator, too).
   */
  belongsToSession(signal: AgentSignal, turn: Turn | undefined): boolean;
  /** The turn's exact reply from the CLI's own record; undefined if it has none in time. */
  reply(signal: Extract<AgentSignal, { kind: 'turn_ended' }>, turn: Turn): Promise<string | undefined>;
  /**
   * How long a live turn whose screen shows the prompt waits for `turn_ended` before the screen ends
   * it (a turn interrupted with Esc gets no turn end; Codex's notify can trail its screen:
   * docs/signals.md).
   */
  readonly screenReadyWaitMs: number;
  /**
   * The CLI sends `turn_ended` for every turn but nothing before it (Codex's notify): every turn is
   * live from its start, rather than from its first signal.
   */
  readonly turnEndOnly?: boolean;
  /**
   * The screen's ready makes the agent `ready` at once while the reply is still awaited from the
   * signal (Codex: its screen knows first, its notify has the exact reply). A `send` meanwhile waits
   * for that turn to finish (at most `screenReadyWaitMs`).
   */
  readonly readyAtScreen?: boolean;
  /** The permission hook names the tool and its input as the tool hooks do (Claude), rather than by a title (Gemini). */
  readonly permissionHookNamesTool?: boolean;
}

/** The last permission hook of a turn: what the screen's question carries as `tool` and `input`. */
export interface PermissionFact {
  tool: string;
  input: unknown;
}

export class SignalFusion {
  /**
   * `turn_ended` made the agent ready while the screen's last committed state was still busy: a
   * busy from the screen is its late view of the turn that ended, until the screen shows ready.
   */
  private readyUnconfirmed = false;

  constructor(
    private readonly host: FusionHost,
    private readonly source: ReplySource,
  ) {}

  /** A new turn starts through `send`: a late screen view of the previous turn is no longer expected. */
  onSend(): void {
    this.readyUnconfirmed = false;
  }

  /** The screen committed a state; anything but busy/starting confirms (or contradicts) the hook's ready. */
  onScreenState(state: ScreenState): void {
    if (state.kind !== 'busy' && state.kind !== 'starting') this.readyUnconfirmed = false;
  }

  /** Whether the screen's `busy` is its late view of a turn a signal already ended (then it is ignored). */
  ignoresScreenBusy(): boolean {
    if (this.host.status() !== 'ready' || !this.readyUnconfirmed) return false;
    this.host.log.debug('screen still busy after the turn-end signal ended the turn; the signal wins');
    return true;
  }

  /**
   * The screen shows the idle prompt during `turn`: true when the fusion holds the turn open (its
   * reply is being read, or a turn-end signal is expected) instead of letting the screen end it.
   */
  holdsScreenReady(turn: Turn): boolean {
    if (turn.hooks.finishing) return true;
    if (!this.awaitsTurnEnd(turn)) return false;
    this.host.log.debug('screen shows the prompt before the turn-end signal; waiting for it', { permissionPending: turn.hooks.permissionPending });
    turn.hooks.screenReadyAt ??= Date.now();
    turn.waitForStop(this.source.screenReadyWaitMs, () => {
      if (this.host.currentTurn() !== turn || this.host.exited()) return;
      this.host.log.debug('no turn-end signal came; the screen ends the turn');
      Object.assign(turn.hooks, { live: false, waitedOut: true });
      if (this.host.committedScreenKind() === 'ready') this.host.enterReady();
    });
    if (this.source.readyAtScreen && !turn.hooks.permissionPending && this.host.status() === 'busy') {
      // The screen knows first; the reply follows with the signal. `send` waits for that (turn.ended).
      turn.hooks.replyPending = true;
      this.host.setStatus('ready');
    }
    return true;
  }

  /**
   * Whether a turn whose screen shows the prompt should wait for `turn_ended`: the signals work in
   * this turn and it is text only (a tool turn's reply is the screen's), or a permission hook says
   * the CLI still waits for a person (the hook wins over the screen).
   */
  private awaitsTurnEnd(turn: Turn): boolean {
    const hooks = turn.hooks;
    const live = hooks.live || (this.source.turnEndOnly === true && !hooks.waitedOut);
    return live && !hooks.stopSeen && (!hooks.usedTools || hooks.permissionPending);
  }

  /** Delivery of `turn`'s message is done: a turn end that came during it takes effect now. */
  afterDelivery(turn: Turn): void {
    const early = turn.hooks.stopDuringDelivery;
    if (early) this.endTurn(early);
  }

  /**
   * The screen asked a question during `turn`: the turn used a tool (or a dialog like one), so its
   * reply is the screen's, whose text includes the tool's output, even for a CLI with no tool hooks.
   */
  onQuestion(turn: Turn): void {
    turn.hooks.usedTools = true;
  }

  /**
   * What the screen's permission question is about: the pending permission hook where the CLI's
   * names the tool as its tool hooks do (Claude's PermissionRequest), else the tool hook that started
   * and has not finished (Claude 2.1.332 in auto mode asks without a PermissionRequest; Gemini's
   * BeforeTool runs just before its question, whose Notification names the tool only by a title).
   */
  pendingPermission(): PermissionFact | undefined {
    const hooks = this.host.currentTurn()?.hooks;
    if (!hooks) return undefined;
    const permission = hooks.permissionPending ? hooks.permission : undefined;
    if (permission && this.source.permissionHookNamesTool) return permission;
    return hooks.toolPending ?? permission;
  }

  /**
   * A structured signal. Signals are the first source where they say more than the screen; the
   * screen stays a full source because a user's settings can silence the runtime's hooks.
   */
  handle(signal: AgentSignal): void {
    const { host } = this;
    if (host.exited()) return;
    host.touchActivity();
    const turn = host.currentTurn();
    host.log.debug('signal', { source: this.source.name, kind: signal.kind, status: host.status(), turn: turn?.phase });
    switch (signal.kind) {
      case 'turn_started':
        this.readyUnconfirmed = false;
        if (turn) {
          turn.hooks.live = true;
        } else if (host.status() === 'ready') {
          // A prompt submitted from the terminal: the hook knows before the screen redraws.
          host.log.debug('prompt submitted outside send; the hook starts the turn');
          host.startTurnFromSignal();
          const started = host.currentTurn();
          if (started) started.hooks.live = true;
        }
        return;
      case 'tool_starting':
        if (turn) Object.assign(turn.hooks, { live: true, usedTools: true, toolPending: { tool: signal.tool, input: signal.input } });
        return;
      case 'tool_finished':
        if (turn) Object.assign(turn.hooks, { live: true, usedTools: true, permissionPending: false, permission: undefined, toolPending: undefined });
        return;
      case 'permission_requested': {
        if (turn) Object.assign(turn.hooks, { live: true, usedTools: true, permissionPending: true, permission: { tool: signal.tool, input: signal.input } });
        const fact = this.pendingPermission();
        if (fact) host.permissionHook(fact);
        // The question's options are on the screen only: the screen confirms it.
        if (host.status() !== 'waiting_input') host.log.debug('permission hook before the screen shows the question; waiting for the screen', { tool: signal.tool });
        return;
      }
      case 'turn_ended':
        if (!this.source.belongsToSession(signal, turn)) {
          host.log.debug('turn-end signal of another thread; ignored', { source: this.source.name });
          return;
        }
        return this.endTurn(signal);
      default:
        return;
    }
  }

  private endTurn(signal: Extract<AgentSignal, { kind: 'turn_ended' }>): void {
    const turn = this.host.currentTurn();
    if (!turn) {
      this.host.log.debug('turn-end signal with no turn running');
      return;
    }
    Object.assign(turn.hooks, { live: true, stopSeen: true, permissionPending: false });
    if (turn.hooks.screenReadyAt !== undefined) this.host.log.debug('turn-end signal after the screen showed the prompt', { source: this.source.name, afterScreenMs: Date.now() - turn.hooks.screenReadyAt });
    if (turn.phase === 'delivering') {
      turn.hooks.stopDuringDelivery = signal;
      return;
    }
    if (turn.hooks.usedTools) {
      // The CLI's record of the last message leaves out the tool's output, which the screen's reply
      // shows: the screen ends a tool turn (at once if it already shows the prompt).
      if (turn.waitingForStop) {
        turn.cancelStopWait();
        this.host.enterReady();
      }
      return;
    }
    void this.finishFromRecord(turn, signal);
  }

  /** Ends a text turn on its turn-end signal, with the reply from the CLI's record (the screen's if that has none in time). */
  private async finishFromRecord(turn: Turn, signal: Extract<AgentSignal, { kind: 'turn_ended' }>): Promise<void> {
    const { host } = this;
    turn.hooks.finishing = true;
    turn.cancelStopWait();
    const reply = await this.source.reply(signal, turn);
    if (host.currentTurn() !== turn || host.exited() || host.status() === 'stopping') return;
    if (reply === undefined) host.log.debug('no reply in the CLI record in time; using the screen reply', { source: this.source.name });
    if (host.status() === 'waiting_input') host.log.debug('turn-end signal while the screen shows a question; the signal wins');
    host.log.debug('turn ended by its turn-end signal', { source: this.source.name, screen: host.committedScreenKind(), replyFromRecord: reply !== undefined });
    host.finishTurn(turn, reply);
    this.readyUnconfirmed = host.committedScreenKind() !== 'ready';
    if (host.status() === 'busy' || host.status() === 'waiting_input') host.setStatus('ready');
  }
}

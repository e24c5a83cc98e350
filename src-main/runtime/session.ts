import * as pty from 'node-pty';
import { MAX_MESSAGE_CHARS } from '../../src-shared/limits';
import {
  isValidTerminalSize,
  MAX_COLS,
  MAX_ROWS,
  MIN_COLS,
  MIN_ROWS,
  type AgentHandle,
  type AgentMessage,
  type AgentStatus,
  type AgentType,
  type AutoRespondConfig,
  type LoginInfo,
  type PendingQuestion,
} from '../../src-shared/agent';
import type { RuntimeEvent } from '../../src-shared/events';
import { keysToSequences, PASTE_END, PASTE_START, UnknownKeyError } from '../../src-shared/keys';
import type { ClassifyContext, CliAdapter, DetectedPrompt, ScreenState } from './adapters/types';
import { SESSION_MARKER_VARIABLE } from './env';
import { RuntimeError } from './errors';
import type { Logger } from './logger';
import { OutputBuffer } from './output-buffer';
import { judgeLogin, loginTrustPolicy, type LoginTrustPolicy } from './detect/login-trust';
import { OwnedProcesses } from './process/owned-processes';
import { DrainingPty } from './pty-drain';
import { joinWrapped, ScreenModel } from './screen/screen-model';
import { StateTracker } from './state-tracker';
import { DEFAULT_STILLNESS, StillnessWatchdog, type StillnessOptions } from './stillness-watchdog';
import { unknownDialog } from './detect/unknown-dialog';
import { TranscriptWriter } from './transcript';

/**
 * One agent: a PTY running a CLI, the screen model fed by it, the state tracker reading the screen,
 * and the logic that turns screen states into lifecycle statuses and events.
 */

export interface SessionInit {
  id: string;
  name: string;
  type: AgentType;
  adapter: CliAdapter;
  /** Resolved executable path. */
  executable: string;
  args: string[];
  env: Record<string, string>;
  workdir: string;
  cols: number;
  rows: number;
  scrollback: number;
  role?: string;
  capabilities: string[];
  autoRespond: AutoRespondConfig;
  keyFromRuntime: boolean;
  version?: string;
  transcript?: { dir: string; maxBytes: number; keepParts: number };
  /** When a still, busy screen becomes an unknown question or a stall (default DEFAULT_STILLNESS). */
  stillness?: StillnessOptions;
  logger: Logger;
  emit: (event: RuntimeEvent) => void;
}

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

export interface StopOptions {
  timeoutMs: number;
  force?: boolean;
}

/** VALIDATION_ERROR unless the size is within the contract's limits (src-shared/agent.ts). */
export function assertTerminalSize(cols: number, rows: number): void {
  if (!isValidTerminalSize(cols, rows)) {
    throw new RuntimeError('VALIDATION_ERROR', `Terminal size must be ${MIN_COLS}–${MAX_COLS} columns by ${MIN_ROWS}–${MAX_ROWS} rows.`, { cols, rows });
  }
}

/** Gap between keys of a sequence: TUIs that parse input per read would merge a burst into garbage. */
const KEY_GAP_MS = 50;
/**
 * Output this soon after a resize is taken as the program redrawing for its new size. A program
 * redraws within a few ms of SIGWINCH; 250 ms leaves room on a loaded machine.
 */
const RESIZE_REDRAW_WINDOW_MS = 250;
/** How long an auto-answered prompt may stay on screen before we press its keys again. */
const AUTO_ANSWER_RETRY_MS = 1_500;
const AUTO_ANSWER_MAX_TRIES = 3;
/** Waits of the delivery protocol (see deliver()). */
const ECHO_WAIT_MS = 1_500;
const SUBMIT_VERIFY_MS = 1_200;
/** After the PTY exits, leftover session processes get this long after SIGTERM before SIGKILL. */
const STRAGGLER_GRACE_MS = 1_500;

interface Turn {
  message?: string;
  tapStart: number;
  phase: 'delivering' | 'running';
  waiter?: {
    resolve: (result: SendResult) => void;
    reject: (error: Error) => void;
    timer: NodeJS.Timeout;
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class AgentSession {
  readonly id: string;
  readonly name: string;
  readonly type: AgentType;
  readonly adapter: CliAdapter;
  readonly workdir: string;
  readonly createdAt = new Date();
  status: AgentStatus = 'pending';
  cols: number;
  rows: number;
  readonly screen: ScreenModel;

  private readonly init: SessionInit;
  private readonly log: Logger;
  private ptyProcess: pty.IPty | undefined;
  /** Pause/resume go through here: once the program exits, its last output is read to the end. */
  private ptyFlow: DrainingPty | undefined;
  private readonly rawOutput = new OutputBuffer(256 * 1024);
  private transcript: TranscriptWriter | undefined;
  private tracker: StateTracker | undefined;
  private watchdog: StillnessWatchdog | undefined;
  /** The current question came from the watchdog: the next screen change re-reads the screen. */
  private stillQuestion = false;
  /** Last screen change of a busy agent reported as stalled (ms), while it lasts. */
  private stalledSince: number | undefined;
  private readonly dataListeners = new Set<(data: string) => void>();
  private readonly flowHolds = new Set<string>();
  private snapshotCount = 0;
  private turn: Turn | undefined;
  private messageCount = 0;
  private everReady = false;
  private automationPaused = false;
  private question: PendingQuestion | undefined;
  private login: LoginInfo | undefined;
  /** Which login URLs this spawn vouches for (its adapter's provider hosts and configured base URLs). */
  private readonly loginTrust: LoginTrustPolicy | undefined;
  /** The last login the CLI asked for, kept after it stopped asking (or died asking). */
  private lastLogin: LoginInfo | undefined;
  /** Why the process ended (`normal exit`, `exit code 1`, `stopped`, …). */
  private stopReason: string | undefined;
  private readonly autoAnswers = new Map<string, { tries: number; at: number }>();
  private lastOutputAt = Date.now();
  /** When the terminal last changed size (0: never); output soon after is the program redrawing. */
  private resizedAt = 0;
  private outputCharCount = 0;
  private startedAt: Date | undefined;
  /** Last output or input (ms); 0 before start. A number: it is set on every chunk of output. */
  private lastActivityMs = 0;
  private stoppedAt: Date | undefined;
  private exitCode: number | null | undefined;
  private errorMessage: string | undefined;
  private stopRequested = false;
  private stopPromise: Promise<void> | undefined;
  /** Every signal to the agent's processes goes through this (it checks they are still ours). */
  private processes: OwnedProcesses | undefined;
  private exited = false;
  private exitHandled = false;
  private readonly exitWaiters: (() => void)[] = [];
  /** Lines kept after the screen model is released at exit, so logs stay available. */
  private finalLines: string[] | undefined;

  constructor(init: SessionInit) {
    this.init = init;
    this.id = init.id;
    this.name = init.name;
    this.type = init.type;
    this.adapter = init.adapter;
    this.workdir = init.workdir;
    this.cols = init.cols;
    this.rows = init.rows;
    this.log = init.logger.child({ agentId: init.id, type: init.type });
    this.loginTrust = loginTrustPolicy(init.adapter.loginTrust, init.env, init.args);
    this.screen = new ScreenModel({ cols: init.cols, rows: init.rows, scrollback: init.scrollback });
    this.screen.onBackpressure((paused) => (paused ? this.holdFlow('screen') : this.releaseFlow('screen')));
  }

  // ───────────────────────────── lifecycle ─────────────────────────────

  /** Spawns the PTY. Throws SPAWN_FAILED (the caller reports it). */
  start(): void {
    try {
      this.ptyProcess = pty.spawn(this.init.executable, this.init.args, {
        name: 'xterm-256color',
        cols: this.cols,
        rows: this.rows,
        cwd: this.workdir,
        env: this.init.env,
      });
    } catch (error) {
      this.errorMessage = error instanceof Error ? error.message : String(error);
      this.status = 'error';
      this.screen.dispose();
      throw new RuntimeError('SPAWN_FAILED', `Could not start ${this.adapter.displayName}: ${this.errorMessage}`, {
        command: this.init.executable,
      });
    }
    // Recorded at once: the start time read now is what every later signal is checked against.
    this.processes = new OwnedProcesses(this.ptyProcess.pid, { name: SESSION_MARKER_VARIABLE, value: this.id });
    this.ptyFlow = new DrainingPty(this.ptyProcess, (drain) => this.log.debug('draining the PTY after exit', drain));
    this.startedAt = new Date();
    this.lastActivityMs = this.startedAt.getTime();
    if (this.init.transcript) {
      try {
        this.transcript = new TranscriptWriter({
          dir: this.init.transcript.dir,
          cols: this.cols,
          rows: this.rows,
          maxBytes: this.init.transcript.maxBytes,
          keepParts: this.init.transcript.keepParts,
          meta: {
            id: this.id,
            name: this.name,
            type: this.type,
            workdir: this.workdir,
            command: this.init.executable,
            args: this.init.args,
            createdAt: this.createdAt.toISOString(),
          },
        });
      } catch (error) {
        this.log.warn('transcript disabled', { error: String(error) });
      }
    }
    // The transcript records what the screen model parses: every byte, except the middle of a
    // plain-text flood that scrolls out of the scrollback unseen (see feed-queue.ts), where a
    // marker says how much was skipped. Encoding 60+ MB/s of JSON would otherwise cost a
    // fifth of the flood's throughput on a 2-core machine, for lines no screen ever showed.
    const transcript = this.transcript;
    if (transcript) {
      let skipped = 0;
      this.screen.onDropped((chars) => (skipped += chars));
      this.screen.onFed((data) => {
        if (skipped > 0) transcript.marker(`flood: ${skipped} characters scrolled past unseen and were not recorded`);
        skipped = 0;
        transcript.output(data);
      });
    }
    const proc = this.ptyProcess;
    proc.onData((data) => this.handleOutput(data));
    proc.onExit(({ exitCode, signal }) => void this.handleExit(exitCode, signal));
    this.tracker = new StateTracker(this.adapter, this.screen, () => this.classifyContext(), (state) => this.handleState(state));
    this.startWatchdog();
    this.setStatus('starting');
    this.emit({ type: 'agent_started' });
    this.log.info('agent started', { pid: proc.pid, command: this.init.executable, args: this.init.args });
  }

  /** See stillness-watchdog.ts: a busy agent whose screen stops moving is asked about, or reported. */
  private startWatchdog(): void {
    const watchdog = new StillnessWatchdog(this.init.stillness ?? DEFAULT_STILLNESS, {
      lookForDialog: () => (this.exited ? undefined : unknownDialog(this.screen.snapshot())),
      onDialog: (prompt) => {
        if (this.status !== 'busy') return;
        this.log.info('unknown dialog on a still screen', { question: prompt.question, options: prompt.options.map((o) => o.label) });
        this.handlePrompt(prompt);
        // handlePrompt sets the question when it goes to waiting_input.
        this.stillQuestion = this.question?.question === prompt.question;
      },
      onStalled: (stillForMs, since) => {
        this.stalledSince = since;
        this.log.warn('agent stalled', { stillForMs });
        this.emit({ type: 'agent_stalled', stillForMs, screenTail: this.screen.recentLines(8).join('\n') });
      },
      onStallCleared: () => (this.stalledSince = undefined),
    });
    this.watchdog = watchdog;
    this.screen.onChange(() => {
      watchdog.touch();
      // The tracker still holds `busy` from before the dialog: a change must be judged afresh.
      if (this.stillQuestion) {
        this.stillQuestion = false;
        if (this.status === 'waiting_input') this.tracker?.recommit();
      }
    });
  }

  private classifyContext(): ClassifyContext {
    return {
      workdir: this.workdir,
      keyFromRuntime: this.init.keyFromRuntime,
      turn: this.turn?.phase === 'running' ? { message: this.turn.message ?? '', lines: () => this.turnLines() } : undefined,
      quietMs: Date.now() - this.lastOutputAt,
      startup: !this.everReady,
      awaitingLogin: this.status === 'authenticating',
    };
  }

  private handleOutput(data: string): void {
    const now = Date.now();
    // A program answers SIGWINCH by redrawing its screen (Python re-prints its `... ` prompt). That
    // is not work: counting it would turn a quiet-ready agent busy, and a UI that lays itself out
    // by status would resize again — a feedback loop. So the redraw does not restart the quiet clock.
    if (now - this.resizedAt > RESIZE_REDRAW_WINDOW_MS) this.lastOutputAt = now;
    this.lastActivityMs = now;
    this.outputCharCount += data.length;
    this.rawOutput.append(data);
    this.screen.write(data);
    for (const listener of this.dataListeners) listener(data);
  }

  private async handleExit(exitCode: number, signal: number | undefined): Promise<void> {
    // From here on the child's PID may belong to someone else.
    this.processes?.markRootExited();
    if (this.exited) return;
    // Let the screen catch up with the last output before judging the final screen.
    await this.screen.flush();
    this.tracker?.dispose();
    this.watchdog?.dispose();
    this.exited = true;
    this.exitCode = signal ? null : exitCode;
    this.stoppedAt = new Date();
    const wasReady = this.everReady;
    const finalScreen = this.screen.snapshot();
    this.finalLines = this.screen.recentLines(2_000);

    if (!this.stopRequested && !wasReady && this.adapter.loginOnExit) {
      const found = this.adapter.loginOnExit(finalScreen);
      if (found) {
        const login = judgeLogin(found, this.loginTrust);
        this.login = login;
        this.lastLogin = login;
        this.emitLoginRequired(login);
      }
    }
    const reason = this.stopRequested
      ? 'stopped'
      : signal
        ? `killed by signal ${signal}`
        : exitCode === 0
          ? 'normal exit'
          : `exit code ${exitCode}`;
    this.stopReason = reason;
    this.failTurn(new RuntimeError('AGENT_NOT_READY', `The agent exited (${reason}) before the turn ended.`));
    if (!this.stopRequested && !wasReady && (signal || exitCode !== 0)) {
      if (this.lastLogin) {
        // login_required already went out (and, to Raven, requires_login): no second alarm, but the
        // handle keeps why the agent is gone and what would fix it.
        this.errorMessage = `${this.adapter.displayName} exited during start-up (${reason}) while it needed a login: ${this.lastLogin.instructions}`;
      } else {
        this.errorMessage = `${this.adapter.displayName} exited during start-up (${reason}).${lastWords(this.finalLines)}`;
        this.emit({ type: 'agent_error', error: this.errorMessage, code: 'SPAWN_FAILED' });
      }
    }
    this.question = undefined;
    // The transcript is complete on disk before anyone hears the agent stopped.
    await this.transcript?.close(this.exitCode);
    this.setStatus('stopped');
    this.emit({ type: 'agent_stopped', reason, exitCode: this.exitCode });
    this.log.info('agent stopped', { reason, exitCode: this.exitCode });
    this.screen.dispose();
    this.exitHandled = true;
    for (const waiter of this.exitWaiters.splice(0)) waiter();
  }

  /** Resolves once the exit is fully handled (events sent, transcript closed), or after the timeout. */
  private waitForExit(timeoutMs: number): Promise<boolean> {
    if (this.exitHandled) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.exitWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  get isExited(): boolean {
    return this.exited;
  }

  /** The exit is fully handled: `agent_stopped` went out and the transcript is closed. */
  get hasFinishedExit(): boolean {
    return this.exitHandled;
  }

  /**
   * Stops the CLI and everything it started: SIGTERM to the process group, the process tree and
   * any process carrying this session's marker, each checked right before the signal to still be
   * this session's (docs/processes.md); SIGKILL to whatever is left after `timeoutMs`.
   * Calling it again while it runs returns the same promise; after exit it resolves at once.
   */
  stop(options: StopOptions): Promise<void> {
    if (this.stopPromise) return this.stopPromise;
    const processes = this.processes;
    if (!processes) return Promise.resolve();
    // Exited by itself: wait until its exit is fully handled, then clear up stragglers.
    if (this.exited) return this.waitForExit(10_000).then(() => processes.reap(STRAGGLER_GRACE_MS));
    this.stopRequested = true;
    this.setStatus('stopping');
    this.failTurn(new RuntimeError('AGENT_NOT_READY', 'The agent is being stopped.'));
    this.stopPromise = (async () => {
      if (options.force) {
        processes.signalAll('SIGKILL');
      } else {
        // SIGHUP is what a closing terminal sends (interactive shells ignore SIGTERM but not this);
        // SIGTERM is what well-behaved CLIs and their children expect.
        processes.signalGroup('SIGHUP');
        processes.signalAll('SIGTERM');
      }
      if (!(await this.waitForExit(options.force ? 2_000 : options.timeoutMs))) {
        this.log.warn('agent ignored SIGTERM; killing', { pid: this.ptyProcess?.pid });
        processes.signalAll('SIGKILL');
        await this.waitForExit(5_000);
      }
      await processes.reap(STRAGGLER_GRACE_MS);
    })();
    return this.stopPromise;
  }

  /** Processes of this session still alive (diagnostics and tests). */
  liveProcesses(): number[] {
    return this.processes?.members() ?? [];
  }

  /** Test seam: the session believes its PTY child had `pid` (PID reuse, without waiting for the kernel). */
  simulateRecycledPid(pid: number): void {
    this.processes?.simulateRecycledRootPid(pid);
  }

  // ───────────────────────────── state machine ─────────────────────────────

  private setStatus(next: AgentStatus): void {
    const previous = this.status;
    if (previous === next) return;
    this.status = next;
    this.watchdog?.setWatching(next === 'busy');
    if (next !== 'waiting_input') this.question = undefined;
    if (next !== 'authenticating') this.login = undefined;
    this.emit({ type: 'status_changed', status: next, previous });
  }

  private handleState(state: ScreenState): void {
    if (this.exited || this.status === 'stopping') return;
    const turn = this.turn;
    if (turn?.phase === 'delivering' && (state.kind === 'ready' || state.kind === 'busy' || state.kind === 'starting')) return;

    switch (state.kind) {
      case 'starting':
        return;
      case 'login':
        return this.enterLogin(state.login);
      case 'prompt':
        return this.handlePrompt(state.prompt);
      case 'busy':
        if (this.status === 'ready' || this.status === 'waiting_input') {
          if (!this.turn) this.turn = { tapStart: this.screen.tapPosition, phase: 'running' };
          this.setStatus('busy');
        }
        return;
      case 'ready':
        return this.enterReady();
    }
  }

  private emitLoginRequired(login: LoginInfo): void {
    const { loginUrl, trusted, deviceCode, instructions, method } = login;
    this.emit({ type: 'login_required', loginUrl, trusted, deviceCode, instructions, method });
  }

  private enterLogin(found: LoginInfo): void {
    const login = judgeLogin(found, this.loginTrust);
    const same =
      this.status === 'authenticating' &&
      this.login?.method === login.method &&
      this.login?.loginUrl === login.loginUrl &&
      this.login?.deviceCode === login.deviceCode &&
      optionLabels(this.login?.options) === optionLabels(login.options);
    if (same) return;
    this.failTurn(new RuntimeError('AUTH_REQUIRED', `${this.adapter.displayName} needs a login: ${login.instructions}`, { ...login }));
    this.setStatus('authenticating');
    this.login = login;
    this.lastLogin = login;
    this.emitLoginRequired(login);
    this.log.info('login required', { method: login.method, hasUrl: Boolean(login.loginUrl), trusted: login.trusted, hasCode: Boolean(login.deviceCode) });
  }

  private handlePrompt(prompt: DetectedPrompt): void {
    const auto = prompt.autoAnswer;
    if (auto && this.init.autoRespond[auto.category] && !this.automationPaused) {
      const previous = this.autoAnswers.get(prompt.fingerprint);
      if (!previous || previous.tries < AUTO_ANSWER_MAX_TRIES) {
        const tries = (previous?.tries ?? 0) + 1;
        this.autoAnswers.set(prompt.fingerprint, { tries, at: Date.now() });
        this.emit({ type: 'blocking_prompt', prompt: prompt.question, rule: auto.rule, autoResponded: true });
        this.log.info('auto-responding', { rule: auto.rule, keys: auto.keys, tries });
        const answeredAt = Date.now();
        void this.pressKeys(auto.keys);
        // If the CLI printed nothing at all since, the keys were lost (Codex drops fast input):
        // answer again. Any output means they arrived, even if the dialog is still drawn (Gemini
        // leaves an answered dialog on screen while it restarts), and pressing again would land
        // on whatever comes next.
        setTimeout(() => {
          if (this.exited || this.lastOutputAt > answeredAt + KEY_GAP_MS * auto.keys.length) return;
          if (this.tracker?.committed === `prompt:${prompt.fingerprint}`) this.tracker.recommit();
        }, AUTO_ANSWER_RETRY_MS).unref();
        return;
      }
    }
    const question: PendingQuestion = { question: prompt.question, options: prompt.options, kind: prompt.kind };
    const wasSame = this.status === 'waiting_input' && this.question?.question === question.question;
    if (wasSame) return;
    this.setStatus('waiting_input');
    this.question = question;
    this.emit({ type: 'blocking_prompt', prompt: prompt.question, autoResponded: false });
    this.emit({ type: 'question', question: question.question, options: question.options, kind: question.kind });
    const waiter = this.turn?.waiter;
    if (waiter) {
      this.turn!.waiter = undefined;
      clearTimeout(waiter.timer);
      const partial = this.currentReply();
      waiter.resolve({ status: 'waiting_input', response: partial, message: this.newMessage('outbound', 'question', partial, this.turn?.message), question });
    }
  }

  private enterReady(): void {
    const startup = !this.everReady || this.status === 'authenticating' || this.status === 'starting';
    const turn = this.turn;
    if (turn && turn.phase === 'running') this.finishTurn(turn);
    this.setStatus('ready');
    if (startup) {
      this.everReady = true;
      this.emit({ type: 'agent_ready', runtimeSessionId: this.id });
      this.log.info('agent ready');
    }
  }

  // ───────────────────────────── turns ─────────────────────────────

  /** Lines that passed through the screen since the turn began, then the screen. */
  private turnLines(): string[] {
    const turn = this.turn;
    if (!turn) return [];
    const snapshot = this.screen.snapshot();
    const rows = [
      ...this.screen.rowsSince(turn.tapStart),
      ...snapshot.rowTexts.map((text, i) => ({ text, wrapped: snapshot.wrapped[i] })),
    ];
    const lines = joinWrapped(rows);
    while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
    return lines;
  }

  private currentReply(): string {
    const turn = this.turn;
    if (!turn) return '';
    try {
      return this.adapter.extractReply({ message: turn.message, lines: this.turnLines() });
    } catch (error) {
      this.log.warn('reply extraction failed', { error: String(error) });
      return '';
    }
  }

  private finishTurn(turn: Turn): void {
    const content = this.currentReply();
    this.turn = undefined;
    const message = this.newMessage('outbound', 'response', content, turn.message);
    this.emit({ type: 'message', content, inReplyTo: turn.message, message });
    const waiter = turn.waiter;
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve({ status: 'ready', response: content, message });
    }
  }

  private newMessage(direction: AgentMessage['direction'], type: AgentMessage['type'], content: string, inReplyTo?: string): AgentMessage {
    const message: AgentMessage = { id: `${this.id}-msg-${++this.messageCount}`, agentId: this.id, direction, type, content, timestamp: new Date().toISOString() };
    if (inReplyTo !== undefined) message.inReplyTo = inReplyTo;
    return message;
  }

  private failTurn(error: RuntimeError): void {
    const turn = this.turn;
    if (!turn) return;
    const waiter = turn.waiter;
    const partial = this.exited ? '' : this.currentReply();
    this.turn = undefined;
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.reject(new RuntimeError(error.code, error.message, { ...error.details, partialResponse: partial }));
    }
  }

  /**
   * Delivers a message and waits for the turn to end (or for a question). Only in `ready`.
   */
  async send(message: string, options: SendOptions): Promise<SendResult> {
    if (typeof message !== 'string' || message.trim() === '') throw new RuntimeError('VALIDATION_ERROR', 'The message is empty.');
    if (message.length > MAX_MESSAGE_CHARS) {
      throw new RuntimeError('VALIDATION_ERROR', `The message is longer than ${MAX_MESSAGE_CHARS} characters.`, { length: message.length });
    }
    if (this.status === 'authenticating') {
      throw new RuntimeError('AUTH_REQUIRED', `${this.name} is waiting for a login.`, { ...this.login });
    }
    if (this.status !== 'ready' || this.turn) {
      throw new RuntimeError('AGENT_NOT_READY', `${this.name} is ${this.status}; messages can only be sent when it is ready.`, { status: this.status });
    }
    if (this.automationPaused) {
      throw new RuntimeError('AGENT_NOT_READY', `${this.name} is paused: a person has taken over its terminal.`, { status: this.status, paused: true });
    }
    const text = message.replace(/\r\n?/g, '\n').trim();
    const turn: Turn = { message: text, tapStart: this.screen.tapPosition, phase: 'delivering' };
    this.turn = turn;
    this.setStatus('busy');

    const result = new Promise<SendResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.turn !== turn) return;
        turn.waiter = undefined;
        reject(
          new RuntimeError('TIMEOUT', `No complete reply within ${options.timeoutMs} ms.`, {
            timeoutMs: options.timeoutMs,
            partialResponse: this.currentReply(),
            status: this.status,
          }),
        );
      }, options.timeoutMs);
      timer.unref();
      turn.waiter = { resolve, reject, timer };
    });
    // Keep an early rejection (the agent exits mid-delivery) from counting as unhandled.
    result.catch(() => undefined);

    try {
      await this.deliver(text);
    } catch (error) {
      this.failTurn(error instanceof RuntimeError ? error : new RuntimeError('AGENT_NOT_READY', String(error)));
      return result;
    }
    if (this.turn !== turn) return result; // the turn ended or failed during delivery
    turn.phase = 'running';
    // The screen may look "ready" exactly as before the message; let the adapter judge it afresh
    // with the turn in context.
    this.tracker?.recommit();
    if (options.expectResponse === false) {
      const waiter = turn.waiter;
      if (waiter) {
        turn.waiter = undefined;
        clearTimeout(waiter.timer);
        waiter.resolve({ status: this.status, response: '', message: this.newMessage('inbound', 'task', text) });
      }
    }
    return result;
  }

  /**
   * Types the message, waits until the input box shows it, pauses, presses Enter and checks that
   * the input left the box, pressing Enter once more if not. Codex, for one, takes an Enter that
   * follows typed text too closely as part of a paste and inserts a newline instead of submitting.
   */
  private async deliver(text: string): Promise<void> {
    const before = this.adapter.inputText(this.screen.snapshot());
    const paste = (text.includes('\n') || text.length > 200) && this.screen.modes.bracketedPaste;
    this.writeInput(paste ? PASTE_START + text + PASTE_END : text);
    if (this.adapter.inputText(this.screen.snapshot()) !== undefined || before !== undefined) {
      await this.waitForScreen(() => {
        const now = this.adapter.inputText(this.screen.snapshot());
        return now !== undefined && now !== '' && now !== before;
      }, ECHO_WAIT_MS);
    }
    await delay(this.adapter.enterDelayMs + Math.min(Math.ceil(text.length / 1000) * 25, 300));
    this.assertDeliverable();
    this.writeInput('\r');
    if (await this.waitForScreen(() => this.submitted(text), SUBMIT_VERIFY_MS)) return;
    this.assertDeliverable();
    this.log.info('input still in the box after Enter; pressing Enter again');
    this.writeInput('\r');
    await this.waitForScreen(() => this.submitted(text), SUBMIT_VERIFY_MS);
  }

  private assertDeliverable(): void {
    if (this.exited || this.status === 'stopping') throw new RuntimeError('AGENT_NOT_READY', 'The agent stopped while the message was being delivered.');
  }

  private submitted(text: string): boolean {
    const snapshot = this.screen.snapshot();
    const box = this.adapter.inputText(snapshot);
    if (box === undefined || box === '') return true;
    const probe = text.split('\n')[0].slice(0, 20);
    return !box.includes(probe) && !box.includes('Pasted text');
  }

  private waitForScreen(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    if (predicate()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (value: boolean) => {
        clearTimeout(timer);
        unsubscribe();
        resolve(value);
      };
      const timer = setTimeout(() => finish(predicate()), timeoutMs);
      const unsubscribe = this.screen.onChange(() => {
        if (this.exited || predicate()) finish(!this.exited);
      });
    });
  }

  // ───────────────────────────── input and control ─────────────────────────────

  private writeInput(data: string): void {
    if (!this.ptyProcess || this.exited) return;
    this.lastActivityMs = Date.now();
    this.transcript?.input(data);
    this.ptyProcess.write(data);
  }

  private async pressKeys(keys: readonly string[]): Promise<void> {
    const sequences = keysToSequences(keys, { applicationCursorKeys: this.screen.modes.applicationCursorKeys });
    for (let i = 0; i < sequences.length; i++) {
      if (i > 0) await delay(KEY_GAP_MS);
      this.writeInput(sequences[i]);
    }
  }

  private assertRunning(): void {
    if (this.exited || !this.ptyProcess) throw new RuntimeError('AGENT_NOT_READY', `${this.name} is not running (${this.status}).`, { status: this.status });
  }

  /** Presses keys by name (see src-shared/keys.ts). A person answering a question does it this way. */
  async sendKeys(keys: readonly string[]): Promise<void> {
    this.assertRunning();
    if (keys.length === 0) throw new RuntimeError('VALIDATION_ERROR', 'No keys given.');
    try {
      keysToSequences(keys);
    } catch (error) {
      if (error instanceof UnknownKeyError) throw new RuntimeError('VALIDATION_ERROR', error.message, { key: error.keyName });
      throw error;
    }
    this.afterHumanInput();
    await this.pressKeys(keys);
  }

  /** Raw input, exactly as given (the terminal WebSocket uses this). */
  write(data: string): void {
    this.assertRunning();
    this.afterHumanInput();
    this.writeInput(data);
  }

  /** Input from outside the delivery protocol may answer a question: look at the screen again soon. */
  private afterHumanInput(): void {
    if (this.status === 'waiting_input') this.tracker?.recommit();
  }

  resize(cols: number, rows: number): void {
    this.assertRunning();
    assertTerminalSize(cols, rows);
    if (cols === this.cols && rows === this.rows) return;
    this.cols = cols;
    this.rows = rows;
    this.resizedAt = Date.now();
    this.ptyProcess!.resize(cols, rows);
    this.screen.resize(cols, rows);
    this.transcript?.resize(cols, rows);
    this.emit({ type: 'terminal_resized', cols, rows });
  }

  pause(): void {
    this.automationPaused = true;
  }

  resume(): void {
    this.automationPaused = false;
    this.tracker?.recommit();
  }

  get paused(): boolean {
    return this.automationPaused;
  }

  // ───────────────────────────── output ─────────────────────────────

  /** The last 256 KB of raw output (escape sequences included). */
  output(): string {
    return this.rawOutput.toString();
  }

  /** The last `count` lines as a person saw them, without escape sequences. */
  logs(count: number): string[] {
    if (this.finalLines) return this.finalLines.slice(-count);
    return this.screen.recentLines(count);
  }

  /** The current screen as escape sequences (for a viewer that attaches late). */
  snapshotForViewer(scrollback = 200): string {
    if (this.exited) return '';
    return this.screen.serialize(scrollback);
  }

  /**
   * The screen once everything received so far has been parsed. The PTY is held meanwhile (at most
   * `maxWaitMs`), so a viewer that takes this snapshot and then the live output sees each byte once.
   */
  async settledSnapshot(maxWaitMs = 1_000, scrollback = 200): Promise<string> {
    const token = `snapshot:${++this.snapshotCount}`;
    this.holdFlow(token);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([this.screen.flush(), new Promise<void>((resolve) => (timer = setTimeout(resolve, maxWaitMs)))]);
      return this.snapshotForViewer(scrollback);
    } finally {
      clearTimeout(timer);
      this.releaseFlow(token);
    }
  }

  /** Characters of PTY output since spawn (for metrics). */
  get outputChars(): number {
    return this.outputCharCount;
  }

  /** Raw output as it arrives. Returns an unsubscribe function. */
  onData(listener: (data: string) => void): () => void {
    this.dataListeners.add(listener);
    return () => this.dataListeners.delete(listener);
  }

  /** Pause reading from the PTY while any hold exists (screen model or a slow viewer). */
  holdFlow(token: string): void {
    this.flowHolds.add(token);
    if (this.flowHolds.size === 1 && !this.exited) this.ptyFlow?.pause();
  }

  releaseFlow(token: string): void {
    if (!this.flowHolds.delete(token)) return;
    if (this.flowHolds.size === 0 && !this.exited) this.ptyFlow?.resume();
  }

  // ───────────────────────────── handle ─────────────────────────────

  handle(): AgentHandle {
    return {
      id: this.id,
      runtimeSessionId: this.id,
      name: this.name,
      type: this.type,
      status: this.status,
      pid: this.ptyProcess?.pid,
      role: this.init.role,
      capabilities: [...this.init.capabilities],
      workdir: this.workdir,
      command: this.init.executable,
      args: [...this.init.args],
      cols: this.cols,
      rows: this.rows,
      createdAt: this.createdAt.toISOString(),
      startedAt: this.startedAt?.toISOString(),
      lastActivityAt: this.lastActivityMs > 0 ? new Date(this.lastActivityMs).toISOString() : undefined,
      stoppedAt: this.stoppedAt?.toISOString(),
      exitCode: this.exitCode,
      reason: this.stopReason,
      error: this.errorMessage,
      version: this.init.version,
      automationPaused: this.automationPaused,
      question: this.status === 'waiting_input' ? this.question : undefined,
      login: this.status === 'authenticating' ? this.login : undefined,
      lastLogin: this.lastLogin,
      stalledSince: this.stalledSince !== undefined ? new Date(this.stalledSince).toISOString() : undefined,
    };
  }

  private emit(event: DistributiveOmit<RuntimeEvent, 'agentId' | 'agent'>): void {
    const agent = this.handle();
    this.init.emit({ ...event, agentId: this.id, agent } as RuntimeEvent);
  }
}

/** A login screen that now offers choices (a method chooser) is news even with the same URL. */
function optionLabels(options: LoginInfo['options']): string {
  return (options ?? []).map((option) => option.label).join('\n');
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * The last few non-blank lines a CLI printed before it died, for the start-up error: a bare exit
 * code tells a person nothing, while "No input provided via stdin" or a stack trace's first line
 * says what to fix.
 */
function lastWords(lines: readonly string[]): string {
  const said = lines.map((line) => line.trim()).filter((line) => line.length > 0).slice(-3).join(' | ');
  if (said.length === 0) return '';
  return ` Its last output: ${said.length > 400 ? `…${said.slice(-400)}` : said}`;
}

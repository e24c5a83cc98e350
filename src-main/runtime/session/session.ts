import type { AgentHandle, AgentStatus, AgentType, LoginInfo, PendingQuestion } from '../../../src-shared/agent';
import type { RuntimeEvent } from '../../../src-shared/events';
import { keysToSequences, UnknownKeyError } from '../../../src-shared/keys';
import type { ClassifyContext, CliAdapter, DetectedPrompt, ScreenState } from '../adapters/types';
import { unknownDialog } from '../detect/unknown-dialog';
import { RuntimeError } from '../errors';
import type { Logger } from '../logger';
import { ScreenModel } from '../screen/screen-model';
import { StateTracker, type ClassifyContextSource } from '../state-tracker';
import { AutoAnswerer } from './auto-answer';
import { deliver } from './delivery';
import { judgeExit } from './exit';
import { buildHandle } from './handle';
import { TerminalInput } from './input';
import { IsolationWatch } from './isolation-watch';
import type { AgentSignal } from '../signals/signal';
import { LoginState } from './login';
import { SessionOutput } from './output';
import { PtyProcess, type PtyExit } from './pty-process';
import { Recording } from './recording';
import { MAX_MESSAGE_CHARS } from '../../../src-shared/limits';
import { assertTerminalSize, type SessionInit, type StopOptions } from './session-init';
import { DEFAULT_STILLNESS, StillnessWatchdog, type StillnessHandlers } from './stillness-watchdog';
import { SignalFusion, type FusionHost } from './signal-fusion';
import { replySourceFor } from './signal-replies';
import { MessageFactory, Turn, type SendOptions, type SendResult } from './turn';

export type { SendOptions, SendResult } from './turn';
export { assertTerminalSize, type SessionInit, type StopOptions } from './session-init';

/** SIGTERM → SIGKILL grace for an agent stopped because it hit a resource limit (it is misbehaving already). */
const LIMIT_STOP_MS = 2_000;

/**
 * One agent: a PTY running a CLI, the screen model fed by it, the state tracker reading the screen,
 * and the state machine that turns committed screen states — fused with the CLI's structured
 * signals where it has them (signal-fusion.ts) — into lifecycle statuses and events.
 * This file is the façade and the state machine; each other job is in its own file of this folder
 * (docs/architecture.md lists them along the path of a PTY byte and of a `send`).
 *
 * Why it is over 400 lines: about half is the public API the manager and the server call (guards
 * and one-line delegations to the parts); the rest is the state machine (setStatus, handleState,
 * enterLogin, handlePrompt, enterReady, finishing and failing turns, handling the exit), whose steps
 * all read and write the same status, turn and question, and are easier to check side by side than
 * spread over files that would each need all of that state.
 */

/** The parts that exist only once the program runs. */
interface Running {
  pty: PtyProcess;
  input: TerminalInput;
  recording: Recording | undefined;
  tracker: StateTracker;
  watchdog: StillnessWatchdog;
  autoAnswerer: AutoAnswerer;
}

export class AgentSession implements ClassifyContextSource {
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
  private readonly ptyOutput: SessionOutput;
  private readonly messages: MessageFactory;
  private readonly logins: LoginState;
  private running: Running | undefined;
  /** The current question came from the watchdog: the next screen change re-reads the screen. */
  private stillQuestion = false;
  /** Last screen change of a busy agent reported as stalled (ms), while it lasts. */
  private stalledSince: number | undefined;
  private snapshotCount = 0;
  private turn: Turn | undefined;
  private everReady = false;
  private automationPaused = false;
  private question: PendingQuestion | undefined;
  /** Why the process ended (`normal exit`, `exit code 1`, `stopped`, …). */
  private stopReason: string | undefined;
  private startedAt: Date | undefined;
  private stoppedAt: Date | undefined;
  private exitCode: number | null | undefined;
  private errorMessage: string | undefined;
  private stopRequested = false;
  private stopPromise: Promise<void> | undefined;
  private exited = false;
  private exitHandled = false;
  /** Lines kept after the screen model is released at exit, so logs stay available. */
  private finalLines: string[] | undefined;
  /** The CLI's structured signals fused with the screen; undefined for an agent without them. */
  private readonly fusion: SignalFusion | undefined;
  private signalSubscription: { dispose(): void } | undefined;
  private signalsClosed = false;
  private readonly isolation: IsolationWatch;

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
    this.logins = new LoginState(init.adapter, init.env, init.args);
    this.messages = new MessageFactory(init.id);
    this.isolation = new IsolationWatch(init.isolation, this.log);
    this.screen = new ScreenModel({ cols: init.cols, rows: init.rows, scrollback: init.scrollback });
    this.ptyOutput = new SessionOutput(this.screen);
    this.screen.onBackpressure((paused) => (paused ? this.holdFlow('screen') : this.releaseFlow('screen')));
    const source = init.signals ? replySourceFor(init.signals.type) : undefined;
    this.fusion = source ? new SignalFusion(this.fusionHost(), source) : undefined;
  }

  /** The session as the signal fusion sees it. */
  private fusionHost(): FusionHost {
    return {
      log: this.log,
      status: () => this.status,
      exited: () => this.exited,
      currentTurn: () => this.turn,
      startTurnFromSignal: () => {
        this.turn = new Turn(this.screen, this.adapter, this.log, undefined, 'running');
        this.setStatus('busy');
      },
      finishTurn: (turn, reply) => this.finishTurn(turn, reply),
      enterReady: () => this.enterReady(),
      setStatus: (status) => this.setStatus(status),
      committedScreenKind: () => this.running?.tracker.committed?.kind,
      permissionHook: (fact) => {
        // The screen asked first: the question (in the handle) gains the tool; its event has gone out.
        const question = this.question;
        if (this.status === 'waiting_input' && question?.kind === 'permission' && question.tool === undefined) this.question = { ...question, tool: fact.tool, input: fact.input };
      },
      touchActivity: () => this.running?.watchdog.touch(),
    };
  }

  // ───────────────────────────── lifecycle ─────────────────────────────

  /** Spawns the PTY. Throws SPAWN_FAILED (the caller reports it). */
  start(): void {
    const { init } = this;
    let pty: PtyProcess;
    try {
      pty = new PtyProcess({ ...this.isolation.program(init), cwd: this.workdir, cols: this.cols, rows: this.rows, sessionId: this.id, log: this.log });
    } catch (error) {
      this.errorMessage = error instanceof Error ? error.message : String(error);
      this.status = 'error';
      this.screen.dispose();
      void this.closeSignals();
      void this.isolation.dispose();
      throw new RuntimeError('SPAWN_FAILED', `Could not start ${this.adapter.displayName}: ${this.errorMessage}`, { command: init.executable });
    }
    this.startedAt = new Date();
    this.isolation.attach(pty.pid, (hit) => {
      this.emit({ type: 'agent_error', error: hit.detail, code: 'RESOURCE_LIMIT' });
      void this.stop({ timeoutMs: LIMIT_STOP_MS });
    });
    const meta = { id: this.id, name: this.name, type: this.type, workdir: this.workdir, command: init.executable, args: init.args, createdAt: this.createdAt.toISOString() };
    const recording = init.transcript
      ? Recording.start({ transcript: { ...init.transcript, cols: this.cols, rows: this.rows, meta }, screen: this.screen, log: this.log })
      : undefined;
    const input = new TerminalInput(pty, recording, this.screen);
    const tracker = new StateTracker(this.adapter, this.screen, this);
    const watchdog = new StillnessWatchdog(init.stillness ?? DEFAULT_STILLNESS, this.stillnessHandlers());
    const autoAnswerer = new AutoAnswerer(init.autoRespond, input, this.ptyOutput);
    this.running = { pty, input, recording, tracker, watchdog, autoAnswerer };

    pty.onData((data) => this.ptyOutput.receive(data));
    pty.onExit((exit) => void this.handleExit(exit));
    tracker.onCommit((state) => this.handleState(state));
    autoAnswerer.onAnswering(({ prompt, answer, tries }) => {
      this.emit({ type: 'blocking_prompt', prompt: prompt.question, rule: answer.rule, autoResponded: true });
      this.log.info('auto-responding', { rule: answer.rule, keys: answer.keys, tries });
    });
    autoAnswerer.onKeysLost((prompt) => {
      if (tracker.isCommitted({ kind: 'prompt', prompt })) tracker.recommit();
    });
    this.screen.onChange(() => {
      watchdog.touch();
      // The tracker still holds `busy` from before the dialog: a change must be judged afresh.
      if (this.stillQuestion) {
        this.stillQuestion = false;
        if (this.status === 'waiting_input') tracker.recommit();
      }
    });
    const fusion = this.fusion;
    if (fusion) this.signalSubscription = init.signals?.signals.on((signal) => fusion.handle(this.withHostPaths(signal)));
    this.setStatus('starting');
    this.emit({ type: 'agent_started' });
    this.log.info('agent started', { pid: pty.pid, command: init.executable, args: init.args });
  }

  /** See stillness-watchdog.ts: a busy agent whose screen stops moving is asked about, or reported. */
  private stillnessHandlers(): StillnessHandlers {
    return {
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
    };
  }

  /** What the adapter needs besides the screen (asked by the state tracker before each classification). */
  classifyContext(): ClassifyContext {
    const turn = this.turn;
    return {
      workdir: this.workdir,
      keyFromRuntime: this.init.keyFromRuntime,
      turn: turn?.phase === 'running' ? { message: turn.message ?? '', lines: () => turn.lines() } : undefined,
      quietMs: Date.now() - this.ptyOutput.lastOutputAt,
      startup: !this.everReady,
      awaitingLogin: this.status === 'authenticating',
    };
  }

  /**
   * A signal's transcript path is where the CLI saw its file: inside a sandbox that is the private
   * home mounted over the HOME path, which the runtime reads at another place (docs/isolation.md).
   */
  private withHostPaths(signal: AgentSignal): AgentSignal {
    if ((signal.kind !== 'turn_ended' && signal.kind !== 'session_started') || signal.transcriptPath === undefined) return signal;
    return { ...signal, transcriptPath: this.isolation.hostPath(signal.transcriptPath) };
  }

  private async handleExit({ exitCode, signal }: PtyExit): Promise<void> {
    if (this.exited || !this.running) return;
    const { pty, tracker, watchdog, autoAnswerer, recording } = this.running;
    // Let the screen catch up with the last output before judging the final screen.
    await this.screen.flush();
    tracker.dispose();
    watchdog.dispose();
    autoAnswerer.dispose();
    this.exited = true;
    await this.closeSignals();
    pty.close();
    this.exitCode = signal ? null : exitCode;
    this.stoppedAt = new Date();
    const wasReady = this.everReady;
    const finalScreen = this.screen.snapshot();
    this.finalLines = this.screen.recentLines(2_000);

    if (!this.stopRequested && !wasReady && this.adapter.loginOnExit) {
      const found = this.adapter.loginOnExit(finalScreen);
      if (found) {
        const login = this.logins.judge(found);
        this.logins.record(login);
        this.emitLoginRequired(login);
      }
    }
    const verdict = judgeExit({ stopRequested: this.stopRequested, wasReady, exitCode, signal, displayName: this.adapter.displayName, lastLogin: this.logins.last, finalLines: this.finalLines });
    const reason = verdict.reason;
    this.stopReason = reason;
    this.failTurn(new RuntimeError('AGENT_NOT_READY', `The agent exited (${reason}) before the turn ended.`));
    if (verdict.startupError) {
      this.errorMessage = verdict.startupError.message;
      if (verdict.startupError.report) this.emit({ type: 'agent_error', error: this.errorMessage, code: 'SPAWN_FAILED' });
    }
    this.question = undefined;
    // The transcript is complete on disk before anyone hears the agent stopped.
    await recording?.close(this.exitCode);
    this.setStatus('stopped');
    this.emit({ type: 'agent_stopped', reason, exitCode: this.exitCode });
    this.log.info('agent stopped', { reason, exitCode: this.exitCode });
    this.screen.dispose();
    this.exitHandled = true;
    pty.markExitHandled();
    await this.isolation.dispose();
  }

  get isExited(): boolean {
    return this.exited;
  }

  /** The exit is fully handled: `agent_stopped` went out and the transcript is closed. */
  get hasFinishedExit(): boolean {
    return this.exitHandled;
  }

  /**
   * Stops the CLI and everything it started (pty-process.ts, docs/processes.md). Calling it again
   * while it runs returns the same promise; after exit it resolves once stragglers are reaped.
   */
  stop(options: StopOptions): Promise<void> {
    if (this.stopPromise) return this.stopPromise;
    const pty = this.running?.pty;
    if (!pty) return Promise.resolve();
    // Exited by itself: wait until its exit is fully handled, then clear up stragglers. Either way
    // the isolation (proxy, cgroup, private home) is released before the stop resolves.
    if (this.exited) return pty.reapAfterExit().then(() => this.isolation.dispose());
    this.stopRequested = true;
    this.setStatus('stopping');
    this.failTurn(new RuntimeError('AGENT_NOT_READY', 'The agent is being stopped.'));
    this.stopPromise = pty.terminate(options).then(() => this.isolation.dispose());
    return this.stopPromise;
  }

  /** Processes of this session still alive (diagnostics and tests). */
  liveProcesses(): number[] {
    return this.running?.pty.members() ?? [];
  }

  /** Test seam: the session believes its PTY child had `pid` (PID reuse, without waiting for the kernel). */
  simulateRecycledPid(pid: number): void {
    this.running?.pty.simulateRecycledRootPid(pid);
  }

  // ───────────────────────────── state machine ─────────────────────────────

  private setStatus(next: AgentStatus): void {
    const previous = this.status;
    if (previous === next) return;
    this.status = next;
    this.running?.watchdog.setWatching(next === 'busy');
    if (next !== 'waiting_input') this.question = undefined;
    if (next !== 'authenticating') this.logins.current = undefined;
    this.emit({ type: 'status_changed', status: next, previous });
  }

  private handleState(state: ScreenState): void {
    if (this.exited || this.status === 'stopping') return;
    const turn = this.turn;
    if (turn?.phase === 'delivering' && (state.kind === 'ready' || state.kind === 'busy' || state.kind === 'starting')) return;

    this.fusion?.onScreenState(state);

    switch (state.kind) {
      case 'starting':
        return;
      case 'login':
        return this.enterLogin(state.login);
      case 'prompt':
        return this.handlePrompt(state.prompt);
      case 'busy':
        // The screen moved on after showing the prompt: that prompt did not end the turn.
        turn?.cancelStopWait();
        if (this.fusion?.ignoresScreenBusy()) return;
        if (this.status === 'ready' || this.status === 'waiting_input') {
          this.turn ??= new Turn(this.screen, this.adapter, this.log, undefined, 'running');
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
    const login = this.logins.judge(found);
    if (this.status === 'authenticating' && this.logins.isCurrent(login)) return;
    this.failTurn(new RuntimeError('AUTH_REQUIRED', `${this.adapter.displayName} needs a login: ${login.instructions}`, { ...login }));
    this.setStatus('authenticating');
    this.logins.record(login);
    this.emitLoginRequired(login);
    this.log.info('login required', { method: login.method, hasUrl: Boolean(login.loginUrl), trusted: login.trusted, hasCode: Boolean(login.deviceCode) });
  }

  private handlePrompt(prompt: DetectedPrompt): void {
    if (this.running?.autoAnswerer.answer(prompt, this.automationPaused)) return;
    const question: PendingQuestion = { question: prompt.question, options: prompt.options, kind: prompt.kind };
    if (this.status === 'waiting_input' && this.question?.question === question.question) return;
    // The screen has the question and its options; a pending permission hook says which tool and input.
    const permission = prompt.kind === 'permission' ? this.fusion?.pendingPermission() : undefined;
    if (permission) Object.assign(question, { tool: permission.tool, input: permission.input });
    this.setStatus('waiting_input');
    this.question = question;
    if (this.turn) this.fusion?.onQuestion(this.turn);
    this.emit({ type: 'blocking_prompt', prompt: prompt.question, autoResponded: false });
    this.emit({ type: 'question', question: question.question, options: question.options, kind: question.kind, ...(permission ? { tool: permission.tool, input: permission.input } : {}) });
    const turn = this.turn;
    if (turn?.awaited) {
      const partial = turn.reply();
      turn.settle({ status: 'waiting_input', response: partial, message: this.messages.create('outbound', 'question', partial, turn.message), question });
    }
  }

  private enterReady(): void {
    const startup = !this.everReady || this.status === 'authenticating' || this.status === 'starting';
    const turn = this.turn;
    if (turn && turn.phase === 'running') {
      if (this.fusion?.holdsScreenReady(turn)) return;
      this.finishTurn(turn);
    }
    this.setStatus('ready');
    if (startup) {
      this.everReady = true;
      this.emit({ type: 'agent_ready', runtimeSessionId: this.id });
      this.log.info('agent ready');
    }
  }

  // ───────────────────────────── turns ─────────────────────────────

  private async closeSignals(): Promise<void> {
    const signals = this.init.signals;
    if (!signals || this.signalsClosed) return;
    this.signalsClosed = true;
    this.signalSubscription?.dispose();
    try {
      await signals.close();
    } catch (error) {
      this.log.warn('could not close the signal channel', { error: String(error) });
    }
  }

  private finishTurn(turn: Turn, transcriptReply?: string): void {
    turn.end();
    const content = transcriptReply ?? turn.reply();
    this.turn = undefined;
    const message = this.messages.create('outbound', 'response', content, turn.message);
    this.emit({ type: 'message', content, inReplyTo: turn.message, message });
    turn.settle({ status: 'ready', response: content, message });
  }

  private failTurn(error: RuntimeError): void {
    const turn = this.turn;
    if (!turn) return;
    const partial = this.exited ? '' : turn.reply();
    this.turn = undefined;
    turn.end();
    turn.fail(error, partial);
  }

  /** Delivers a message (delivery.ts) and waits for the turn to end (or for a question). Only in `ready`. */
  async send(message: string, options: SendOptions): Promise<SendResult> {
    if (typeof message !== 'string' || message.trim() === '') throw new RuntimeError('VALIDATION_ERROR', 'The message is empty.');
    if (message.length > MAX_MESSAGE_CHARS) {
      throw new RuntimeError('VALIDATION_ERROR', `The message is longer than ${MAX_MESSAGE_CHARS} characters.`, { length: message.length });
    }
    if (this.status === 'authenticating') {
      throw new RuntimeError('AUTH_REQUIRED', `${this.name} is waiting for a login.`, { ...this.logins.current });
    }
    const pending = this.turn;
    if (pending?.hooks.replyPending && this.status === 'ready') {
      // Ready by the screen, the reply still on its way from the turn-end signal (bounded wait).
      await pending.ended;
    }
    if (this.status !== 'ready' || this.turn || !this.running) {
      throw new RuntimeError('AGENT_NOT_READY', `${this.name} is ${this.status}; messages can only be sent when it is ready.`, { status: this.status });
    }
    if (this.automationPaused) {
      throw new RuntimeError('AGENT_NOT_READY', `${this.name} is paused: a person has taken over its terminal.`, { status: this.status, paused: true });
    }
    const { input, tracker } = this.running;
    const text = message.replace(/\r\n?/g, '\n').trim();
    const turn = new Turn(this.screen, this.adapter, this.log, text, 'delivering');
    this.turn = turn;
    this.fusion?.onSend();
    this.setStatus('busy');
    const result = turn.awaitResult(options.timeoutMs, this);

    try {
      await deliver(text, { screen: this.screen, adapter: this.adapter, input, log: this.log, target: this });
    } catch (error) {
      this.failTurn(error instanceof RuntimeError ? error : new RuntimeError('AGENT_NOT_READY', String(error)));
      return result;
    }
    if (this.turn !== turn) return result; // the turn ended or failed during delivery
    turn.phase = 'running';
    this.fusion?.afterDelivery(turn);
    // The screen may look "ready" exactly as before the message; let the adapter judge it afresh
    // with the turn in context.
    tracker.recommit();
    if (options.expectResponse === false && turn.awaited) {
      turn.settle({ status: this.status, response: '', message: this.messages.create('inbound', 'task', text) });
    }
    return result;
  }

  // ───────────────────────────── input and control ─────────────────────────────

  private assertRunning(): Running {
    if (this.exited || !this.running) throw new RuntimeError('AGENT_NOT_READY', `${this.name} is not running (${this.status}).`, { status: this.status });
    return this.running;
  }

  /** Presses keys by name (see src-shared/keys.ts). A person answering a question does it this way. */
  async sendKeys(keys: readonly string[]): Promise<void> {
    const { input } = this.assertRunning();
    if (keys.length === 0) throw new RuntimeError('VALIDATION_ERROR', 'No keys given.');
    try {
      keysToSequences(keys);
    } catch (error) {
      if (error instanceof UnknownKeyError) throw new RuntimeError('VALIDATION_ERROR', error.message, { key: error.keyName });
      throw error;
    }
    this.afterHumanInput();
    await input.pressKeys(keys);
  }

  /** Raw input, exactly as given (the terminal WebSocket uses this). */
  write(data: string): void {
    const { input } = this.assertRunning();
    this.afterHumanInput();
    input.write(data);
  }

  /** Input from outside the delivery protocol may answer a question: look at the screen again soon. */
  private afterHumanInput(): void {
    if (this.status === 'waiting_input') this.running?.tracker.recommit();
  }

  resize(cols: number, rows: number): void {
    const { pty, recording } = this.assertRunning();
    assertTerminalSize(cols, rows);
    if (cols === this.cols && rows === this.rows) return;
    this.cols = cols;
    this.rows = rows;
    this.ptyOutput.noteResize();
    pty.resize(cols, rows);
    this.screen.resize(cols, rows);
    recording?.resize(cols, rows);
    this.emit({ type: 'terminal_resized', cols, rows });
  }

  pause(): void {
    this.automationPaused = true;
  }

  resume(): void {
    this.automationPaused = false;
    this.running?.tracker.recommit();
  }

  get paused(): boolean {
    return this.automationPaused;
  }

  // ───────────────────────────── output ─────────────────────────────

  /** The last 256 KB of raw output (escape sequences included). */
  output(): string {
    return this.ptyOutput.toString();
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
    return this.ptyOutput.chars;
  }

  /** Raw output as it arrives. Returns an unsubscribe function. */
  onData(listener: (data: string) => void): () => void {
    const subscription = this.ptyOutput.onData(listener);
    return () => subscription.dispose();
  }

  /** Pause reading from the PTY while any hold exists (screen model or a slow viewer). */
  holdFlow(token: string): void {
    this.running?.pty.holdFlow(token);
  }

  releaseFlow(token: string): void {
    this.running?.pty.releaseFlow(token);
  }

  // ───────────────────────────── handle ─────────────────────────────

  handle(): AgentHandle {
    const { init } = this;
    const lastActivityMs = this.startedAt ? Math.max(this.startedAt.getTime(), this.ptyOutput.lastChunkReceivedAt, this.running?.input.lastInputAt ?? 0) : 0;
    return buildHandle({
      id: this.id,
      name: this.name,
      type: this.type,
      status: this.status,
      pid: this.running?.pty.pid,
      role: init.role,
      capabilities: init.capabilities,
      workdir: this.workdir,
      command: init.executable,
      args: init.args,
      cols: this.cols,
      rows: this.rows,
      version: init.version,
      createdAt: this.createdAt,
      startedAt: this.startedAt,
      lastActivityMs,
      stoppedAt: this.stoppedAt,
      exitCode: this.exitCode,
      reason: this.stopReason,
      error: this.errorMessage,
      automationPaused: this.automationPaused,
      question: this.question,
      login: this.logins.current,
      lastLogin: this.logins.last,
      stalledSince: this.stalledSince,
      signals: this.signalSources(),
      isolation: this.isolation.describe(),
    });
  }

  private signalSources(): AgentHandle['signals'] {
    const signals = this.init.signals;
    if (!signals) return undefined;
    const last = signals.lastEvent;
    return { hooks: !this.signalsClosed && last !== undefined, lastHookAt: last ? new Date(last.at).toISOString() : undefined };
  }

  private emit(event: DistributiveOmit<RuntimeEvent, 'agentId' | 'agent'>): void {
    const agent = this.handle();
    this.init.emit({ ...event, agentId: this.id, agent } as RuntimeEvent);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

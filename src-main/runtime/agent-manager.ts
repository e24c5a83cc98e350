import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AGENT_TYPES,
  APPROVAL_PRESETS,
  type AgentHandle,
  type AgentStatus,
  type AgentType,
  type ProviderCredentials,
  resolveAgentType,
  type SpawnConfig,
} from '../../src-shared/agent';
import { Emitter } from '../../src-shared/emitter';
import type { RuntimeEvent } from '../../src-shared/events';
import { AGENT_ID_PATTERN, MAX_LABEL_CHARS, MAX_LOG_LINES, MAX_SEND_TIMEOUT_MS } from '../../src-shared/limits';
import { adapterFor, spawnSuppliesKey } from './adapters/registry';
import { findExecutable, VersionProber } from './cli-locator';
import type { RuntimeConfig } from './config';
import { augmentPath, buildAgentEnv } from './env';
import { RuntimeError } from './errors';
import { isolateLaunch, type IsolationBackends } from './isolation/isolate-launch';
import { resolveIsolation } from './isolation/policy';
import { wiredIsolationBackends } from './isolation/backends';
import type { IsolatedLaunch } from './isolation/types';
import { createLogger, type Logger } from './logger';
import { AgentSession, assertTerminalSize, type SendResult } from './session/session';
import { AgentSignals, hasSignals } from './signals/agent-signals';
import { readUserCodexNotify } from './signals/codex-notify';
import { listTranscripts, type TranscriptMeta } from './transcript';

/**
 * Owns the agent sessions. Runs under plain Node (the headless runtime) and in Electron's main
 * process alike: nothing here knows about Electron.
 *
 * Why it is over 400 lines: it is the runtime's one public surface (spawn, list, send, keys, logs,
 * restart, remove, transcripts, adapter status), and each method is a short delegation to a session
 * or a helper module; splitting it would only scatter that surface across files.
 */

export interface AdapterStatus {
  type: AgentType;
  displayName: string;
  installed: boolean;
  version?: string;
  command: string;
  path?: string;
  installHint: string;
}

export interface SendCallOptions {
  timeoutMs?: number;
  expectResponse?: boolean;
}

export type RuntimeListener = (event: RuntimeEvent) => void;

/** Stopped sessions kept for `get`, `logs` and `output` after they end. */
const KEEP_STOPPED = 50;
/**
 * A fresh id (`agent-…`, `thread-…`): time-ordered so lists and transcript folders sort by age,
 * with random bits so two made in one millisecond differ.
 */
export function timeOrderedId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** Callers that must name a folder after the agent before spawning it (Raven spawns, threads) make the id here and pass it in. */
export function newAgentId(): string {
  return timeOrderedId('agent');
}


export class AgentManager {
  private readonly sessions = new Map<string, AgentSession>();
  /** What each agent was spawned with (credentials included; never sent to clients), for restart. */
  private readonly requests = new Map<string, SpawnConfig>();
  private readonly events: Emitter<[event: RuntimeEvent]>;
  private readonly versions = new VersionProber();
  readonly log: Logger;
  private readonly startedAt = Date.now();

  constructor(
    readonly config: RuntimeConfig,
    options: { logger?: Logger; baseEnv?: NodeJS.ProcessEnv; isolation?: IsolationBackends } = {},
  ) {
    this.log = options.logger ?? createLogger(config.logLevel);
    this.baseEnv = options.baseEnv ?? process.env;
    this.isolationBackends = options.isolation ?? wiredIsolationBackends({ dataDir: config.dataDir, log: this.log, container: config.container });
    // A failing subscriber (a socket, the tray) is logged; the others still hear the event.
    this.events = new Emitter({ onListenerError: (error) => this.log.error('event listener failed', { error: String(error) }) });
  }

  private readonly baseEnv: NodeJS.ProcessEnv;
  /** docs/isolation.md: `sandbox` is bubblewrap with limits and the egress proxy; `container` is docker or podman. */
  private readonly isolationBackends: IsolationBackends;

  get uptimeSeconds(): number {
    return Math.round((Date.now() - this.startedAt) / 1000);
  }

  // ───────────────────────────── events ─────────────────────────────

  on(listener: RuntimeListener): () => void {
    const subscription = this.events.on(listener);
    return () => subscription.dispose();
  }

  private emit(event: RuntimeEvent): void {
    this.events.emit(event);
    if (event.type === 'agent_stopped') this.pruneStopped();
  }

  // ───────────────────────────── spawn ─────────────────────────────

  async spawn(request: SpawnConfig): Promise<AgentHandle> {
    const type = typeof request.type === 'string' ? resolveAgentType(request.type) : undefined;
    if (!type) {
      throw new RuntimeError('VALIDATION_ERROR', `Unknown agent type "${String(request.type)}". Known types: ${AGENT_TYPES.join(', ')}.`, {
        field: 'type',
      });
    }
    if (type === 'custom' && (typeof request.command !== 'string' || request.command.trim() === '')) {
      throw new RuntimeError('VALIDATION_ERROR', 'A custom agent needs a "command".', { field: 'command' });
    }
    const id = request.id ?? newAgentId();
    if (!AGENT_ID_PATTERN.test(id)) throw new RuntimeError('VALIDATION_ERROR', 'The id may hold letters, digits, ".", "_" and "-" (up to 128).', { field: 'id' });
    this.assertIdFree(id);
    const name = (request.name ?? '').trim() || `${type}-${id.slice(-6)}`;
    if (name.length > MAX_LABEL_CHARS) throw new RuntimeError('VALIDATION_ERROR', `The name is longer than ${MAX_LABEL_CHARS} characters.`, { field: 'name' });
    const cols = request.cols ?? this.config.cols;
    const rows = request.rows ?? this.config.rows;
    assertTerminalSize(cols, rows);
    const workdir = this.resolveWorkdir(request.workdir);
    const policy = resolveIsolation(request.isolation, this.config.isolation, { workdir, home: os.homedir() });
    for (const [key, value] of Object.entries(request.env ?? {})) {
      if (typeof value !== 'string' || key === '' || key.includes('=') || key.includes('\0') || value.includes('\0')) {
        throw new RuntimeError('VALIDATION_ERROR', `Invalid environment variable "${key}".`, { field: 'env' });
      }
    }
    this.assertSlotFree();

    const adapter = adapterFor(type, request.command);
    const credentials: ProviderCredentials = { ...this.config.credentials, ...stripEmpty(request.credentials) };
    const keyFromRuntime = spawnSuppliesKey(type, credentials, request.env ?? {});
    const launch = { workdir, credentials, env: request.env ?? {} };
    const adapterEnv = adapter.env(launch);
    const env = buildAgentEnv({
      base: this.baseEnv,
      adapterEnv,
      spawnEnv: request.env ?? {},
      secretNames: this.config.secretEnvNames,
      secretValues: this.config.secretEnvNames.map((n) => this.baseEnv[n] ?? '').filter((v) => v !== ''),
      sessionId: id,
      extraPath: [],
    });
    const executable = findExecutable(adapter.command, env.PATH, workdir);
    if (!executable) {
      throw new RuntimeError('CLI_NOT_FOUND', `${adapter.displayName} ("${adapter.command}") is not installed or not on the PATH. Install it with: ${adapter.installHint}`, {
        command: adapter.command,
        installHint: adapter.installHint,
        type,
      });
    }
    if (request.approvalPreset !== undefined && !(APPROVAL_PRESETS as readonly string[]).includes(request.approvalPreset)) {
      throw new RuntimeError('VALIDATION_ERROR', `approvalPreset must be one of ${APPROVAL_PRESETS.join(', ')}.`, { field: 'approvalPreset' });
    }
    const preset = request.approvalPreset && adapter.approvalArgs ? adapter.approvalArgs(request.approvalPreset) : [];
    const args = type === 'custom' ? [...(request.args ?? [])] : [...adapter.defaultArgs(launch), ...preset, ...(request.args ?? [])];
    const probe = type === 'shell' || type === 'custom' || type === 'echo' ? undefined : await this.versions.probe(executable, adapter.versionArgs, env);

    const signals = await this.openSignals(type, id, env, policy.mode === 'sandbox');
    // Again after the awaits: two spawns may have raced for the last slot or the same id.
    try {
      this.assertSlotFree();
      this.assertIdFree(id);
    } catch (error) {
      await signals?.close();
      throw error;
    }
    if (signals && signals.setup.unavailable === undefined) {
      args.push(...signals.setup.args);
      Object.assign(env, signals.setup.env);
    }
    let isolation: IsolatedLaunch | undefined;
    try {
      const launch = { executable, args, env, cwd: workdir };
      const isolateRequest = {
        policy,
        launch,
        agentId: id,
        type,
        dataDir: this.config.dataDir,
        signalDir: signals?.channel.dir,
        userSettings: signals?.setup.userSettings,
        log: this.log.child({ agentId: id }),
      };
      isolation = await isolateLaunch(isolateRequest, this.isolationBackends);
      // Again: preparing the sandbox awaited too.
      this.assertSlotFree();
      this.assertIdFree(id);
    } catch (error) {
      await isolation?.dispose();
      await signals?.close();
      throw error;
    }
    const session = new AgentSession({
      id,
      name,
      type,
      adapter,
      executable,
      args,
      env,
      workdir,
      cols,
      rows,
      scrollback: this.config.scrollback,
      role: request.role,
      capabilities: request.capabilities ?? [],
      autoRespond: { ...this.config.autoRespond, ...request.autoRespond },
      keyFromRuntime,
      version: probe?.version,
      transcript: {
        dir: path.join(this.config.dataDir, 'transcripts', id),
        maxBytes: this.config.transcriptMaxBytes,
        keepParts: this.config.transcriptKeepParts,
      },
      stillness: this.config.stillness,
      signals,
      isolation,
      logger: this.log,
      emit: (event) => this.emit(event),
    });
    this.sessions.delete(id);
    this.sessions.set(id, session);
    this.requests.set(id, { ...request, id: undefined });
    try {
      session.start();
    } catch (error) {
      this.sessions.delete(id);
      this.requests.delete(id);
      const message = error instanceof Error ? error.message : String(error);
      this.emit({ type: 'agent_error', agentId: id, agent: session.handle(), error: message, code: 'SPAWN_FAILED' });
      throw error;
    }
    return session.handle();
  }

  /**
   * The CLI's structured signals for a new session (docs/signals.md "Fused"); undefined, and the
   * session runs on its screen alone, for a CLI without them, when switched off, or when the channel
   * cannot open (a data folder whose socket path is too long, say).
   */
  private async openSignals(type: AgentType, id: string, env: Record<string, string>, runtimeOwnedHome: boolean): Promise<AgentSignals | undefined> {
    if (!this.config.signals || !hasSignals(type)) return undefined;
    try {
      const signals = await AgentSignals.open(type, {
        parentDir: path.join(this.config.dataDir, 'signals'),
        logger: this.log.child({ agentId: id }),
        // Ours replaces the user's notify for the run; the hook client starts theirs too.
        codexUserNotify: type === 'codex' ? readUserCodexNotify(env) : undefined,
        // A sandbox's private home is ours to add settings to (Gemini's hooks then work for any user).
        runtimeOwnedHome,
      });
      // Hooks the CLI would refuse to load (Gemini's root-owned rule) are not given to it: the agent
      // runs on its screen, and its handle shows `signals.hooks: false` so a person can see why.
      if (signals.setup.unavailable !== undefined) this.log.warn('hooks unavailable; running on the screen alone', { agentId: id, reason: signals.setup.unavailable });
      return signals;
    } catch (error) {
      this.log.warn('could not open the signal channel; running on the screen alone', { agentId: id, error: String(error) });
    }
    return undefined;
  }

  private assertIdFree(id: string): void {
    if (this.sessions.has(id) && !this.sessions.get(id)!.isExited) {
      throw new RuntimeError('VALIDATION_ERROR', `An agent with id "${id}" already exists.`, { field: 'id' });
    }
  }

  private assertSlotFree(): void {
    if (this.liveCount() >= this.config.maxAgents) {
      throw new RuntimeError('MAX_AGENTS', `Maximum agent limit reached (${this.config.maxAgents}). Stop an agent first.`, { maxAgents: this.config.maxAgents });
    }
  }

  private resolveWorkdir(workdir: string | undefined): string {
    const dir = workdir === undefined || workdir === '' ? os.homedir() : workdir;
    if (typeof dir !== 'string') throw new RuntimeError('VALIDATION_ERROR', 'workdir must be a string.', { field: 'workdir' });
    const resolved = path.resolve(dir.startsWith('~') ? path.join(os.homedir(), dir.slice(1)) : dir);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(resolved);
    } catch {
      throw new RuntimeError('VALIDATION_ERROR', `The working directory "${resolved}" does not exist.`, { field: 'workdir', workdir: resolved });
    }
    if (!stat.isDirectory()) {
      throw new RuntimeError('VALIDATION_ERROR', `The working directory "${resolved}" is not a directory.`, { field: 'workdir', workdir: resolved });
    }
    return resolved;
  }

  /** Agents whose process is still alive (stopped ones have released their slot). */
  liveCount(): number {
    let n = 0;
    for (const session of this.sessions.values()) if (!session.isExited && session.status !== 'error') n++;
    return n;
  }

  private pruneStopped(): void {
    const stopped = [...this.sessions.values()].filter((s) => s.isExited);
    for (const session of stopped.slice(0, Math.max(0, stopped.length - KEEP_STOPPED))) {
      this.sessions.delete(session.id);
      this.requests.delete(session.id);
    }
  }

  // ───────────────────────────── queries ─────────────────────────────

  list(filter: { status?: AgentStatus[]; type?: AgentType[]; role?: string[] } = {}): AgentHandle[] {
    return [...this.sessions.values()]
      .map((s) => s.handle())
      .filter((h) => !filter.status || filter.status.includes(h.status))
      .filter((h) => !filter.type || filter.type.includes(h.type))
      .filter((h) => !filter.role || (h.role !== undefined && filter.role.includes(h.role)));
  }

  private session(id: string): AgentSession {
    const session = typeof id === 'string' ? this.sessions.get(id) : undefined;
    if (!session) throw new RuntimeError('AGENT_NOT_FOUND', `No agent with id "${id}".`, { id });
    return session;
  }

  /** For the server's terminal sockets: the live session object. */
  sessionFor(id: string): AgentSession {
    return this.session(id);
  }

  has(id: string): boolean {
    return this.sessions.has(id);
  }

  get(id: string): AgentHandle {
    return this.session(id).handle();
  }

  logs(id: string, lines = 100): string[] {
    const count = Number.isInteger(lines) && lines > 0 ? Math.min(lines, MAX_LOG_LINES) : 100;
    return this.session(id).logs(count);
  }

  output(id: string): string {
    return this.session(id).output();
  }

  // ───────────────────────────── control ─────────────────────────────

  send(id: string, message: string, options: SendCallOptions = {}): Promise<SendResult> {
    const timeoutMs = options.timeoutMs ?? this.config.defaultTimeoutMs;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_SEND_TIMEOUT_MS) {
      return Promise.reject(new RuntimeError('VALIDATION_ERROR', 'timeout must be 1–3600000 ms.', { field: 'timeout' }));
    }
    try {
      return this.session(id).send(message, { timeoutMs, expectResponse: options.expectResponse });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  sendKeys(id: string, keys: string | readonly string[]): Promise<void> {
    try {
      const list = typeof keys === 'string' ? [keys] : [...keys];
      if (list.some((k) => typeof k !== 'string')) throw new RuntimeError('VALIDATION_ERROR', 'keys must be strings.', { field: 'keys' });
      return this.session(id).sendKeys(list);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  write(id: string, data: string): void {
    if (typeof data !== 'string' || data.length === 0) throw new RuntimeError('VALIDATION_ERROR', 'data must be a non-empty string.', { field: 'data' });
    this.session(id).write(data);
  }

  resize(id: string, cols: number, rows: number): void {
    this.session(id).resize(cols, rows);
  }

  pause(id: string): AgentHandle {
    const session = this.session(id);
    session.pause();
    return session.handle();
  }

  resume(id: string): AgentHandle {
    const session = this.session(id);
    session.resume();
    return session.handle();
  }

  /**
   * Stops an agent. Stopping one that already stopped succeeds (DELETE is idempotent); an unknown
   * id is AGENT_NOT_FOUND.
   */
  async stop(id: string, options: { timeoutMs?: number; force?: boolean } = {}): Promise<AgentHandle> {
    const session = this.session(id);
    await session.stop({ timeoutMs: options.timeoutMs ?? this.config.stopTimeoutMs, force: options.force });
    return session.handle();
  }

  /**
   * Stops an agent and forgets it (`DELETE /agents/:id`): afterwards its id is AGENT_NOT_FOUND, as
   * Parallax's client expects (it maps 404 to "gone"). Its recording stays under /transcripts.
   */
  async remove(id: string, options: { timeoutMs?: number; force?: boolean } = {}): Promise<AgentHandle> {
    const session = this.session(id);
    await session.stop({ timeoutMs: options.timeoutMs ?? this.config.stopTimeoutMs, force: options.force });
    this.forget(session);
    return session.handle();
  }

  /** Forgets every agent that has stopped (the UI's "Clear stopped"); returns their ids. */
  clearStopped(): string[] {
    const stopped = [...this.sessions.values()].filter((s) => s.isExited && s.hasFinishedExit);
    for (const session of stopped) this.forget(session);
    return stopped.map((s) => s.id);
  }

  private forget(session: AgentSession): void {
    // A new spawn may have reused the id while this one was stopping.
    if (this.sessions.get(session.id) !== session) return;
    this.sessions.delete(session.id);
    this.requests.delete(session.id);
    this.emit({ type: 'agent_removed', agentId: session.id, agent: session.handle() });
  }

  /**
   * Stops an agent and spawns it again from the same request, under a new id (as Parallax's
   * runtimes do). The new agent replaces the old one in the list: two rows with one name, one of
   * them dead, is what a person does not want after pressing Restart. The old id's recording stays
   * under /transcripts. `credentials` replace the old ones, e.g. after a person entered an API key
   * in the login panel.
   */
  async restart(id: string, overrides: { credentials?: ProviderCredentials } = {}): Promise<AgentHandle> {
    const session = this.session(id);
    const request = this.requests.get(id) ?? { type: session.type, name: session.name, workdir: session.workdir };
    await session.stop({ timeoutMs: this.config.stopTimeoutMs });
    const fresh = await this.spawn({ ...request, id: undefined, credentials: { ...request.credentials, ...stripEmpty(overrides.credentials) } });
    // Only once the new one exists: a restart that fails to spawn leaves the old agent to look at.
    // `agent_removed` tells every open UI to drop the old row.
    this.forget(session);
    return fresh;
  }

  // ───────────────────────────── transcripts ─────────────────────────────

  private get transcriptsDir(): string {
    return path.join(this.config.dataDir, 'transcripts');
  }

  /** Every recorded session, newest first (they outlive their agents). */
  transcripts(): TranscriptMeta[] {
    return listTranscripts(this.transcriptsDir);
  }

  /**
   * One part of a recording, as asciicast text. Only names listed in that recording's metadata are
   * served, so no path a client makes up can reach another file.
   */
  transcriptPart(id: string, part: string): string {
    const meta = AGENT_ID_PATTERN.test(id) ? this.transcripts().find((t) => t.id === id) : undefined;
    if (!meta) throw new RuntimeError('NOT_FOUND', `No recording for "${id}".`, { id });
    if (!meta.parts.includes(part)) throw new RuntimeError('NOT_FOUND', `Recording "${id}" has no part "${part}".`, { id, part, parts: meta.parts });
    try {
      return fs.readFileSync(path.join(this.transcriptsDir, id, part), 'utf8');
    } catch {
      throw new RuntimeError('NOT_FOUND', `Part "${part}" of "${id}" is no longer on disk.`, { id, part });
    }
  }

  async stopAll(options: { timeoutMs?: number } = {}): Promise<void> {
    await Promise.all(
      [...this.sessions.values()].map((s) => s.stop({ timeoutMs: options.timeoutMs ?? this.config.stopTimeoutMs }).catch(() => undefined)),
    );
  }

  // ───────────────────────────── adapters ─────────────────────────────

  /** Which CLIs are installed, and their versions (for /health and the UI's spawn form). */
  async adapterStatus(): Promise<AdapterStatus[]> {
    const env = buildAgentEnv({
      base: this.baseEnv,
      adapterEnv: {},
      spawnEnv: {},
      secretNames: this.config.secretEnvNames,
      secretValues: [],
      sessionId: 'probe',
      extraPath: [],
    });
    const searchPath = augmentPath(env.PATH ?? '', []);
    const types = AGENT_TYPES.filter((t) => t !== 'custom');
    return Promise.all(
      types.map(async (type) => {
        const adapter = adapterFor(type);
        const found = findExecutable(adapter.command, searchPath);
        const probe = found && type !== 'shell' && type !== 'echo' ? await this.versions.probe(found, adapter.versionArgs, env) : undefined;
        return {
          type,
          displayName: adapter.displayName,
          installed: Boolean(found),
          version: probe?.version,
          command: adapter.command,
          path: found,
          installHint: adapter.installHint,
        };
      }),
    );
  }
}

function stripEmpty(credentials: ProviderCredentials | undefined): ProviderCredentials {
  const out: ProviderCredentials = {};
  if (!credentials) return out;
  for (const key of ['anthropicKey', 'openaiKey', 'googleKey'] as const) {
    const value = credentials[key];
    if (typeof value === 'string' && value.trim() !== '') out[key] = value.trim();
  }
  return out;
}

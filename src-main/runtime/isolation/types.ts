import type { AgentType } from '../../../src-shared/agent';
import type { Disposable } from '../../../src-shared/emitter';
import type { AgentIsolation, IsolationLimits, IsolationMode, LimitsMechanism, NetworkMode } from '../../../src-shared/isolation';
import type { Logger } from '../logger';

/**
 * The seams between the isolation pieces (docs/isolation.md): the policy a spawn resolves to, the
 * program as the runtime would start it, and what a backend turns that into. The session only ever
 * sees an `IsolatedLaunch`; it does not know which backend made it.
 */

/** A spawn's isolation after defaults, validation and `~` expansion. Every path is absolute. */
export interface ResolvedIsolation {
  mode: IsolationMode;
  /** `full` for mode `none`. */
  network: NetworkMode;
  /** Extra allowlist entries (the spawn's and the runtime's); provider hosts are added by the network layer. */
  allow: string[];
  /** Writable besides the workdir. */
  writable: string[];
  /** Readable besides the system, the CLI and the runtime's own files. */
  readOnly: string[];
  limits: IsolationLimits;
  /** For `container`. */
  image?: string;
}

/** The program as the runtime would start it without isolation. */
export interface LaunchSpec {
  executable: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

/**
 * A settings file in the agent's private home that the runtime may add to, because that home is
 * the runtime's own copy (Gemini's hooks: its system layer loads only from root-owned files, its
 * user layer from the home). `file` is relative to the home.
 */
export interface UserSettingsLayer {
  file: string;
  merge(existing: Record<string, unknown>): Record<string, unknown>;
}

export interface IsolationContext {
  agentId: string;
  type: AgentType;
  /** Per-agent folder the backend owns (private HOME, sockets): `<dataDir>/sandboxes/<agentId>`. */
  stateDir: string;
  /**
   * Files and folders of the runtime itself the program needs to read inside (its Node binary and
   * hook client, the echo agent, the signal channel's socket folder), already absolute.
   */
  runtimePaths: string[];
  /** Settings the runtime adds to the private home's copies (see UserSettingsLayer). */
  userSettings?: UserSettingsLayer[];
  log: Logger;
}

export type LimitName = 'memory' | 'processes' | 'cpu';

export interface LimitHit {
  limit: LimitName;
  /** For people: "memory limit of 256 MiB reached (the kernel killed python3)". */
  detail: string;
}

/** What a backend hands the session: the program to put in the PTY, and its lifetime hooks. */
export interface IsolatedLaunch extends LaunchSpec {
  /** The handle's `isolation` (its counters are read each time). */
  describe(): AgentIsolation;
  /** Right after the PTY started the program (limits that place by PID, watchdogs). */
  attach(rootPid: number): void;
  /** A resource limit was hit: the session ends the agent with `agent_error {code:"RESOURCE_LIMIT"}`. */
  onLimit(listener: (hit: LimitHit) => void): Disposable;
  /** After the agent's processes are gone: proxies closed, cgroups removed. Never throws. */
  dispose(): Promise<void>;
  /**
   * Where a file the program names by its path inside (a transcript a hook points at) is on the
   * host; undefined when the host cannot see it (the sandbox's private /tmp). Absent: same path.
   */
  hostPath?(insidePath: string): string | undefined;
}

export interface IsolationBackend {
  /** Throws RuntimeError `ISOLATION_UNAVAILABLE` (with why) when this machine cannot give it. */
  prepare(launch: LaunchSpec, policy: ResolvedIsolation, context: IsolationContext): Promise<IsolatedLaunch>;
}

/**
 * Resource limits for one agent, whichever mechanism the machine has (limits.ts). `prefix` goes in
 * front of the program's argv so the limits apply from its first instruction (no window between
 * spawn and placement).
 */
export interface LimitsHandle {
  mechanism: LimitsMechanism;
  /** argv to put before the (possibly sandboxed) program; empty when no limit is set. */
  prefix: string[];
  attach(rootPid: number): void;
  onHit(listener: (hit: LimitHit) => void): Disposable;
  dispose(): Promise<void>;
}

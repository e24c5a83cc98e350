/**
 * Agent isolation on the wire: what a spawn may ask for (`isolation`), what the handle reports, and
 * what `GET /health` says this machine supports. How each mode is built is in docs/isolation.md.
 */

/**
 * - `none`: the agent runs as the user, as any program the user starts (the default).
 * - `sandbox`: bubblewrap on Linux (own mount, PID and network namespaces, private HOME and /tmp),
 *   a generated sandbox-exec profile on macOS.
 * - `container`: a docker or podman container from a configurable image.
 */
export const ISOLATION_MODES = ['none', 'sandbox', 'container'] as const;
export type IsolationMode = (typeof ISOLATION_MODES)[number];

/**
 * - `none`: no network at all.
 * - `allowlist`: only the provider's API hosts, the base URL the spawn configured, and `allow`,
 *   through the runtime's egress proxy; every refused connection is logged and counted.
 * - `full`: the machine's network as it is.
 */
export const NETWORK_MODES = ['none', 'allowlist', 'full'] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];

/** Resource limits; each one unset means no limit of that kind. */
export interface IsolationLimits {
  /** Memory of the agent and everything it starts, in MiB. */
  memoryMb?: number;
  /** CPU, as a percentage of one core (50 = half a core, 200 = two cores). */
  cpuPercent?: number;
  /** How many processes (and threads) the agent may have at once. */
  maxProcesses?: number;
}

/** The policy a spawn may give (every field optional; the runtime's defaults fill the rest). */
export interface IsolationRequest {
  mode: IsolationMode;
  network?: NetworkMode;
  /** Extra hosts for `allowlist`: `host`, `host:port`, or `*.domain` (a subdomain of domain). */
  allow?: string[];
  /** Absolute paths the agent may write besides its workdir. */
  writable?: string[];
  /**
   * Absolute paths the agent may read besides the system and the CLI itself, e.g. `~/.gitconfig`
   * (a leading `~` is the user's real home).
   */
  readOnly?: string[];
  limits?: IsolationLimits;
  /** For `container`: the image (the runtime's configured image by default). */
  image?: string;
}

/** A spawn's `isolation`: a mode name alone, or a policy. */
export type IsolationSpec = IsolationMode | IsolationRequest;

/** How limits are enforced on this machine, strongest first. */
export type LimitsMechanism = 'cgroup-v2' | 'cgroup-v1' | 'rlimit' | 'none';

/** What the handle says about an agent's isolation (the UI's badge). */
export interface AgentIsolation {
  mode: IsolationMode;
  /** Absent for `none`. */
  network?: NetworkMode;
  /** Hosts the agent may reach under `allowlist` (provider hosts, base URL, the spawn's own). */
  allowedHosts?: string[];
  limits?: IsolationLimits;
  /** How the limits are enforced for this agent. */
  limitsEnforcedBy?: LimitsMechanism;
  /** For `container`: the engine and image. */
  engine?: 'docker' | 'podman';
  image?: string;
  /** Connections the egress proxy refused for this agent so far. */
  refusedConnections?: number;
}

/** One mode's availability on this machine, for `GET /health`. */
export interface IsolationModeSupport {
  available: boolean;
  /** Why not (a missing program, no user namespaces, no engine running), when unavailable. */
  reason?: string;
}

export interface IsolationSupport {
  none: IsolationModeSupport;
  sandbox: IsolationModeSupport & { backend?: 'bubblewrap' | 'sandbox-exec' };
  container: IsolationModeSupport & { engine?: 'docker' | 'podman' };
  limits: LimitsMechanism;
  /** The mode spawns get when they do not say (`--isolation`, the app's setting). */
  defaultMode: IsolationMode;
}

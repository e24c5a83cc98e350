import type { AgentHandle, AgentStatus } from '../../src-shared/agent';
import { SERVICE_NAME, type AdapterHealth, type HealthResponse } from '../../src-shared/api';
import type { AgentManager } from '../runtime/agent-manager';
import type { RuntimeConfig } from '../runtime/config';
import { detectIsolationSupport, systemProbes, type CapabilityProbes } from '../runtime/isolation/capabilities';
import type { IsolationSupport } from '../../src-shared/isolation';
import type { Logger } from '../runtime/logger';

/**
 * `GET /health`: cheap to call often. Adapter detection forks each CLI's `--version`, so its result
 * is cached and refreshed in the background.
 */

/** Long enough that a polling client (Raven checks every 30 s) never forks; short enough that a fresh install shows up soon. */
const ADAPTER_TTL_MS = 30_000;
/**
 * How long a health call waits for the very first detection before answering without adapters:
 * under Raven's 10 s health timeout, above the few seconds three `--version` forks take on a busy 2-core box.
 */
const FIRST_DETECTION_WAIT_MS = 8_000;

export class AdapterStatusCache {
  private value: AdapterHealth[] | undefined;
  private fetchedAt = 0;
  private inflight: Promise<AdapterHealth[]> | undefined;

  constructor(
    private readonly manager: AgentManager,
    private readonly logger: Logger,
  ) {}

  /** Starts a detection now (at server start), so the first health call finds it done. */
  warm(): void {
    void this.refresh();
  }

  private refresh(): Promise<AdapterHealth[]> {
    this.inflight ??= this.manager
      .adapterStatus()
      .then((list) => {
        this.value = list.map((a) => ({ type: a.type, displayName: a.displayName, installed: a.installed, version: a.version, installHint: a.installHint }));
        this.fetchedAt = Date.now();
        return this.value;
      })
      .catch((error: unknown) => {
        this.logger.warn('adapter detection failed', { error: String(error) });
        return this.value ?? [];
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  async get(): Promise<AdapterHealth[]> {
    if (this.value && Date.now() - this.fetchedAt < ADAPTER_TTL_MS) return this.value;
    const pending = this.refresh();
    if (this.value) return this.value; // stale-while-revalidate
    return firstDetection(pending, []);
  }
}

/** A first detection's answer, or `fallback` once it has taken FIRST_DETECTION_WAIT_MS. */
async function firstDetection<T, F>(pending: Promise<T>, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(fallback), FIRST_DETECTION_WAIT_MS);
  });
  try {
    return await Promise.race([pending, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Statuses named in the message when non-zero; ready and busy are always named (Parallax's format). */
const MESSAGE_STATUSES: readonly AgentStatus[] = ['starting', 'authenticating', 'waiting_input', 'stopping', 'error'];

/** "2 agents (1 ready, 1 busy)", counting agents whose process is alive. */
export function healthMessage(agents: readonly AgentHandle[]): string {
  const live = agents.filter((a) => a.status !== 'stopped');
  const count = (status: AgentStatus) => live.filter((a) => a.status === status).length;
  const parts = [`${count('ready')} ready`, `${count('busy')} busy`];
  for (const status of MESSAGE_STATUSES) {
    const n = count(status);
    if (n > 0) parts.push(`${n} ${status.replace('_', ' ')}`);
  }
  return `${live.length} ${live.length === 1 ? 'agent' : 'agents'} (${parts.join(', ')})`;
}

/** One probe set per runtime config: the capability answer is cached per probe set (capabilities.ts). */
const isolationProbes = new WeakMap<RuntimeConfig, CapabilityProbes>();

/**
 * Which isolation modes this machine supports (a trial bwrap, the container engine's `info`):
 * probed once, started at server start like the adapters, and left out of an answer that would
 * otherwise wait past FIRST_DETECTION_WAIT_MS.
 */
export async function isolationSupport(config: RuntimeConfig): Promise<IsolationSupport | undefined> {
  let probes = isolationProbes.get(config);
  if (!probes) {
    probes = systemProbes({ engine: config.container?.engine, engineArgs: config.container?.engineArgs });
    isolationProbes.set(config, probes);
  }
  return firstDetection(detectIsolationSupport(config, probes), undefined);
}

export async function healthBody(manager: AgentManager, adapters: AdapterStatusCache, version: string): Promise<HealthResponse> {
  const active = manager.liveCount();
  const isolation = await isolationSupport(manager.config);
  return {
    healthy: true,
    version,
    activeAgents: active,
    maxAgents: manager.config.maxAgents,
    uptime: manager.uptimeSeconds,
    message: healthMessage(manager.list()),
    adapters: await adapters.get(),
    runtime: { name: SERVICE_NAME, type: 'local', activeAgents: active },
    ...(isolation ? { isolation } : {}),
  };
}

import type { AgentHandle, AgentStatus } from '../../src-shared/agent';
import { SERVICE_NAME, type AdapterHealth, type HealthResponse } from '../../src-shared/api';
import type { AgentManager } from '../runtime/agent-manager';
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
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<AdapterHealth[]>((resolve) => {
      timer = setTimeout(() => resolve([]), FIRST_DETECTION_WAIT_MS);
    });
    try {
      return await Promise.race([pending, timeout]);
    } finally {
      clearTimeout(timer);
    }
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

export async function healthBody(manager: AgentManager, adapters: AdapterStatusCache, version: string): Promise<HealthResponse> {
  const active = manager.liveCount();
  return {
    healthy: true,
    version,
    activeAgents: active,
    maxAgents: manager.config.maxAgents,
    uptime: manager.uptimeSeconds,
    message: healthMessage(manager.list()),
    adapters: await adapters.get(),
    runtime: { name: SERVICE_NAME, type: 'local', activeAgents: active },
  };
}

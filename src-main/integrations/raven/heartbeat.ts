import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import { isTerminalStatus } from '../../../src-shared/agent';
import type { RuntimeEvent } from '../../../src-shared/events';
import type { AgentManager } from '../../runtime/agent-manager';
import type { Logger } from '../../runtime/logger';
import { postJson, safeUrl } from './http';

/**
 * Raven's runtime heartbeat (docs/compatibility.md "The runtime heartbeat"): while at least one agent spawned for a
 * (Raven, workspace) pair is alive, POST `<base>/api/parallax-agents/runtime/heartbeat`
 * `{workspaceId, runtimeId, activeAgents, version}` every interval, plus once as soon as the first
 * agent of the pair is tracked. When the pair's last agent ends, its heartbeat stops. Best effort:
 * a failure is logged at warn once per outage (debug while it lasts), never retried early.
 */

export const HEARTBEAT_PATH = '/api/parallax-agents/runtime/heartbeat';

export interface HeartbeatTarget {
  /** Raven's base URL (see ravenBaseUrl). */
  base: string;
  workspaceId: string;
}

export interface HeartbeatBody {
  workspaceId: string;
  runtimeId: string;
  activeAgents: number;
  version: string;
}

export interface HeartbeatOptions {
  intervalMs?: number;
  /** Per request. */
  timeoutMs?: number;
}

/** The contract suggests ~30 s, matching Raven's own control-plane poll; Raven does nothing faster with it. */
const HEARTBEAT_INTERVAL_MS = 30_000;
/** Raven answers in milliseconds; 5 s means it is down. Well under the interval, so beats never overlap. */
const HEARTBEAT_TIMEOUT_MS = 5_000;

interface Group {
  url: string;
  target: HeartbeatTarget;
  agents: Set<string>;
  timer: NodeJS.Timeout;
  /** A beat is in flight: the next tick skips rather than piling requests on a slow Raven. */
  sending: boolean;
  /** The last beat failed: further failures are logged at debug until one succeeds. */
  failing: boolean;
}

/**
 * This runtime process's id in heartbeats: the host name, for people reading Raven's events, plus
 * random bits made at start, because the port is not known yet when the server is built, several
 * runtimes may share a host, and a restarted runtime (whose agents are gone) is a new runtime.
 */
function makeRuntimeId(): string {
  const host = os.hostname().replace(/[^A-Za-z0-9.-]/g, '-') || 'host';
  return `raven-runtime-${host}-${randomBytes(4).toString('hex')}`;
}

export class RavenHeartbeats {
  readonly runtimeId = makeRuntimeId();
  private readonly groups = new Map<string, Group>();
  /** Which group each tracked agent counts in. */
  private readonly groupOf = new Map<string, Group>();
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly abort = new AbortController();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly manager: AgentManager,
    private readonly logger: Logger,
    private readonly version: string,
    options: HeartbeatOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? HEARTBEAT_INTERVAL_MS;
    this.timeoutMs = options.timeoutMs ?? HEARTBEAT_TIMEOUT_MS;
    this.unsubscribe = manager.on((event) => this.onEvent(event));
  }

  /** Counts `agentId` in its workspace's heartbeat from now on; the first agent of a pair starts it. */
  track(agentId: string, target: HeartbeatTarget): void {
    if (this.abort.signal.aborted || this.groupOf.has(agentId)) return;
    const key = `${target.base}\n${target.workspaceId}`;
    let group = this.groups.get(key);
    const first = group === undefined;
    if (!group) {
      const timer = setInterval(() => this.beat(key), this.intervalMs);
      // Heartbeats alone must never keep the process running.
      timer.unref();
      group = { url: `${target.base}${HEARTBEAT_PATH}`, target, agents: new Set(), timer, sending: false, failing: false };
      this.groups.set(key, group);
    }
    group.agents.add(agentId);
    this.groupOf.set(agentId, group);
    if (first) this.beat(key);
  }

  private alive(agentId: string): boolean {
    return this.manager.has(agentId) && !isTerminalStatus(this.manager.get(agentId).status);
  }

  private onEvent(event: RuntimeEvent): void {
    const ended = event.type === 'agent_stopped' || (event.type === 'status_changed' && isTerminalStatus(event.status));
    if (ended) this.untrack(event.agentId);
  }

  private untrack(agentId: string): void {
    const group = this.groupOf.get(agentId);
    if (!group) return;
    this.groupOf.delete(agentId);
    group.agents.delete(agentId);
    if (group.agents.size === 0) this.drop(group);
  }

  private drop(group: Group): void {
    clearInterval(group.timer);
    this.groups.delete(`${group.target.base}\n${group.target.workspaceId}`);
    this.logger.debug('Raven heartbeat stopped: no live agents left', { workspaceId: group.target.workspaceId, url: safeUrl(group.url) });
  }

  private beat(key: string): void {
    const group = this.groups.get(key);
    if (!group || group.sending) return;
    // An agent pruned from the manager without an event we saw still must not count.
    for (const id of [...group.agents]) if (!this.alive(id)) this.untrack(id);
    if (!this.groups.has(key)) return;
    const body: HeartbeatBody = { workspaceId: group.target.workspaceId, runtimeId: this.runtimeId, activeAgents: group.agents.size, version: this.version };
    group.sending = true;
    void postJson(group.url, body, AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.timeoutMs)])).then((outcome) => {
      group.sending = false;
      if (this.abort.signal.aborted) return;
      const fields = { workspaceId: body.workspaceId, url: safeUrl(group.url) };
      if (outcome.ok) {
        if (group.failing) this.logger.info('Raven heartbeat delivered again', fields);
        group.failing = false;
      } else if (!group.failing) {
        group.failing = true;
        this.logger.warn('Raven heartbeat failed; retrying at the next interval (further failures logged at debug)', { ...fields, outcome: outcome.reason });
      } else {
        this.logger.debug('Raven heartbeat still failing', { ...fields, outcome: outcome.reason });
      }
    });
  }

  close(): void {
    this.unsubscribe();
    this.abort.abort();
    for (const group of this.groups.values()) clearInterval(group.timer);
    this.groups.clear();
    this.groupOf.clear();
  }
}

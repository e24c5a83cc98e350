import type { AgentHandle } from '../../../src-shared/agent';
import type { AgentManager } from '../../runtime/agent-manager';
import type { Logger } from '../../runtime/logger';
import { RavenHeartbeats, type HeartbeatOptions } from './heartbeat';
import { ravenBaseUrl, safeUrl } from './http';
import { accessRequestBody, requestAccess } from './registration';

/**
 * Keeps Raven Docs aware of the agents it spawned here: registers each one (access-request)
 * before the spawn is answered, then keeps its workspace's heartbeat going while any of them
 * lives (docs/compatibility.md "Registering agents with Raven", "The runtime heartbeat"). Only for
 * spawns that carry both `callbackUrl` (which gives Raven's base URL) and `workspaceId` (which both
 * calls require).
 */

export interface RavenPresenceOptions {
  /** The one registration attempt per agent; {@link REGISTRATION_TIMEOUT_MS} by default. */
  registrationTimeoutMs?: number;
  heartbeat?: HeartbeatOptions;
}

/** What the spawn request said that matters to Raven. */
export interface AnnounceRequest {
  callbackUrl?: string;
  workspaceId?: string;
  capabilities?: readonly string[];
  permissions?: readonly string[];
}

/**
 * The spawn answer waits for registration, and Raven's UI waits for the spawn answer. Raven answers
 * in milliseconds when it is up, so 3 s is plenty for a healthy one and caps what a down one can
 * add to a spawn (the registrations of a multi-agent spawn run side by side under one deadline).
 */
const REGISTRATION_TIMEOUT_MS = 3_000;

export class RavenPresence {
  readonly heartbeats: RavenHeartbeats;
  private readonly registrationTimeoutMs: number;
  private readonly abort = new AbortController();

  constructor(
    manager: AgentManager,
    private readonly logger: Logger,
    version: string,
    options: RavenPresenceOptions = {},
  ) {
    this.registrationTimeoutMs = options.registrationTimeoutMs ?? REGISTRATION_TIMEOUT_MS;
    this.heartbeats = new RavenHeartbeats(manager, logger, version, options.heartbeat);
  }

  /**
   * Registers `agents` with Raven (one bounded attempt each, all at once) and starts counting them
   * in their workspace's heartbeat. Never throws: a Raven that is down must not fail a spawn.
   */
  async announce(request: AnnounceRequest, agents: readonly AgentHandle[], runtimeEndpoint: string): Promise<void> {
    const { callbackUrl, workspaceId } = request;
    if (callbackUrl === undefined || workspaceId === undefined || workspaceId === '' || agents.length === 0) return;
    const base = ravenBaseUrl(callbackUrl);
    if (base === undefined) {
      this.logger.debug('callbackUrl is not Raven’s spawn-callback route; agents not registered and no heartbeat', { url: safeUrl(callbackUrl) });
      return;
    }
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.registrationTimeoutMs)]);
    const spawn = { workspaceId, capabilities: request.capabilities, permissions: request.permissions };
    await Promise.all(agents.map((agent) => requestAccess(base, accessRequestBody(agent, spawn, runtimeEndpoint), signal, this.logger)));
    for (const agent of agents) this.heartbeats.track(agent.id, { base, workspaceId });
  }

  close(): void {
    this.abort.abort();
    this.heartbeats.close();
  }
}

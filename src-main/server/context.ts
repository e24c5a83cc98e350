import type { AgentHandle } from '../../src-shared/agent';
import type { AgentManager } from '../runtime/agent-manager';
import type { Logger } from '../runtime/logger';
import type { MetricsTracker } from './agent-metrics';
import type { CloneTracker } from '../workspace/clone-tracker';
import type { EventBroadcaster } from './event-broadcaster';
import type { AdapterStatusCache } from './health';
import type { RavenPresence } from '../integrations/raven/presence';
import type { ServerLimits } from './server';
import type { SpawnCallbacks } from '../integrations/raven/callbacks';
import type { StreamRegistry } from './streams';
import type { TerminalHub } from './terminal-hub';
import type { ThreadRegistry } from '../integrations/parallax/threads';

/** What route handlers and sockets share: the runtime and the server's own services. */
export interface ServerContext {
  manager: AgentManager;
  logger: Logger;
  version: string;
  adapters: AdapterStatusCache;
  metrics: MetricsTracker;
  events: EventBroadcaster;
  terminals: TerminalHub;
  callbacks: SpawnCallbacks;
  /** Registration and heartbeats for agents Raven spawned. */
  raven: RavenPresence;
  streams: StreamRegistry;
  threads: ThreadRegistry;
  /** Caps and timeouts in force (src-shared/limits.ts, or lower ones in tests). */
  limits: ServerLimits;
  /** Raven clones under way: stopped and cleaned up when the server closes. */
  clones: CloneTracker;
  /** Scratch workdirs for Raven spawns that name none. */
  scratchRoot: string;
  uiDir?: string;
  /**
   * Called when a handler threw something the server caught at its outer edge (an upgrade, a socket
   * message, a request). The request alone fails; tests count these and fail on any.
   */
  reportFault(where: string, error: unknown): void;
}

/** The handle as the API returns it: with the endpoint the client reached us on. */
export function withEndpoint(handle: AgentHandle, endpoint: string): AgentHandle {
  return { ...handle, runtimeEndpoint: endpoint };
}

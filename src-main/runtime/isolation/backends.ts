import type { Logger } from '../logger';
import { ContainerBackend, type ContainerBackendOptions } from './container';
import type { IsolationBackends } from './isolate-launch';
import { createLimits } from './limits';
import { MacSandbox } from './macos-sandbox';
import { BubblewrapSandbox, type EgressHook } from './sandbox';
import { containerEgress, sandboxEgress } from './sandbox-egress';
import type { ContainerEgressFactory } from './container-egress';

/**
 * The runtime's isolation backends with every piece wired in (docs/isolation.md): the bubblewrap
 * sandbox with per-agent resource limits (limits.ts) and the egress proxy for `allowlist`, and the
 * container backend with the same egress. Built once per AgentManager.
 */

export interface IsolationWiring {
  dataDir: string;
  log: Logger;
  /** The container engine's settings (which engine, flags this machine needs, default image). */
  container?: ContainerBackendOptions;
  /** `allowlist` for the sandbox; without it the sandbox refuses `allowlist` (ISOLATION_UNAVAILABLE). */
  egress?: EgressHook;
  /** `allowlist` for containers (default: the same proxy and bridge as the sandbox's). */
  containerEgress?: ContainerEgressFactory;
}

export function wiredIsolationBackends(wiring: IsolationWiring, platform: NodeJS.Platform = process.platform): IsolationBackends {
  return {
    // macOS: the same policy as a sandbox-exec profile (no limits there).
    sandbox: platform === 'darwin' ? new MacSandbox() : new BubblewrapSandbox({
      dataDir: wiring.dataDir,
      // A policy with no limits gets no cgroup and no prefix at all.
      limitsFor: async (policy, context) =>
        Object.keys(policy.limits).length === 0 ? undefined : createLimits(context.agentId, policy.limits, { log: context.log }),
      network: wiring.egress ?? sandboxEgress,
    }),
    container: new ContainerBackend({ ...wiring.container, egress: wiring.containerEgress ?? containerEgress }),
  };
}

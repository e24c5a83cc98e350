import * as fs from 'node:fs';
import * as path from 'node:path';
import { proxyEnvironment, SANDBOX_PROXY_PORT } from './egress-env';
import { EgressProxy } from './egress-proxy';
import { providerHosts } from './provider-hosts';
import { sandboxInitArgv, sandboxInitPath } from './sandbox-init-command';
import type { EgressHook, EgressWrap } from './sandbox';
import type { IsolationContext, LaunchSpec, ResolvedIsolation } from './types';

/**
 * The sandbox's `allowlist` network (docs/isolation-network.md "Wiring it into a backend"): one
 * egress proxy per agent on a unix socket in the agent's state folder, and the agent's program
 * started behind sandbox-init.cjs, which bridges the sandbox's empty network namespace to that
 * socket. The hosts are the CLI's provider hosts, the base URLs its environment and config name,
 * and the policy's own `allow`.
 */
export const sandboxEgress: EgressHook = {
  async wrap(launch: LaunchSpec, policy: ResolvedIsolation, context: IsolationContext): Promise<EgressWrap> {
    const hosts = providerHosts(context.type, launch.env, launch.args);
    const rules = [...new Set([...hosts.rules, ...policy.allow])];
    const socketDir = path.join(context.stateDir, 'egress');
    fs.mkdirSync(socketDir, { recursive: true, mode: 0o700 });
    const socketPath = path.join(socketDir, 'egress.sock');
    const proxy = await EgressProxy.start({ socketPath, rules, agentId: context.agentId, log: context.log });
    const argv = sandboxInitArgv({ egressSocket: socketPath, loopbackForwards: hosts.loopbackForwards, program: [launch.executable, ...launch.args] });
    return {
      launch: {
        ...launch,
        executable: argv[0]!,
        args: argv.slice(1),
        env: { ...launch.env, ...proxyEnvironment({ proxyPort: SANDBOX_PROXY_PORT, loopbackForwards: hosts.loopbackForwards }) },
      },
      readPaths: [socketDir, sandboxInitPath()],
      allowedHosts: rules,
      refusedConnections: () => proxy.stats().refused,
      dispose: () => proxy.close(),
    };
  },
};

import * as fs from 'node:fs';
import * as path from 'node:path';
import { proxyEnvironment, SANDBOX_PROXY_PORT } from './egress-env';
import { EgressProxy } from './egress-proxy';
import { classifyAddress } from './egress-address';
import { parseAllowRule } from './egress-rules';
import { providerHosts, type LoopbackForward } from './provider-hosts';
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
    const loopbackForwards = [...hosts.loopbackForwards];
    for (const forward of policy.allow.map(loopbackTarget)) {
      if (forward && !loopbackForwards.some((f) => f.host === forward.host && f.port === forward.port)) loopbackForwards.push(forward);
    }
    const socketDir = path.join(context.stateDir, 'egress');
    fs.mkdirSync(socketDir, { recursive: true, mode: 0o700 });
    const socketPath = path.join(socketDir, 'egress.sock');
    const proxy = await EgressProxy.start({ socketPath, rules, agentId: context.agentId, log: context.log });
    const argv = sandboxInitArgv({ egressSocket: socketPath, loopbackForwards, program: [launch.executable, ...launch.args] });
    return {
      launch: {
        ...launch,
        executable: argv[0]!,
        args: argv.slice(1),
        env: { ...launch.env, ...proxyEnvironment({ proxyPort: SANDBOX_PROXY_PORT, loopbackForwards }) },
      },
      readPaths: [socketDir, sandboxInitPath()],
      allowedHosts: rules,
      refusedConnections: () => proxy.stats().refused,
      dispose: () => proxy.close(),
    };
  },
};

/**
 * A loopback address with a port that the user allowed (`127.0.0.1:8080`, `[::1]:8080`,
 * `localhost:8080`) is also listened on inside the sandbox, as base URLs are: most clients never
 * send loopback traffic through a proxy.
 */
function loopbackTarget(text: string): LoopbackForward | undefined {
  const rule = parseAllowRule(text);
  if (rule.port === undefined) return undefined;
  if (rule.kind === 'ip' && classifyAddress(rule.address) === 'loopback') return { host: rule.address, port: rule.port };
  if (rule.kind === 'name' && rule.name === 'localhost') return { host: '127.0.0.1', port: rule.port };
  return undefined;
}

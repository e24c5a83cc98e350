import * as fs from 'node:fs';
import * as path from 'node:path';
import { proxyEnvironment, SANDBOX_PROXY_PORT } from './egress-env';
import { EgressProxy } from './egress-proxy';
import { egressHosts } from './provider-hosts';
import type { ContainerEgressFactory } from './container-egress';
import { sandboxInitArgv, sandboxInitPath } from './sandbox-init-command';
import type { EgressHook, EgressWrap } from './sandbox';
import type { IsolationContext, LaunchSpec, ResolvedIsolation } from './types';

/**
 * The `allowlist` network for sandboxes and containers (docs/isolation-network.md "Wiring it into
 * a backend"): one egress proxy per agent on a unix socket in the agent's state folder, and the
 * agent's program started behind sandbox-init.cjs, which bridges the agent's empty network
 * namespace to that socket. The hosts are provider-hosts.ts `egressHosts`.
 */

interface AgentEgress {
  proxy: EgressProxy;
  rules: string[];
  socketDir: string;
  /** The bridge in front of `program`. */
  argv: string[];
  /** The proxy variables the program gets. */
  env: Record<string, string>;
}

async function startAgentEgress(program: string[], env: Record<string, string>, policy: ResolvedIsolation, context: IsolationContext): Promise<AgentEgress> {
  const { rules, loopbackForwards } = egressHosts(context.type, env, program.slice(1), policy.allow);
  const socketDir = path.join(context.stateDir, 'egress');
  fs.mkdirSync(socketDir, { recursive: true, mode: 0o700 });
  const socketPath = path.join(socketDir, 'egress.sock');
  const proxy = await EgressProxy.start({ socketPath, rules, agentId: context.agentId, log: context.log });
  return {
    proxy,
    rules,
    socketDir,
    argv: sandboxInitArgv({ egressSocket: socketPath, loopbackForwards, program }),
    env: proxyEnvironment({ proxyPort: SANDBOX_PROXY_PORT, loopbackForwards }),
  };
}

export const sandboxEgress: EgressHook = {
  async wrap(launch: LaunchSpec, policy: ResolvedIsolation, context: IsolationContext): Promise<EgressWrap> {
    const egress = await startAgentEgress([launch.executable, ...launch.args], launch.env, policy, context);
    return {
      launch: { ...launch, executable: egress.argv[0]!, args: egress.argv.slice(1), env: { ...launch.env, ...egress.env } },
      readPaths: [egress.socketDir, sandboxInitPath()],
      allowedHosts: egress.rules,
      refusedConnections: () => egress.proxy.stats().refused,
      dispose: () => egress.proxy.close(),
    };
  },
};

/**
 * The same for a container started with `--network none`: the runtime's Node and sandbox-init are
 * mounted read-only at their host paths (so the image must be glibc-based), the socket's folder
 * read-write (a unix socket is connected to through the mount).
 */
export const containerEgress: ContainerEgressFactory = async ({ policy, context, program, env }) => {
  const egress = await startAgentEgress(program, env, policy, context);
  return {
    readOnly: [process.execPath, sandboxInitPath()],
    writable: [egress.socketDir],
    program: egress.argv,
    env: egress.env,
    allowedHosts: egress.rules,
    refusedConnections: () => egress.proxy.stats().refused,
    dispose: () => egress.proxy.close(),
  };
};

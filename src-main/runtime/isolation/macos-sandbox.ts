import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Emitter, type Disposable } from '../../../src-shared/emitter';
import type { AgentIsolation } from '../../../src-shared/isolation';
import { RuntimeError } from '../errors';
import { proxyEnvironment } from './egress-env';
import { EgressProxy } from './egress-proxy';
import { renderMacProfile, sandboxExecArgv, SANDBOX_EXEC_PATH } from './macos-profile';
import { programPaths } from './program-paths';
import { egressHosts } from './provider-hosts';
import { applySettingsLayers, seedSandboxHome } from './sandbox-home';
import type { IsolatedLaunch, IsolationBackend, IsolationContext, LaunchSpec, LimitHit, ResolvedIsolation } from './types';

/**
 * The `sandbox` mode on macOS (docs/isolation-limits.md "The macOS profile"): the same policy as a
 * Seatbelt profile run by `sandbox-exec`. There are no namespaces to mount a private home over the
 * real one, so the agent's HOME and TMPDIR point at private folders and the profile denies reading
 * anything else under the user's home; under `allowlist` the agent may connect only to its own
 * egress proxy on a loopback port (and to allowlisted loopback servers). It cannot run on the
 * Linux machines this project is built on: its command line and profile are unit-tested.
 */

export interface MacSandboxOptions {
  platform?: NodeJS.Platform;
  /** Whether a file exists (tests). */
  exists?: (file: string) => boolean;
  /** The user's real home, denied except for what the program needs. */
  realHome?: string;
}

function unavailable(message: string): RuntimeError {
  return new RuntimeError('ISOLATION_UNAVAILABLE', message, { mode: 'sandbox' });
}

export class MacSandbox implements IsolationBackend {
  constructor(private readonly options: MacSandboxOptions = {}) {}

  async prepare(launch: LaunchSpec, policy: ResolvedIsolation, context: IsolationContext): Promise<IsolatedLaunch> {
    if ((this.options.platform ?? process.platform) !== 'darwin') throw unavailable('The sandbox-exec sandbox runs on macOS only.');
    if (!(this.options.exists ?? fs.existsSync)(SANDBOX_EXEC_PATH)) throw unavailable(`${SANDBOX_EXEC_PATH} is missing on this Mac.`);
    if (Object.keys(policy.limits).length > 0) {
      // Seatbelt has no resource limits and macOS no cgroups; refused rather than silently dropped.
      throw unavailable('Resource limits are not available for the macOS sandbox (it has no cgroups); leave them unset or use the container mode.');
    }
    const realHome = path.resolve(this.options.realHome ?? os.homedir());
    const home = path.join(context.stateDir, 'home');
    const tmp = path.join(context.stateDir, 'tmp');
    fs.mkdirSync(tmp, { recursive: true, mode: 0o700 });
    let proxy: EgressProxy | undefined;
    try {
      const seeded = seedSandboxHome(home, launch.env.HOME ?? realHome, context.type, launch.env);
      applySettingsLayers(home, context.userSettings ?? []);
      const program = programPaths(launch.executable, launch.env.PATH ?? '', [realHome, '/tmp', '/private/tmp']);
      let allowedHosts: string[] | undefined;
      let network: Record<string, string> = {};
      let loopbackPorts: number[] = [];
      if (policy.network === 'allowlist') {
        const hosts = egressHosts(context.type, launch.env, launch.args, policy.allow);
        allowedHosts = hosts.rules;
        proxy = await EgressProxy.startOnLoopback({ rules: allowedHosts, agentId: context.agentId, log: context.log });
        loopbackPorts = hosts.loopbackForwards.map((forward) => forward.port);
        network = proxyEnvironment({ proxyPort: proxy.port!, loopbackForwards: hosts.loopbackForwards });
      }
      const profile = renderMacProfile({
        policy,
        workdir: launch.cwd,
        home,
        tmp,
        runtimePaths: [...context.runtimePaths, ...program.paths],
        proxyPort: proxy?.port,
        loopbackPorts,
      });
      const argv = sandboxExecArgv(profile, program.executable, launch.args);
      const sourceHome = path.resolve(launch.env.HOME ?? realHome);
      const env = { ...movedIntoPrivateHome({ ...launch.env, ...seeded.env }, sourceHome, home), ...network, HOME: home, TMPDIR: tmp };
      const describe: AgentIsolation = { mode: 'sandbox', network: policy.network, limitsEnforcedBy: 'none' };
      if (allowedHosts) describe.allowedHosts = allowedHosts;
      return new MacSandboxLaunch({ executable: argv[0]!, args: argv.slice(1), env, cwd: launch.cwd }, describe, proxy, context.stateDir);
    } catch (error) {
      await proxy?.close();
      fs.rmSync(context.stateDir, { recursive: true, force: true });
      throw error;
    }
  }
}

/**
 * Without a mount to put the private home where the real one was, variables naming a folder in the
 * home (CODEX_HOME, XDG_CONFIG_HOME, …) are pointed at the same place in the private home.
 */
export function movedIntoPrivateHome(env: Record<string, string>, sourceHome: string, privateHome: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const inside = path.isAbsolute(value) && (value === sourceHome || value.startsWith(sourceHome + path.sep));
    out[name] = inside ? path.join(privateHome, path.relative(sourceHome, value)) : value;
  }
  return out;
}

class MacSandboxLaunch implements IsolatedLaunch {
  readonly executable: string;
  readonly args: string[];
  readonly env: Record<string, string>;
  readonly cwd: string;
  /** Never fires: no limits on macOS. */
  private readonly hits = new Emitter<[hit: LimitHit]>();
  private disposing: Promise<void> | undefined;

  constructor(
    spec: LaunchSpec,
    private readonly description: AgentIsolation,
    private readonly proxy: EgressProxy | undefined,
    private readonly stateDir: string,
  ) {
    this.executable = spec.executable;
    this.args = spec.args;
    this.env = spec.env;
    this.cwd = spec.cwd;
  }

  describe(): AgentIsolation {
    return this.proxy ? { ...this.description, refusedConnections: this.proxy.stats().refused } : { ...this.description };
  }

  attach(): void {}

  onLimit(listener: (hit: LimitHit) => void): Disposable {
    return this.hits.on(listener);
  }

  /** The proxy closed and the private home (copies of credentials) and tmp removed. */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      await this.proxy?.close().catch(() => undefined);
      fs.rmSync(this.stateDir, { recursive: true, force: true });
    })();
    return this.disposing;
  }
}

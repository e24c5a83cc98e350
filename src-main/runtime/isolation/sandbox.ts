import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Emitter, type Disposable } from '../../../src-shared/emitter';
import type { AgentIsolation } from '../../../src-shared/isolation';
import { findExecutable } from '../cli-locator';
import { RuntimeError } from '../errors';
import { buildBwrapCommand } from './bwrap-args';
import { isWithin } from './policy';
import { programPaths } from './program-paths';
import { applySettingsLayers, seedSandboxHome } from './sandbox-home';
import { sandboxInitArgv, sandboxInitPath } from './sandbox-init-command';
import { ignoreTerminalSignalsPrefix } from './terminal-signals';
import type { IsolatedLaunch, IsolationBackend, IsolationContext, LaunchSpec, LimitHit, LimitsHandle, ResolvedIsolation } from './types';

/**
 * The `sandbox` mode on Linux: bubblewrap, written by hand rather than through
 * @anthropic-ai/sandbox-runtime (docs/isolation.md "Why bubblewrap by hand"). `prepare` seeds the
 * agent's private home, builds the bwrap command line and hands the session an `IsolatedLaunch`.
 *
 * Two seams are filled by other parts of the runtime: `limits` (a resource-limits handle whose argv
 * prefix goes in front of bwrap) and `network` (the egress proxy that makes `allowlist` possible).
 * Without a network hook, `allowlist` is refused rather than silently given as `none` or `full`.
 */

/** What the egress layer gives back for one agent under `allowlist`. */
export interface EgressWrap {
  /** The program to run inside the sandbox instead (e.g. a bridge in front of it, with proxy variables). */
  launch: LaunchSpec;
  /** Host paths the wrapped program needs inside (the proxy socket's folder, the bridge script). */
  readPaths: string[];
  /** Hosts the agent may reach, for the handle. */
  allowedHosts: string[];
  refusedConnections(): number;
  dispose(): Promise<void>;
}

export interface EgressHook {
  wrap(launch: LaunchSpec, policy: ResolvedIsolation, context: IsolationContext): Promise<EgressWrap>;
}

export interface SandboxSeams {
  limits?: LimitsHandle;
  network?: EgressHook;
}

export interface BubblewrapSandboxOptions {
  /** The runtime's data folder: hidden inside every sandbox (other agents' transcripts and sockets). */
  dataDir: string;
  /** The user's real home (default: os.homedir()); hidden even when the agent's HOME is elsewhere. */
  realHome?: string;
  /** Where to look for `bwrap` (default: the runtime's PATH). */
  searchPath?: string;
  platform?: NodeJS.Platform;
  /**
   * Where the lead wires the other pieces once for every agent: a per-agent limits handle (undefined
   * when the policy sets none) and the egress hook. `prepare`'s own `seams` argument wins over these.
   */
  limitsFor?: (policy: ResolvedIsolation, context: IsolationContext) => Promise<LimitsHandle | undefined>;
  network?: EgressHook;
}

function isDirectory(dir: string | undefined): boolean {
  if (dir === undefined || dir === '' || !path.isAbsolute(dir)) return false;
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

export const BWRAP_MISSING = 'bubblewrap (bwrap) is not installed: apt install bubblewrap';

export class BubblewrapSandbox implements IsolationBackend {
  constructor(private readonly options: BubblewrapSandboxOptions) {}

  /** The bwrap binary, or ISOLATION_UNAVAILABLE saying how to get it. */
  locate(): string {
    if ((this.options.platform ?? process.platform) !== 'linux') {
      throw new RuntimeError('ISOLATION_UNAVAILABLE', 'The bubblewrap sandbox runs on Linux only.', { mode: 'sandbox' });
    }
    const found = findExecutable('bwrap', this.options.searchPath ?? process.env.PATH ?? '/usr/bin:/bin');
    if (!found) throw new RuntimeError('ISOLATION_UNAVAILABLE', BWRAP_MISSING, { mode: 'sandbox' });
    return found;
  }

  /**
   * Binds come after the tmpfs that hides the data folder and would cover it again: a workdir,
   * `writable` or `readOnly` entry that is the data folder or contains it would hand the agent the
   * other agents' transcripts and hook sockets.
   */
  private assertDataDirStaysHidden(workdir: string, policy: ResolvedIsolation): void {
    const dataDir = path.resolve(this.options.dataDir);
    const entries: [string, string][] = [[workdir, 'workdir'], ...policy.writable.map((p): [string, string] => [p, 'isolation.writable']), ...policy.readOnly.map((p): [string, string] => [p, 'isolation.readOnly'])];
    for (const [entry, field] of entries) {
      if (isWithin(dataDir, path.resolve(entry))) {
        throw new RuntimeError('VALIDATION_ERROR', `"${entry}" contains the runtime's data folder (${dataDir}), which holds other agents' transcripts and sockets; a sandboxed agent cannot be given it.`, { field });
      }
    }
  }

  async prepare(launch: LaunchSpec, policy: ResolvedIsolation, context: IsolationContext, given: SandboxSeams = {}): Promise<IsolatedLaunch> {
    const bwrap = this.locate();
    const network = given.network ?? this.options.network;
    if (policy.network === 'allowlist' && !network) {
      throw new RuntimeError('ISOLATION_UNAVAILABLE', 'Network "allowlist" needs the egress proxy, which is not wired into this runtime yet; use network "none" or "full".', {
        mode: 'sandbox',
        network: policy.network,
      });
    }
    this.assertDataDirStaysHidden(launch.cwd, policy);
    // First: the data folder must exist to be hidden (a sandbox started before it existed would
    // see it appear, with other agents' files, through the read-only `/`).
    fs.mkdirSync(context.stateDir, { recursive: true, mode: 0o700 });
    const realHome = path.resolve(this.options.realHome ?? os.homedir());
    // The private home is mounted where the agent's HOME is; a HOME that does not exist has no
    // mount point (and `/` is read-only inside), so the real home's path is used instead.
    const homePath = isDirectory(launch.env.HOME) ? path.resolve(launch.env.HOME!) : realHome;
    // Only folders that exist: a tmpfs needs a mount point, and `/` is read-only inside.
    const hiddenRoots = [this.options.dataDir, realHome, launch.env.XDG_RUNTIME_DIR].filter(isDirectory).map((dir) => path.resolve(dir!));
    const privateHome = path.join(context.stateDir, 'home');

    let egress: EgressWrap | undefined;
    let limits: LimitsHandle | undefined = given.limits;
    try {
      // Seeded from the HOME the agent would have had, even when that folder is missing (nothing to copy then).
      const seeded = seedSandboxHome(privateHome, launch.env.HOME ?? realHome, context.type, launch.env);
      applySettingsLayers(privateHome, context.userSettings ?? []);
      context.log.debug('sandbox home seeded', { copied: seeded.copied });
      limits ??= await this.options.limitsFor?.(policy, context);
      const program = programPaths(launch.executable, launch.env.PATH ?? '', ['/tmp', homePath, ...hiddenRoots]);
      let inner: LaunchSpec = { ...launch, executable: program.executable, env: { ...launch.env, ...seeded.env } };
      if (policy.network === 'allowlist' && network) {
        egress = await network.wrap(inner, policy, context);
        inner = egress.launch;
      } else {
        // The init runs every sandboxed program, bridge or not: bwrap is started with the
        // terminal's job signals ignored (terminal-signals.ts), and the init gives the program
        // back the default dispositions.
        const argv = sandboxInitArgv({ program: [inner.executable, ...inner.args] });
        inner = { ...inner, executable: argv[0]!, args: argv.slice(1) };
      }
      const boundAsIs = [...program.paths, ...context.runtimePaths, process.execPath, sandboxInitPath(), ...(egress?.readPaths ?? [])];
      const command = buildBwrapCommand({ policy, launch: inner, privateHome, homePath, hiddenRoots, programPaths: boundAsIs });
      const prefix = limits?.prefix ?? [];
      const argv = [...prefix, ...ignoreTerminalSignalsPrefix(), bwrap, ...command.args];
      const paths: SandboxPaths = { sameInside: [launch.cwd, ...policy.writable, ...policy.readOnly, ...boundAsIs], homePath, privateHome, hidden: ['/tmp', ...hiddenRoots] };
      return new SandboxLaunch({ executable: argv[0]!, args: argv.slice(1), env: command.env, cwd: launch.cwd }, policy, context, limits, egress, paths);
    } catch (error) {
      await egress?.dispose().catch(() => undefined);
      await limits?.dispose().catch(() => undefined);
      fs.rmSync(context.stateDir, { recursive: true, force: true });
      throw error;
    }
  }
}

/** How paths inside the sandbox relate to the host's (the bind order of bwrap-args.ts). */
interface SandboxPaths {
  /** Bound at their own paths, over everything else: the workdir, writable and read-only entries. */
  sameInside: string[];
  /** The private home is mounted here… */
  homePath: string;
  /** …from here. */
  privateHome: string;
  /** Empty tmpfs inside: the host's files there are not what the program saw. */
  hidden: string[];
}

class SandboxLaunch implements IsolatedLaunch {
  readonly executable: string;
  readonly args: string[];
  readonly env: Record<string, string>;
  readonly cwd: string;
  private readonly hits = new Emitter<[hit: LimitHit]>();
  private readonly limitSubscription: Disposable | undefined;
  private disposing: Promise<void> | undefined;

  constructor(
    spec: LaunchSpec,
    private readonly policy: ResolvedIsolation,
    private readonly context: IsolationContext,
    private readonly limits: LimitsHandle | undefined,
    private readonly egress: EgressWrap | undefined,
    private readonly paths: SandboxPaths,
  ) {
    this.executable = spec.executable;
    this.args = spec.args;
    this.env = spec.env;
    this.cwd = spec.cwd;
    this.limitSubscription = limits?.onHit((hit) => this.hits.emit(hit));
  }

  describe(): AgentIsolation {
    const out: AgentIsolation = { mode: 'sandbox', network: this.policy.network, limitsEnforcedBy: this.limits?.mechanism ?? 'none' };
    if (Object.keys(this.policy.limits).length > 0) out.limits = { ...this.policy.limits };
    if (this.egress) {
      out.allowedHosts = [...this.egress.allowedHosts];
      out.refusedConnections = this.egress.refusedConnections();
    }
    return out;
  }

  hostPath(insidePath: string): string | undefined {
    const target = path.resolve(insidePath);
    const { sameInside, homePath, privateHome, hidden } = this.paths;
    if (sameInside.some((entry) => isWithin(target, entry))) return target;
    if (isWithin(target, homePath)) return path.join(privateHome, path.relative(homePath, target));
    if (hidden.some((entry) => isWithin(target, entry))) return undefined;
    return target;
  }

  attach(rootPid: number): void {
    this.limits?.attach(rootPid);
  }

  onLimit(listener: (hit: LimitHit) => void): Disposable {
    return this.hits.on(listener);
  }

  /**
   * Closes the proxy and the limits and deletes the state folder with the private home: it holds
   * copies of the user's credentials, which must not pile up on disk after the agent is gone.
   */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      this.limitSubscription?.dispose();
      for (const part of [this.egress, this.limits]) {
        try {
          await part?.dispose();
        } catch (error) {
          this.context.log.warn('could not release part of the sandbox', { error: String(error) });
        }
      }
      try {
        fs.rmSync(this.context.stateDir, { recursive: true, force: true });
      } catch (error) {
        this.context.log.warn('could not remove the sandbox folder', { stateDir: this.context.stateDir, error: String(error) });
      }
    })();
    return this.disposing;
  }
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Emitter } from '../../../src-shared/emitter';
import type { AgentIsolation, IsolationLimits } from '../../../src-shared/isolation';
import { findExecutable } from '../cli-locator';
import { RuntimeError } from '../errors';
import type { Logger } from '../logger';
import { groupName, type LimitCounters } from './cgroup-group';
import { counterFilesOf, readCounterFiles, type CgroupCounterFiles } from './cgroup-observer';
import { containerRunArgs, unmountablePath, type ContainerEngine } from './container-args';
import { detectContainerEngine, runEngine, type EngineOptions } from './container-engine';
import type { ContainerEgress, ContainerEgressFactory } from './container-egress';
import { hitsBetween } from './limit-hits';
import type { IsolatedLaunch, IsolationBackend, IsolationContext, LaunchSpec, LimitHit, ResolvedIsolation } from './types';

/**
 * The `container` mode: the agent runs in a docker or podman container started by the engine's
 * client inside the PTY. Killing that client does not stop the container, so `dispose` removes it
 * by name. What the image must hold and what the mode protects: docs/isolation-limits.md.
 */

/** The image a spawn gets when its policy names none (the runtime's setting overrides it). */
export const DEFAULT_CONTAINER_IMAGE = 'localhost/raven-agent:latest';

export interface ContainerBackendOptions extends EngineOptions {
  defaultImage?: string;
  /** Extra `run` flags per engine (e.g. `--ulimit nofile=1024:1024` where the engine's default is refused). */
  runArgs?: Partial<Record<ContainerEngine, string[]>>;
  /** How often the container's cgroup counters are read for hits (two small file reads). */
  pollMs?: number;
  /** How long `rm -f` may take in dispose. */
  removeTimeoutMs?: number;
  /** Supplies network `allowlist` (container-egress.ts); without it, allowlist is refused. */
  egress?: ContainerEgressFactory;
}

/**
 * The engine removes a container's cgroup a few hundred milliseconds after the container ends (an
 * OOM kill often ends it), so its counters are read more often than our own groups'.
 */
const DEFAULT_POLL_MS = 25;
const DEFAULT_REMOVE_TIMEOUT_MS = 15_000;
const INSPECT_TIMEOUT_MS = 5000;
/** Between looks for a starting container's cgroup. */
const LOCATE_RETRY_MS = 20;
const LOCATE_FAST_FOR_MS = 5000;

function deferred<T>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

function unavailable(message: string, details: Record<string, unknown> = {}): RuntimeError {
  return new RuntimeError('ISOLATION_UNAVAILABLE', message, details);
}

function hasLimits(limits: IsolationLimits): boolean {
  return limits.memoryMb !== undefined || limits.cpuPercent !== undefined || limits.maxProcesses !== undefined;
}

/**
 * The program as the container sees it: a host path of a CLI means nothing inside (the image has
 * its own install), so only its name is kept and the image's PATH finds it; a path inside a folder
 * that is mounted at the same place (the workdir, the policy's folders) is kept as it is.
 */
export function programInContainer(executable: string, mounted: readonly string[]): string {
  if (!path.isAbsolute(executable)) return executable;
  const inside = mounted.some((dir) => executable === dir || executable.startsWith(dir.endsWith('/') ? dir : `${dir}/`));
  return inside ? executable : path.basename(executable);
}

export class ContainerBackend implements IsolationBackend {
  constructor(private readonly options: ContainerBackendOptions = {}) {}

  async prepare(launch: LaunchSpec, policy: ResolvedIsolation, context: IsolationContext): Promise<IsolatedLaunch> {
    if (policy.network === 'allowlist' && this.options.egress === undefined) {
      throw unavailable('network "allowlist" is not available in container mode here: use network "none" or "full", or mode "sandbox" for an allowlist', {
        mode: 'container',
        network: 'allowlist',
      });
    }
    // The runtime's own files (hook client, echo agent, the signal channel's socket folder) are
    // mounted read-only at the same paths; a unix socket can be connected to on a read-only mount.
    const readOnly = [...new Set([...policy.readOnly, ...context.runtimePaths])];
    for (const dir of [launch.cwd, ...policy.writable, ...readOnly]) {
      const why = unmountablePath(dir);
      if (why) throw unavailable(`cannot mount ${why}`, { path: dir });
    }
    const probe = await detectContainerEngine({ ...this.options, env: this.options.env ?? launch.env });
    if (probe.engine === undefined) throw unavailable(`no container engine answers: ${probe.reason}`, { mode: 'container' });
    const engine = probe.engine;
    const engineArgs = this.options.engineArgs?.[engine] ?? [];
    const image = policy.image ?? this.options.defaultImage ?? DEFAULT_CONTAINER_IMAGE;
    const inspect = await runEngine(engine, [...engineArgs, 'image', 'inspect', '--format', '{{.Id}}', image], INSPECT_TIMEOUT_MS, launch.env);
    if (inspect.code !== 0) {
      throw unavailable(
        `the container image ${image} is not on this machine for ${engine}: pull it (\`${engine} pull ${image}\`) or build it (\`${engine} build -t ${image} <folder with a Containerfile>\`); it must contain the agent's CLI on its PATH`,
        { engine, image },
      );
    }
    const executable = findExecutable(engine, launch.env.PATH ?? process.env.PATH ?? '');
    if (executable === undefined) throw unavailable(`${engine} answered but is not on the agent's PATH`, { engine });
    const homeDir = path.join(context.stateDir, 'home');
    fs.mkdirSync(homeDir, { recursive: true, mode: 0o700 });
    const name = groupName(context.agentId);
    const user = typeof process.getuid === 'function' && typeof process.getgid === 'function' ? { uid: process.getuid(), gid: process.getgid() } : undefined;
    const program = [programInContainer(launch.executable, [launch.cwd, ...policy.writable, ...readOnly]), ...launch.args];
    const egress = policy.network === 'allowlist' && this.options.egress ? await this.options.egress({ policy, context, program, env: launch.env }) : undefined;
    try {
      const egressMounts = egress ? [...egress.readOnly, ...egress.writable] : [];
      for (const dir of egressMounts) {
        const why = unmountablePath(dir);
        if (why) throw unavailable(`cannot mount ${why}`, { path: dir });
      }
      const env = { ...launch.env, ...egress?.env };
      const [inside, ...insideArgs] = egress ? egress.program : program;
      const args = containerRunArgs({
        engineArgs,
        runArgs: this.options.runArgs?.[engine] ?? [],
        name,
        image,
        workdir: launch.cwd,
        homeDir,
        env,
        // allowlist: loopback only; the bridge inside carries the agent's connections to the proxy.
        network: policy.network === 'full' ? 'full' : 'none',
        limits: policy.limits,
        writable: [...policy.writable, ...(egress?.writable ?? [])],
        readOnly: [...new Set([...readOnly, ...(egress?.readOnly ?? [])])],
        user,
        keepUserNamespace: engine === 'podman' && user !== undefined && user.uid !== 0,
        program: inside,
        args: insideArgs,
      });
      const describe: AgentIsolation = { mode: 'container', network: policy.network, engine, image };
      if (egress) describe.allowedHosts = [...egress.allowedHosts];
      if (hasLimits(policy.limits)) {
        describe.limits = { ...policy.limits };
        if (probe.cgroupVersion !== undefined) describe.limitsEnforcedBy = probe.cgroupVersion === 2 ? 'cgroup-v2' : 'cgroup-v1';
      }
      context.log.info('container launch prepared', { engine, image, name });
      return new ContainerLaunch({ executable, args, env, cwd: launch.cwd }, describe, {
        engine,
        engineArgs,
        name,
        limits: policy.limits,
        pollMs: this.options.pollMs ?? DEFAULT_POLL_MS,
        removeTimeoutMs: this.options.removeTimeoutMs ?? DEFAULT_REMOVE_TIMEOUT_MS,
        log: context.log,
        egress,
      });
    } catch (error) {
      await egress?.dispose();
      throw error;
    }
  }
}

interface ContainerLaunchOptions {
  engine: ContainerEngine;
  engineArgs: string[];
  name: string;
  limits: IsolationLimits;
  pollMs: number;
  removeTimeoutMs: number;
  log: Logger;
  egress?: ContainerEgress;
}

export class ContainerLaunch implements IsolatedLaunch {
  readonly executable: string;
  readonly args: string[];
  readonly env: Record<string, string>;
  readonly cwd: string;
  private readonly hits = new Emitter<[LimitHit]>();
  private timer: NodeJS.Timeout | undefined;
  private readonly located = deferred<boolean>();
  private counterFiles: CgroupCounterFiles | undefined;
  private last: LimitCounters | undefined;
  private disposed: Promise<void> | undefined;

  constructor(
    spec: LaunchSpec,
    private readonly description: AgentIsolation,
    private readonly options: ContainerLaunchOptions,
  ) {
    this.executable = spec.executable;
    this.args = spec.args;
    this.env = spec.env;
    this.cwd = spec.cwd;
  }

  describe(): AgentIsolation {
    const egress = this.options.egress;
    return egress ? { ...this.description, refusedConnections: egress.refusedConnections() } : { ...this.description };
  }

  /**
   * The PTY's child is the engine's client; the container's processes are the engine's. Hits are
   * read from the container's own cgroup, found through its first process once it runs (docker's
   * OOMKilled flag only covers the container's main process, and `--rm` removes it on exit).
   * The cgroup goes with the container, so it is looked for quickly from the start: an OOM before
   * it is found (a container that dies within its first instants) is not reported as a hit.
   */
  attach(): void {
    const { memoryMb, maxProcesses } = this.options.limits;
    if (memoryMb === undefined && maxProcesses === undefined) {
      this.located.resolve(false);
      return;
    }
    const locate = async (): Promise<void> => {
      const startedAt = Date.now();
      while (this.counterFiles === undefined && this.disposed === undefined) {
        await this.locate();
        // Quick while a start is expected; then slower, so an image being pulled costs little.
        const retryMs = Date.now() - startedAt < LOCATE_FAST_FOR_MS ? LOCATE_RETRY_MS : this.options.pollMs;
        if (this.counterFiles === undefined) await new Promise<void>((resolve) => setTimeout(resolve, retryMs));
      }
      this.located.resolve(this.counterFiles !== undefined);
      if (this.counterFiles === undefined) return;
      this.poll();
      this.timer = setInterval(() => this.poll(), this.options.pollMs);
      this.timer.unref();
    };
    void locate();
  }

  /** Resolves true once the container's cgroup counters are being watched (false: no limit, or disposed first). */
  watching(): Promise<boolean> {
    return this.located.promise;
  }

  private async locate(): Promise<void> {
    const { engine, engineArgs, name } = this.options;
    const result = await runEngine(engine, [...engineArgs, 'inspect', '--format', '{{.State.Status}} {{.State.Pid}}', name], INSPECT_TIMEOUT_MS);
    const [status, pidText] = result.stdout.trim().split(/\s+/);
    const pid = Number(pidText);
    // Only a running container's process is surely inside its cgroup (while it is being created,
    // the engine's helper may still sit in the engine's own cgroup).
    if (result.code !== 0 || status !== 'running' || !Number.isInteger(pid) || pid <= 0) return;
    this.counterFiles = counterFilesOf(pid);
  }

  private poll(): void {
    if (this.counterFiles === undefined || this.disposed !== undefined) return;
    const now = readCounterFiles(this.counterFiles);
    // The engine made the cgroup for this container: its counters started at zero.
    for (const hit of hitsBetween(this.last ?? { oomKills: 0, forksRefused: 0 }, now, this.options.limits)) {
      this.options.log.warn('limit hit', { ...hit });
      this.hits.emit(hit);
    }
    this.last = now;
  }

  onLimit(listener: (hit: LimitHit) => void) {
    return this.hits.on(listener);
  }

  dispose(): Promise<void> {
    this.disposed ??= this.tearDown();
    return this.disposed;
  }

  /** Stops the container whatever state it is in; `--rm` may have removed it already. */
  private async tearDown(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.located.resolve(false);
    this.hits.dispose();
    const { engine, engineArgs, name, removeTimeoutMs, log } = this.options;
    const result = await runEngine(engine, [...engineArgs, 'rm', '-f', name], removeTimeoutMs);
    if (result.code !== 0 && !/no such container|no container with name/i.test(result.stderr)) {
      log.warn('could not remove the agent container', { engine, name, code: result.code, stderr: result.stderr.slice(0, 300) });
    }
    try {
      await this.options.egress?.dispose();
    } catch (error) {
      log.warn('agent egress clean-up failed', { error: (error as Error).message });
    }
  }
}

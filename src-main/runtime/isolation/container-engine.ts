import type { ContainerEngine } from './container-args';
import { firstLines, runProbe, type CommandResult } from './probe-command';

/**
 * Which container engine answers on this machine. "Installed" is not enough: a docker client
 * without its daemon (or a podman that cannot start containers' storage) must be named as such,
 * so the caller can say why `container` is unavailable.
 */

export interface EngineOptions {
  /** Only this engine (the runtime's setting); otherwise podman, then docker. */
  engine?: ContainerEngine;
  /** Flags each engine needs before its subcommand on this machine (podman's `--runtime runc`). */
  engineArgs?: Partial<Record<ContainerEngine, string[]>>;
  /** How long `info` may take before the engine counts as not answering. */
  timeoutMs?: number;
  /** Environment for the engine's client (PATH decides which binary runs; DOCKER_HOST which daemon). */
  env?: NodeJS.ProcessEnv;
}

export type EngineProbe = { engine: ContainerEngine; cgroupVersion?: 1 | 2 } | { engine?: undefined; reason: string };

const DEFAULT_TIMEOUT_MS = 5000;

/** Runs a short engine command; never throws. */
export function runEngine(engine: ContainerEngine, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<CommandResult> {
  return runProbe(engine, args, timeoutMs, env);
}

/** Why one engine does not answer, or its cgroup version when it does. */
async function probeOne(engine: ContainerEngine, options: EngineOptions): Promise<{ ok: true; cgroupVersion?: 1 | 2 } | { ok: false; installed: boolean; reason: string }> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const format = engine === 'docker' ? '{{.ServerVersion}} {{.CgroupVersion}}' : '{{.Version.Version}} {{.Host.CgroupsVersion}}';
  const result = await runEngine(engine, [...(options.engineArgs?.[engine] ?? []), 'info', '--format', format], timeoutMs, options.env);
  if (result.code === 'ENOENT') return { ok: false, installed: false, reason: `${engine} is not installed` };
  if (result.code === 'TIMEOUT') return { ok: false, installed: true, reason: `${engine} is installed but did not answer within ${timeoutMs} ms` };
  const [serverVersion, cgroup] = result.stdout.trim().split(/\s+/);
  if (result.code !== 0 || !serverVersion) {
    const why = firstLines(result.stderr || result.stdout);
    if (engine === 'docker') return { ok: false, installed: true, reason: `docker is installed but its daemon is not running: ${why}` };
    return { ok: false, installed: true, reason: `podman is installed but does not work: ${why}` };
  }
  const version = cgroup === '2' || cgroup === 'v2' ? 2 : cgroup === '1' || cgroup === 'v1' ? 1 : undefined;
  return { ok: true, cgroupVersion: version };
}

export async function detectContainerEngine(options: EngineOptions = {}): Promise<EngineProbe> {
  const candidates: ContainerEngine[] = options.engine ? [options.engine] : ['podman', 'docker'];
  const reasons: string[] = [];
  for (const engine of candidates) {
    const probe = await probeOne(engine, options);
    if (probe.ok) return { engine, cgroupVersion: probe.cgroupVersion };
    reasons.push(probe.reason);
  }
  // "not installed" only matters when nothing else was said.
  const telling = reasons.filter((reason) => !reason.endsWith('is not installed'));
  return { reason: telling.length > 0 ? telling.join('; ') : `no container engine is installed (${reasons.join(', ')})` };
}

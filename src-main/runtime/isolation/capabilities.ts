import * as fs from 'node:fs';
import type { IsolationMode, IsolationModeSupport, IsolationSupport, LimitsMechanism } from '../../../src-shared/isolation';
import { detectContainerEngine, type EngineOptions, type EngineProbe } from './container-engine';
import { detectLimitsMechanism } from './limits';
import { firstLines, runProbe } from './probe-command';

/**
 * What isolation this machine can give, for `GET /health` and for refusing a spawn early. Each
 * probe runs for real once (a trial bubblewrap sandbox, the engine's `info`), then the answer is
 * kept: machines do not grow user namespaces while the runtime runs.
 */

export const SANDBOX_EXEC = '/usr/bin/sandbox-exec';
const PROBE_TIMEOUT_MS = 5000;

export interface CapabilityProbes {
  platform: NodeJS.Platform;
  /** Undefined when a trial sandbox ran, else why not. */
  trialBubblewrap(): Promise<string | undefined>;
  sandboxExecExists(): boolean;
  containerEngine(): Promise<EngineProbe>;
  limitsMechanism(): LimitsMechanism;
}

/** Runs `bwrap --ro-bind / / --unshare-all true`: the namespaces the sandbox backend needs, nothing else. */
export async function trialBubblewrap(bwrap = 'bwrap'): Promise<string | undefined> {
  const result = await runProbe(bwrap, ['--ro-bind', '/', '/', '--unshare-all', 'true'], PROBE_TIMEOUT_MS);
  if (result.code === 0) return undefined;
  if (result.code === 'ENOENT') return 'bubblewrap (bwrap) is not installed';
  if (result.code === 'TIMEOUT') return `a trial bubblewrap sandbox did not finish within ${PROBE_TIMEOUT_MS} ms`;
  const said = firstLines(result.stderr);
  if (/namespace|uid map|permission|not permitted/i.test(said)) {
    return `bubblewrap cannot create namespaces here; user namespaces are probably disabled (kernel.unprivileged_userns_clone, user.max_user_namespaces, or an AppArmor userns restriction): ${said}`;
  }
  return `a trial bubblewrap sandbox failed: ${said || `exit ${result.code}`}`;
}

export function systemProbes(engine: EngineOptions = {}): CapabilityProbes {
  return {
    platform: process.platform,
    trialBubblewrap: () => trialBubblewrap(),
    sandboxExecExists: () => fs.existsSync(SANDBOX_EXEC),
    containerEngine: () => detectContainerEngine(engine),
    limitsMechanism: () => detectLimitsMechanism(),
  };
}

type MachineSupport = Omit<IsolationSupport, 'defaultMode'>;

async function probeMachine(probes: CapabilityProbes): Promise<MachineSupport> {
  const [sandbox, container] = await Promise.all([sandboxSupport(probes), containerSupport(probes)]);
  return { none: { available: true }, sandbox, container, limits: probes.limitsMechanism() };
}

async function sandboxSupport(probes: CapabilityProbes): Promise<IsolationSupport['sandbox']> {
  if (probes.platform === 'linux') {
    const reason = await probes.trialBubblewrap();
    return reason === undefined ? { available: true, backend: 'bubblewrap' } : { available: false, backend: 'bubblewrap', reason };
  }
  if (probes.platform === 'darwin') {
    return probes.sandboxExecExists() ? { available: true, backend: 'sandbox-exec' } : { available: false, backend: 'sandbox-exec', reason: `${SANDBOX_EXEC} is missing` };
  }
  return { available: false, reason: `no sandbox backend for ${probes.platform} (use container mode)` };
}

async function containerSupport(probes: CapabilityProbes): Promise<IsolationSupport['container']> {
  const probe = await probes.containerEngine();
  if (probe.engine !== undefined) return { available: true, engine: probe.engine };
  const support: IsolationModeSupport = { available: false, reason: probe.reason };
  return support;
}

const machineProbes = systemProbes();
const cache = new WeakMap<CapabilityProbes, Promise<MachineSupport>>();

/**
 * This machine's isolation support with the runtime's default mode, probed once per `probes`
 * (the default probes the real machine with the engines' default settings).
 */
export async function detectIsolationSupport(config: { isolation: { mode: IsolationMode } }, probes: CapabilityProbes = machineProbes): Promise<IsolationSupport> {
  let machine = cache.get(probes);
  if (machine === undefined) {
    machine = probeMachine(probes);
    cache.set(probes, machine);
  }
  return { ...(await machine), defaultMode: config.isolation.mode };
}

/** Forgets the cached probe of `probes` (tests; a settings change of the container engine). */
export function forgetIsolationSupport(probes: CapabilityProbes = machineProbes): void {
  cache.delete(probes);
}

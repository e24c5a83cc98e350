import type { IsolationLimits, IsolationMode, IsolationRequest, IsolationSpec } from '../../../src-shared/isolation';
import { LIMIT_RANGES } from '../../../src-shared/isolation-input';
import { RuntimeError } from '../errors';

/**
 * Where a spawn's isolation comes from besides its own `isolation` field: Parallax's `resources`
 * (`{cpu, memory}`, Kubernetes-style quantities) become limits when the spawn is isolated
 * (docs/isolation-requests.md). Pure: no I/O, so every rule here is unit-tested on its own.
 */

/** Parallax's `AgentConfig.resources`, as the schema lets it through. */
export interface ResourceQuantities {
  cpu?: number | string;
  memory?: number | string;
}

const MIB = 1024 * 1024;

/**
 * Binary (Ki, Mi…) and decimal (k, M…) suffixes as Kubernetes writes them, plus Docker's lower-case
 * `k`, `m`, `g` (binary in Docker). Bytes per unit.
 */
const MEMORY_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  ki: 1024,
  mi: MIB,
  gi: 1024 * MIB,
  ti: 1024 * 1024 * MIB,
  k: 1024,
  kb: 1024,
  m: MIB,
  mb: MIB,
  g: 1024 * MIB,
  gb: 1024 * MIB,
  t: 1024 * 1024 * MIB,
  tb: 1024 * 1024 * MIB,
};

const MEMORY_MB_RANGE = LIMIT_RANGES.memoryMb;
const CPU_PERCENT_RANGE = LIMIT_RANGES.cpuPercent;

const QUANTITY = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-zA-Z]*)\s*$/;

function invalid(field: string, value: unknown, expected: string): RuntimeError {
  return new RuntimeError('VALIDATION_ERROR', `Invalid ${field} ${JSON.stringify(value)}: ${expected}.`, { field, value });
}

/**
 * Memory as MiB, rounded up so a limit is never tighter than asked. A bare number is bytes, as in
 * Kubernetes and Docker, where this field's shape comes from.
 */
export function parseMemoryMb(value: number | string, field = 'resources.memory'): number {
  const expected = 'give bytes, or a quantity such as "512Mi", "512m", "1Gi" or "1g"';
  let bytes: number;
  if (typeof value === 'number') {
    bytes = value;
  } else {
    const match = QUANTITY.exec(value);
    const unit = match ? MEMORY_UNITS[match[2].toLowerCase()] : undefined;
    if (!match || unit === undefined) throw invalid(field, value, expected);
    bytes = Number(match[1]) * unit;
  }
  if (!Number.isFinite(bytes) || bytes <= 0) throw invalid(field, value, expected);
  const mb = Math.ceil(bytes / MIB);
  if (mb < MEMORY_MB_RANGE.min || mb > MEMORY_MB_RANGE.max) {
    throw invalid(field, value, `the memory limit must be between ${MEMORY_MB_RANGE.min} MiB and ${MEMORY_MB_RANGE.max} MiB (a bare number is bytes)`);
  }
  return mb;
}

/**
 * CPU as a percentage of one core: `0.5`, `"0.5"` and `"500m"` (millicores) are all half a core,
 * i.e. 50. Rounded to the nearest percent, and never below 1 for a positive value.
 */
export function parseCpuPercent(value: number | string, field = 'resources.cpu'): number {
  const expected = 'give cores ("0.5", 2) or millicores ("500m")';
  let cores: number;
  if (typeof value === 'number') {
    cores = value;
  } else {
    const match = QUANTITY.exec(value);
    if (!match || (match[2] !== '' && match[2] !== 'm')) throw invalid(field, value, expected);
    cores = match[2] === 'm' ? Number(match[1]) / 1000 : Number(match[1]);
  }
  if (!Number.isFinite(cores) || cores <= 0) throw invalid(field, value, expected);
  const percent = Math.max(CPU_PERCENT_RANGE.min, Math.round(cores * 100));
  if (percent > CPU_PERCENT_RANGE.max) throw invalid(field, value, `at most ${CPU_PERCENT_RANGE.max / 100} cores`);
  return percent;
}

/** The limits `resources` asks for; an absent field sets no limit. */
export function limitsFromResources(resources: ResourceQuantities): IsolationLimits {
  const limits: IsolationLimits = {};
  if (resources.memory !== undefined) limits.memoryMb = parseMemoryMb(resources.memory);
  if (resources.cpu !== undefined) limits.cpuPercent = parseCpuPercent(resources.cpu);
  return limits;
}

function asRequest(spec: IsolationSpec): IsolationRequest {
  return typeof spec === 'string' ? { mode: spec } : spec;
}

/**
 * The isolation to spawn with, given the spawn's own `isolation`, its `resources` and the runtime's
 * default mode. `resources` only matter when the agent ends up isolated (a process running as the
 * user has nothing to hold limits), and only fill limits the spawn's `isolation.limits` left unset:
 * the isolation field is the more specific of the two. Without resources the spawn's own field
 * passes through untouched, so the runtime's defaults still fill the rest.
 */
export function isolationWithResources(
  isolation: IsolationSpec | undefined,
  resources: ResourceQuantities | undefined,
  defaultMode: IsolationMode,
): IsolationSpec | undefined {
  if (resources === undefined || (resources.cpu === undefined && resources.memory === undefined)) return isolation;
  const request: IsolationRequest = isolation === undefined ? { mode: defaultMode } : asRequest(isolation);
  if (request.mode === 'none') return isolation;
  const fromResources = limitsFromResources(resources);
  return { ...request, limits: { ...fromResources, ...request.limits } };
}

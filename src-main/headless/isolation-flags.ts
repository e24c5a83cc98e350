import { ISOLATION_MODES, NETWORK_MODES, type IsolationLimits, type IsolationRequest } from '../../src-shared/isolation';
import { isAllowlistHost } from '../../src-shared/isolation-input';
import { isolationRequestSchema } from '../server/schemas/isolation';
import { UsageError } from './usage-error';
import { closestWord } from './usage';

/**
 * `--isolation` and its companions (and their `RAVEN_ISOLATION*` environment twins) → the runtime's
 * default isolation (`RuntimeConfig.isolation`). Each flag wins over its own variable; the result
 * is checked with the same schema a spawn's `isolation` is, so the CLI accepts exactly what the API
 * does (docs/isolation-requests.md).
 */

/** The parsed flags this module reads (node:util parseArgs values). */
export interface IsolationFlagValues {
  isolation?: string;
  'isolation-network'?: string;
  'isolation-allow'?: string[];
  'isolation-memory'?: string;
  'isolation-cpu'?: string;
  'isolation-processes'?: string;
}

/** One flag, where its value came from, for error messages that name what the person typed. */
interface Source {
  value: string;
  name: string;
}

function pick(flagValue: string | undefined, flag: string, env: NodeJS.ProcessEnv, variable: string): Source | undefined {
  if (flagValue !== undefined) return { value: flagValue.trim(), name: flag };
  const fromEnv = env[variable];
  return fromEnv === undefined || fromEnv.trim() === '' ? undefined : { value: fromEnv.trim(), name: variable };
}

function oneOf<T extends string>(source: Source, allowed: readonly T[]): T {
  const value = source.value.toLowerCase();
  const match = allowed.find((candidate) => candidate === value);
  if (match !== undefined) return match;
  const suggestion = closestWord(value, allowed);
  throw new UsageError(`${source.name} must be one of ${allowed.join(', ')}, got "${source.value}".${suggestion ? ` Did you mean "${suggestion}"?` : ''}`);
}

function wholeNumber(source: Source, unit: string): number {
  if (!/^\d+$/.test(source.value)) throw new UsageError(`${source.name} needs a whole number (${unit}), got "${source.value}".`);
  return Number(source.value);
}

function hosts(flagValues: string[] | undefined, env: NodeJS.ProcessEnv): string[] | undefined {
  const fromFlags = flagValues !== undefined && flagValues.length > 0;
  const list = fromFlags ? flagValues : (env.RAVEN_ISOLATION_ALLOW ?? '').split(',');
  const name = fromFlags ? '--isolation-allow' : 'RAVEN_ISOLATION_ALLOW';
  const entries = list.map((entry) => entry.trim()).filter((entry) => entry !== '');
  for (const entry of entries) {
    if (!isAllowlistHost(entry)) throw new UsageError(`${name}: "${entry}" is not a host; give host, host:port or *.domain (no scheme, no path).`);
  }
  return entries.length > 0 ? entries : undefined;
}

/** Which option the schema's complaint is about, in the words the person used. */
const LIMIT_SOURCES: Readonly<Record<keyof IsolationLimits, string>> = {
  memoryMb: '--isolation-memory',
  cpuPercent: '--isolation-cpu',
  maxProcesses: '--isolation-processes',
};

/** The default isolation the flags and environment ask for; undefined when they say nothing. */
export function isolationFromFlags(values: IsolationFlagValues, env: NodeJS.ProcessEnv): IsolationRequest | undefined {
  const modeSource = pick(values.isolation, '--isolation', env, 'RAVEN_ISOLATION');
  const networkSource = pick(values['isolation-network'], '--isolation-network', env, 'RAVEN_ISOLATION_NETWORK');
  const memory = pick(values['isolation-memory'], '--isolation-memory', env, 'RAVEN_ISOLATION_MEMORY');
  const cpu = pick(values['isolation-cpu'], '--isolation-cpu', env, 'RAVEN_ISOLATION_CPU');
  const processes = pick(values['isolation-processes'], '--isolation-processes', env, 'RAVEN_ISOLATION_PROCESSES');
  const allow = hosts(values['isolation-allow'], env);

  const mode = modeSource === undefined ? undefined : oneOf(modeSource, ISOLATION_MODES);
  const network = networkSource === undefined ? undefined : oneOf(networkSource, NETWORK_MODES);
  const limits: IsolationLimits = {};
  if (memory !== undefined) limits.memoryMb = wholeNumber(memory, 'MiB');
  if (cpu !== undefined) limits.cpuPercent = wholeNumber(cpu, 'percent of one core');
  if (processes !== undefined) limits.maxProcesses = wholeNumber(processes, 'processes');

  const refinements = [networkSource, memory, cpu, processes].filter((s): s is Source => s !== undefined);
  if (allow !== undefined) refinements.push({ value: allow.join(','), name: values['isolation-allow']?.length ? '--isolation-allow' : 'RAVEN_ISOLATION_ALLOW' });
  if (mode === undefined || mode === 'none') {
    // Network and limits of an agent that runs as the user would be silently ignored; say so instead.
    if (refinements.length > 0) {
      throw new UsageError(`${refinements[0].name} needs --isolation sandbox or --isolation container${mode === 'none' ? ' (agents are not isolated with "none")' : ''}.`);
    }
    return mode === undefined ? undefined : { mode };
  }
  if (allow !== undefined && network !== undefined && network !== 'allowlist') {
    throw new UsageError(`--isolation-allow adds hosts to the allowlist; it means nothing with --isolation-network ${network}.`);
  }

  const request: IsolationRequest = { mode };
  if (network !== undefined) request.network = network;
  if (allow !== undefined) request.allow = allow;
  if (Object.keys(limits).length > 0) request.limits = limits;
  const checked = isolationRequestSchema.safeParse(request);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const field = issue.path[issue.path.length - 1];
    const name = typeof field === 'string' && field in LIMIT_SOURCES ? LIMIT_SOURCES[field as keyof IsolationLimits] : '--isolation-allow';
    const bound = issue.code === 'too_small' ? `must be at least ${String(issue.minimum)}` : issue.code === 'too_big' ? `must be at most ${String(issue.maximum)}` : issue.message;
    throw new UsageError(`${name} ${bound}.`);
  }
  return request;
}

/** "sandbox (network allowlist, memory 512 MiB)" for the start-up line. */
export function describeIsolation(request: IsolationRequest): string {
  const parts: string[] = [];
  if (request.network !== undefined) parts.push(`network ${request.network}`);
  if (request.allow !== undefined) parts.push(`also allowing ${request.allow.join(', ')}`);
  if (request.limits?.memoryMb !== undefined) parts.push(`memory ${request.limits.memoryMb} MiB`);
  if (request.limits?.cpuPercent !== undefined) parts.push(`CPU ${request.limits.cpuPercent}% of a core`);
  if (request.limits?.maxProcesses !== undefined) parts.push(`${request.limits.maxProcesses} processes`);
  return parts.length > 0 ? `${request.mode} (${parts.join(', ')})` : request.mode;
}

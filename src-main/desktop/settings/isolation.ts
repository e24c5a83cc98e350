import { z } from 'zod';
import type { IsolationSetting } from '../../../src-shared/desktop';
import { ISOLATION_MODES, NETWORK_MODES, type IsolationLimits, type IsolationRequest } from '../../../src-shared/isolation';
import { isAllowlistHost, LIMIT_RANGES, MAX_ALLOW_ENTRIES } from '../../../src-shared/isolation-input';

/**
 * The app's default isolation setting: its default, its stored and page-sent forms, and what it
 * becomes for the runtime (docs/isolation-requests.md). Limits and hosts follow the same bounds
 * as a spawn's `isolation` (src-shared/isolation-input.ts).
 */

/** Nothing isolated, as the headless runtime starts; `allowlist` is what `sandbox` gets when chosen. */
export const DEFAULT_ISOLATION_SETTING: Readonly<IsolationSetting> = Object.freeze({ mode: 'none', network: 'allowlist', allow: [], limits: {} });

const LIMIT_LABELS: Readonly<Record<keyof IsolationLimits, string>> = {
  memoryMb: 'The memory limit',
  cpuPercent: 'The CPU limit',
  maxProcesses: 'The process limit',
};

function limit(field: keyof IsolationLimits) {
  const { min, max, unit } = LIMIT_RANGES[field];
  const error = `${LIMIT_LABELS[field]} must be a whole number from ${min} to ${max} (${unit}), or empty for none.`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

const limitFields = {
  memoryMb: limit('memoryMb').optional(),
  cpuPercent: limit('cpuPercent').optional(),
  maxProcesses: limit('maxProcesses').optional(),
};

const mode = z.enum(ISOLATION_MODES, { error: 'Isolation is none, sandbox or container.' });
const network = z.enum(NETWORK_MODES, { error: 'The network is none, allowlist or full.' });

/** In the file: open objects, so an older app reads a newer file. */
export const storedIsolationSchema = z.looseObject({
  mode,
  network,
  allow: z.array(z.string()),
  limits: z.looseObject(limitFields),
});

/** Hosts from the page: trimmed, blanks and duplicates dropped, each one a host. */
const allowPatch = z
  .array(z.string({ error: 'Each allowed host must be text.' }).max(300), { error: 'Allowed hosts must be a list.' })
  .max(MAX_ALLOW_ENTRIES, { error: `At most ${MAX_ALLOW_ENTRIES} allowed hosts.` })
  .transform((list, ctx) => {
    const hosts: string[] = [];
    for (const raw of list) {
      const host = raw.trim();
      if (host === '') continue;
      if (!isAllowlistHost(host)) {
        ctx.addIssue({ code: 'custom', message: `"${raw.slice(0, 80)}" is not a host: give host, host:port or *.domain, without https:// or a path.` });
        return z.NEVER;
      }
      if (!hosts.includes(host)) hosts.push(host);
    }
    return hosts;
  });

/** From a page: the whole setting at once (the page always sends every field), strictly checked. */
export const isolationPatchSchema = z.strictObject(
  {
    mode,
    network,
    allow: allowPatch,
    limits: z.strictObject(limitFields, { error: (issue) => (issue.code === 'unrecognized_keys' ? `Unknown limit "${String(issue.keys[0])}".` : 'Limits must be an object.') }),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `Unknown isolation field "${String(issue.keys[0])}".` : 'Isolation must be an object of mode, network, allow and limits.') },
);

/** Only the limits that are set: an absent one means no limit of that kind. */
function setLimits(limits: IsolationLimits): IsolationLimits {
  const out: IsolationLimits = {};
  if (limits.memoryMb !== undefined) out.memoryMb = limits.memoryMb;
  if (limits.cpuPercent !== undefined) out.cpuPercent = limits.cpuPercent;
  if (limits.maxProcesses !== undefined) out.maxProcesses = limits.maxProcesses;
  return out;
}

/**
 * `RuntimeConfig.isolation` from the setting. With mode `none` the rest is kept in the file (a
 * person switching back to sandbox finds their hosts) but not handed on: it would mean nothing.
 */
export function isolationRequestOf(setting: IsolationSetting): IsolationRequest {
  if (setting.mode === 'none') return { mode: 'none' };
  const request: IsolationRequest = { mode: setting.mode, network: setting.network };
  if (setting.network === 'allowlist' && setting.allow.length > 0) request.allow = [...setting.allow];
  const limits = setLimits(setting.limits);
  if (Object.keys(limits).length > 0) request.limits = limits;
  return request;
}

import type { IsolationLimits } from './isolation';

/**
 * What a person may type for isolation, wherever they type it (the CLI's flags, the app's
 * settings, a Parallax `resources` quantity): the ranges of each limit and the form of an allowlist
 * host. The spawn schema (src-main/server/schemas/isolation.ts) has the same bounds; a test holds
 * them together.
 */

export const LIMIT_RANGES: Readonly<Record<keyof IsolationLimits, { min: number; max: number; unit: string }>> = {
  memoryMb: { min: 16, max: 1_048_576, unit: 'MiB' },
  cpuPercent: { min: 1, max: 102_400, unit: '% of one core' },
  maxProcesses: { min: 4, max: 1_000_000, unit: 'processes' },
};

/** Extra allowlist hosts a policy may list (the spawn schema's cap). */
export const MAX_ALLOW_ENTRIES = 64;

/** `host`, `host:port`, `*.domain`, an IPv4 address or a bracketed IPv6 one, with an optional port. */
const HOST_PATTERN = /^(?:(?:\*\.)?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/** Whether `entry` is an allowlist host as docs/isolation-network.md describes it (no scheme, no path). */
export function isAllowlistHost(entry: string): boolean {
  return entry.length <= 253 + 6 && HOST_PATTERN.test(entry);
}

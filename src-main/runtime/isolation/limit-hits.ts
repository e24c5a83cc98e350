import type { IsolationLimits } from '../../../src-shared/isolation';
import type { LimitCounters } from './cgroup-group';
import type { LimitHit } from './types';

/**
 * The hits two readings of a cgroup's counters show. Memory counts OOM kills only: hitting the
 * memory limit itself (v2's `max`) just makes the kernel reclaim page cache, which busy agents do
 * all day. CPU has no hit: a quota slows the agent, it never refuses anything.
 */
export function hitsBetween(before: LimitCounters, after: LimitCounters, limits: IsolationLimits): LimitHit[] {
  const hits: LimitHit[] = [];
  const oomKills = (after.oomKills ?? 0) - (before.oomKills ?? 0);
  const forksRefused = (after.forksRefused ?? 0) - (before.forksRefused ?? 0);
  if (oomKills > 0) {
    hits.push({ limit: 'memory', detail: `memory limit of ${limits.memoryMb} MiB reached: the kernel ended ${oomKills} of the agent's processes` });
  }
  if (forksRefused > 0) {
    hits.push({
      limit: 'processes',
      detail: `process limit of ${limits.maxProcesses} reached: the kernel refused ${forksRefused} new process${forksRefused === 1 ? '' : 'es'}`,
    });
  }
  return hits;
}

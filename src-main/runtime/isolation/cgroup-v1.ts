import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IsolationLimits } from '../../../src-shared/isolation';
import { directoryOf, type CgroupView } from './cgroup-paths';
import { killListed, makeFreshDir, readKeyed, readPids, removeDirs, writeControl, type AgentCgroup } from './cgroup-group';

/**
 * cgroup v1: memory, pids and cpu are separate hierarchies (cpu is often shared with cpuacct). Each
 * agent gets a `raven-<id>` child of the runtime's own cgroup in every hierarchy a limit needs.
 */

export const V1_CONTROLLERS = ['memory', 'pids', 'cpu'] as const;
export type V1Controller = (typeof V1_CONTROLLERS)[number];

/** The runtime's own cgroup directory per controller (with `fsRoot`). */
export type V1Layout = Record<V1Controller, string>;

/** CFS period: 100 ms, the kernel's default; the quota is the share of it. */
export const CFS_PERIOD_US = 100_000;

export function locateV1(view: CgroupView, fsRoot: string): V1Layout | undefined {
  const layout: Partial<V1Layout> = {};
  for (const controller of V1_CONTROLLERS) {
    const membership = view.memberships.find((m) => m.id !== '0' && m.controllers.includes(controller));
    const mount = view.mounts.find((m) => m.version === 1 && m.controllers.includes(controller));
    if (!membership || !mount) return undefined;
    const dir = directoryOf(mount, membership.path);
    if (dir === undefined) return undefined;
    layout[controller] = path.join(fsRoot, dir);
  }
  return layout as V1Layout;
}

/** True when a child can be made and removed in every hierarchy (the real test of "writable"). */
export function probeV1(layout: V1Layout, probeName: string): boolean {
  const made: string[] = [];
  try {
    for (const dir of new Set(Object.values(layout))) {
      const child = path.join(dir, probeName);
      fs.mkdirSync(child);
      made.push(child);
    }
    return true;
  } catch {
    return false;
  } finally {
    removeDirs(made);
  }
}

export function cpuQuotaUs(cpuPercent: number): number {
  // The kernel refuses quotas under 1 ms.
  return Math.max(1000, Math.round((CFS_PERIOD_US * cpuPercent) / 100));
}

/** The controllers the limits need; a limit left unset needs no hierarchy. */
function controllersFor(limits: IsolationLimits): V1Controller[] {
  const out: V1Controller[] = [];
  if (limits.memoryMb !== undefined) out.push('memory');
  if (limits.maxProcesses !== undefined) out.push('pids');
  if (limits.cpuPercent !== undefined) out.push('cpu');
  return out;
}

export function createV1Group(layout: V1Layout, name: string, limits: IsolationLimits): AgentCgroup {
  const dirs = new Map<V1Controller, string>();
  const made: string[] = [];
  try {
    for (const controller of controllersFor(limits)) {
      const dir = path.join(layout[controller], name);
      // cpu and cpuacct (or others) may share a hierarchy: one directory serves both.
      if (!made.includes(dir)) {
        makeFreshDir(dir);
        made.push(dir);
      }
      dirs.set(controller, dir);
    }
    const memory = dirs.get('memory');
    if (memory !== undefined && limits.memoryMb !== undefined) {
      const bytes = String(limits.memoryMb * 1024 * 1024);
      writeControl(memory, 'memory.limit_in_bytes', bytes);
      // memory+swap: without it the agent would spill into swap instead of being limited. The file
      // exists only with swap accounting; memsw must be set after (and not below) the memory limit.
      if (fs.existsSync(path.join(memory, 'memory.memsw.limit_in_bytes'))) writeControl(memory, 'memory.memsw.limit_in_bytes', bytes);
    }
    const pids = dirs.get('pids');
    if (pids !== undefined && limits.maxProcesses !== undefined) writeControl(pids, 'pids.max', String(limits.maxProcesses));
    const cpu = dirs.get('cpu');
    if (cpu !== undefined && limits.cpuPercent !== undefined) {
      writeControl(cpu, 'cpu.cfs_period_us', String(CFS_PERIOD_US));
      writeControl(cpu, 'cpu.cfs_quota_us', String(cpuQuotaUs(limits.cpuPercent)));
    }
  } catch (error) {
    removeDirs(made);
    throw error;
  }
  const procsFiles = made.map((dir) => path.join(dir, 'cgroup.procs'));
  return {
    dirs: made,
    procsFiles,
    readCounters() {
      const memoryDir = dirs.get('memory');
      const pidsDir = dirs.get('pids');
      return {
        oomKills: memoryDir === undefined ? undefined : readKeyed(path.join(memoryDir, 'memory.oom_control'), 'oom_kill'),
        forksRefused: pidsDir === undefined ? undefined : readKeyed(path.join(pidsDir, 'pids.events'), 'max'),
      };
    },
    members() {
      return [...new Set(procsFiles.flatMap(readPids))];
    },
    killMembers() {
      killListed(procsFiles);
    },
    remove() {
      return removeDirs(made);
    },
  };
}

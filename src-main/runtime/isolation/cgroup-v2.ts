import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IsolationLimits } from '../../../src-shared/isolation';
import { directoryOf, type CgroupView } from './cgroup-paths';
import { killListed, makeFreshDir, readKeyed, readPids, removeDirs, writeControl, type AgentCgroup } from './cgroup-group';
import { CFS_PERIOD_US, cpuQuotaUs } from './cgroup-v1';

/**
 * cgroup v2 (one unified hierarchy). Its rule "no processes in inner nodes" means the runtime cannot
 * hang agents under its own cgroup (it holds the runtime, so it cannot enable controllers for
 * children). Agents therefore become siblings of the runtime's cgroup: children of its parent, whose
 * subtree_control already enables the controllers the runtime's cgroup has. When the runtime sits at
 * the hierarchy's root (root is exempt from the rule), agents become children of the root.
 */

export const V2_CONTROLLERS = ['memory', 'pids', 'cpu'] as const;

export interface V2Layout {
  /** Where agents' cgroups are made (with `fsRoot`). */
  base: string;
  /** True when `base` is the runtime's own cgroup (the root), whose subtree_control we must enable. */
  enableInBase: boolean;
}

export function locateV2(view: CgroupView, fsRoot: string): V2Layout | undefined {
  const membership = view.memberships.find((m) => m.id === '0');
  const mount = view.mounts.find((m) => m.version === 2 && directoryOf(m, membership?.path ?? '/') !== undefined);
  if (!membership || !mount) return undefined;
  const own = directoryOf(mount, membership.path);
  if (own === undefined) return undefined;
  const ownDir = path.join(fsRoot, own);
  if (!hasControllers(ownDir)) return undefined;
  if (own === mount.mountPoint) return { base: ownDir, enableInBase: true };
  return { base: path.dirname(ownDir), enableInBase: false };
}

function hasControllers(dir: string): boolean {
  try {
    const available = fs.readFileSync(path.join(dir, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
    return V2_CONTROLLERS.every((controller) => available.includes(controller));
  } catch {
    return false;
  }
}

/** Makes and removes a child of the base and checks it got the three controllers. */
export function probeV2(layout: V2Layout, probeName: string): boolean {
  const child = path.join(layout.base, probeName);
  try {
    if (layout.enableInBase) enableControllers(layout.base);
    fs.mkdirSync(child);
    return hasControllers(child);
  } catch {
    return false;
  } finally {
    removeDirs([child]);
  }
}

function enableControllers(dir: string): void {
  writeControl(dir, 'cgroup.subtree_control', V2_CONTROLLERS.map((controller) => `+${controller}`).join(' '));
}

export function createV2Group(layout: V2Layout, name: string, limits: IsolationLimits): AgentCgroup {
  if (layout.enableInBase) enableControllers(layout.base);
  const dir = path.join(layout.base, name);
  makeFreshDir(dir);
  try {
    if (limits.memoryMb !== undefined) {
      writeControl(dir, 'memory.max', String(limits.memoryMb * 1024 * 1024));
      // No swap: otherwise the agent spills into swap instead of being limited. Absent without swap.
      if (fs.existsSync(path.join(dir, 'memory.swap.max'))) writeControl(dir, 'memory.swap.max', '0');
    }
    if (limits.cpuPercent !== undefined) writeControl(dir, 'cpu.max', `${cpuQuotaUs(limits.cpuPercent)} ${CFS_PERIOD_US}`);
    if (limits.maxProcesses !== undefined) writeControl(dir, 'pids.max', String(limits.maxProcesses));
  } catch (error) {
    removeDirs([dir]);
    throw error;
  }
  const procsFile = path.join(dir, 'cgroup.procs');
  return {
    dirs: [dir],
    procsFiles: [procsFile],
    readCounters() {
      return {
        oomKills: limits.memoryMb === undefined ? undefined : readKeyed(path.join(dir, 'memory.events'), 'oom_kill'),
        forksRefused: limits.maxProcesses === undefined ? undefined : readKeyed(path.join(dir, 'pids.events'), 'max'),
      };
    },
    members() {
      return readPids(procsFile);
    },
    killMembers() {
      const killFile = path.join(dir, 'cgroup.kill');
      try {
        fs.writeFileSync(killFile, '1');
      } catch {
        killListed([procsFile]); // cgroup.kill is Linux 5.14+
      }
    },
    remove() {
      return removeDirs([dir]);
    },
  };
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import { directoryOf, parseCgroupMounts, parseProcCgroup } from './cgroup-paths';
import { readKeyed, type LimitCounters } from './cgroup-group';

/**
 * Reads the limit counters of a cgroup someone else made (a container engine's), found from one
 * of its processes: the same counters limits.ts polls for its own groups.
 */

export interface CgroupCounterFiles {
  /** `memory.oom_control` (v1) or `memory.events` (v2). */
  oomFile?: string;
  pidsEventsFile?: string;
}

export function counterFilesOf(pid: number, fsRoot = ''): CgroupCounterFiles | undefined {
  let cgroupText: string;
  let mountinfo: string;
  try {
    cgroupText = fs.readFileSync(path.join(fsRoot, `/proc/${pid}/cgroup`), 'utf8');
    mountinfo = fs.readFileSync(path.join(fsRoot, '/proc/self/mountinfo'), 'utf8');
  } catch {
    return undefined;
  }
  const memberships = parseProcCgroup(cgroupText);
  const mounts = parseCgroupMounts(mountinfo);
  const dirFor = (controller: string): { dir: string; version: 1 | 2 } | undefined => {
    const v1 = memberships.find((m) => m.id !== '0' && m.controllers.includes(controller));
    const v1Mount = mounts.find((m) => m.version === 1 && m.controllers.includes(controller));
    if (v1 && v1Mount) {
      const dir = directoryOf(v1Mount, v1.path);
      return dir === undefined ? undefined : { dir: path.join(fsRoot, dir), version: 1 };
    }
    const unified = memberships.find((m) => m.id === '0');
    const v2Mount = mounts.find((m) => m.version === 2);
    if (!unified || !v2Mount) return undefined;
    const dir = directoryOf(v2Mount, unified.path);
    return dir === undefined ? undefined : { dir: path.join(fsRoot, dir), version: 2 };
  };
  const memory = dirFor('memory');
  const pids = dirFor('pids');
  return {
    oomFile: memory && path.join(memory.dir, memory.version === 1 ? 'memory.oom_control' : 'memory.events'),
    pidsEventsFile: pids && path.join(pids.dir, 'pids.events'),
  };
}

export function readCounterFiles(files: CgroupCounterFiles): LimitCounters {
  return {
    oomKills: files.oomFile === undefined ? undefined : readKeyed(files.oomFile, 'oom_kill'),
    forksRefused: files.pidsEventsFile === undefined ? undefined : readKeyed(files.pidsEventsFile, 'max'),
  };
}

import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Where this process's cgroups are: the lines of /proc/self/cgroup joined with the cgroup mounts of
 * /proc/self/mountinfo. Everything is read under `fsRoot` so the rules can be tested against a
 * made-up /proc and /sys (an empty `fsRoot` is the real machine).
 */

export interface CgroupMembership {
  /** Hierarchy id (0 for the unified cgroup v2 hierarchy). */
  id: string;
  /** Controllers bound to the hierarchy (empty for v2, `name=systemd` style entries kept as is). */
  controllers: string[];
  /** The process's cgroup inside that hierarchy, e.g. `/user.slice/app.scope`. */
  path: string;
}

export interface CgroupMount {
  version: 1 | 2;
  /** Absolute mount point on the machine (without `fsRoot`). */
  mountPoint: string;
  /** The hierarchy path the mount shows at its mount point (`/` unless a namespace narrowed it). */
  root: string;
  /** For v1: the controllers of the hierarchy, from the super options. */
  controllers: string[];
}

/** Parses /proc/self/cgroup (`id:controllers:path` per line). */
export function parseProcCgroup(text: string): CgroupMembership[] {
  const out: CgroupMembership[] = [];
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const list = line.slice(first + 1, second);
    out.push({ id: line.slice(0, first), controllers: list === '' ? [] : list.split(','), path: line.slice(second + 1) });
  }
  return out;
}

/** Unescapes mountinfo's octal escapes (`\040` for a space). */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_match, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** The cgroup and cgroup2 mounts listed in /proc/self/mountinfo. */
export function parseCgroupMounts(text: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of text.split('\n')) {
    const separator = line.indexOf(' - ');
    if (separator < 0) continue;
    const before = line.slice(0, separator).split(' ');
    const after = line.slice(separator + 3).split(' ');
    const fsType = after[0];
    if (fsType !== 'cgroup' && fsType !== 'cgroup2') continue;
    if (before.length < 5) continue;
    const superOptions = (after[2] ?? '').split(',');
    out.push({
      version: fsType === 'cgroup2' ? 2 : 1,
      mountPoint: unescapeMountField(before[4]),
      root: unescapeMountField(before[3]),
      controllers: fsType === 'cgroup' ? superOptions.filter((option) => option !== 'rw' && option !== 'ro') : [],
    });
  }
  return out;
}

/** The directory (without `fsRoot`) of hierarchy path `cgroupPath` seen through `mount`. */
export function directoryOf(mount: CgroupMount, cgroupPath: string): string | undefined {
  const root = mount.root === '/' ? '' : mount.root;
  if (root !== '' && cgroupPath !== root && !cgroupPath.startsWith(`${root}/`)) return undefined;
  const relative = cgroupPath.slice(root.length).replace(/^\/+|\/+$/g, '');
  return relative === '' ? mount.mountPoint : path.posix.join(mount.mountPoint, relative);
}

export interface CgroupView {
  memberships: CgroupMembership[];
  mounts: CgroupMount[];
}

/** Reads /proc/self/cgroup and /proc/self/mountinfo under `fsRoot`; undefined where they are missing. */
export function readCgroupView(fsRoot: string): CgroupView | undefined {
  try {
    const cgroup = fs.readFileSync(path.join(fsRoot, '/proc/self/cgroup'), 'utf8');
    const mountinfo = fs.readFileSync(path.join(fsRoot, '/proc/self/mountinfo'), 'utf8');
    return { memberships: parseProcCgroup(cgroup), mounts: parseCgroupMounts(mountinfo) };
  } catch {
    return undefined;
  }
}

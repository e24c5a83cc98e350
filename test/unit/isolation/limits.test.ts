/**
 * The limits' parsing, layout and argv against a made-up /proc and /sys (the real kernel is in
 * test/integration/isolation-limits.test.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { directoryOf, parseCgroupMounts, parseProcCgroup } from '../../../src-main/runtime/isolation/cgroup-paths';
import { groupName, parseKeyed } from '../../../src-main/runtime/isolation/cgroup-group';
import { cpuQuotaUs, createV1Group, locateV1 } from '../../../src-main/runtime/isolation/cgroup-v1';
import { createV2Group, locateV2 } from '../../../src-main/runtime/isolation/cgroup-v2';
import { cgroupPrefix, createLimits, detectLimitsMechanism, forgetLimitsDetection, processRlimitPrefix } from '../../../src-main/runtime/isolation/limits';
import { treeResidentBytes } from '../../../src-main/runtime/isolation/memory-watchdog';
import type { LimitHit } from '../../../src-main/runtime/isolation/types';
import { FakeProc } from '../../support/fake-proc';
import { until } from '../../support/until';

const V1_MOUNTINFO = [
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
  '34 31 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '37 31 0:34 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids',
  '38 31 0:35 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
  '',
].join('\n');
const V1_CGROUP = ['8:pids:/user.slice', '4:memory:/process_api/abc', '1:cpu,cpuacct:/', '0::/'].join('\n');

let root: string;

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), text);
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-fake-sys-'));
  forgetLimitsDetection();
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
  forgetLimitsDetection();
});

describe('parsing', () => {
  it('reads /proc/self/cgroup lines, v1 and v2', () => {
    expect(parseProcCgroup(V1_CGROUP)).toEqual([
      { id: '8', controllers: ['pids'], path: '/user.slice' },
      { id: '4', controllers: ['memory'], path: '/process_api/abc' },
      { id: '1', controllers: ['cpu', 'cpuacct'], path: '/' },
      { id: '0', controllers: [], path: '/' },
    ]);
  });

  it('finds cgroup mounts in mountinfo with their controllers and escaped mount points', () => {
    const mounts = parseCgroupMounts(`${V1_MOUNTINFO}40 31 0:36 /ns /mnt/my\\040cg rw - cgroup2 cgroup2 rw\n`);
    expect(mounts.map((m) => [m.version, m.mountPoint, m.root, m.controllers.join(',')])).toEqual([
      [1, '/sys/fs/cgroup/cpu,cpuacct', '/', 'cpu,cpuacct'],
      [1, '/sys/fs/cgroup/memory', '/', 'memory'],
      [1, '/sys/fs/cgroup/pids', '/', 'pids'],
      [2, '/sys/fs/cgroup/unified', '/', ''],
      [2, '/mnt/my cg', '/ns', ''],
    ]);
  });

  it('maps a cgroup path through a mount whose root a namespace narrowed', () => {
    const [mount] = parseCgroupMounts('40 31 0:36 /ns /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n');
    expect(directoryOf(mount, '/ns/app.scope')).toBe('/sys/fs/cgroup/app.scope');
    expect(directoryOf(mount, '/ns')).toBe('/sys/fs/cgroup');
    expect(directoryOf(mount, '/other')).toBeUndefined();
  });

  it('reads flat keyed counter files', () => {
    expect(parseKeyed('oom_kill_disable 0\nunder_oom 0\noom_kill 3\n').get('oom_kill')).toBe(3);
    expect(parseKeyed('max 12\n').get('max')).toBe(12);
  });

  it('names cgroups only from safe agent ids', () => {
    expect(groupName('a1b2-c3')).toBe('raven-a1b2-c3');
    for (const bad of ['../x', 'a/b', '', '.hidden', 'a b', 'x'.repeat(129)]) expect(() => groupName(bad)).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR' }));
  });

  it('turns a CPU percentage into a CFS quota of the 100 ms period, never under 1 ms', () => {
    expect(cpuQuotaUs(50)).toBe(50_000);
    expect(cpuQuotaUs(200)).toBe(200_000);
    expect(cpuQuotaUs(0.5)).toBe(1000);
  });
});

describe('cgroup v1 on a made-up /sys', () => {
  beforeEach(() => {
    write('proc/self/mountinfo', V1_MOUNTINFO);
    write('proc/self/cgroup', V1_CGROUP);
    for (const dir of ['sys/fs/cgroup/cpu,cpuacct', 'sys/fs/cgroup/memory/process_api/abc', 'sys/fs/cgroup/pids/user.slice']) fs.mkdirSync(path.join(root, dir), { recursive: true });
  });

  it('locates the runtime own cgroup per controller (cpu shares the cpu,cpuacct hierarchy)', () => {
    const view = { memberships: parseProcCgroup(V1_CGROUP), mounts: parseCgroupMounts(V1_MOUNTINFO) };
    expect(locateV1(view, root)).toEqual({
      memory: path.join(root, 'sys/fs/cgroup/memory/process_api/abc'),
      pids: path.join(root, 'sys/fs/cgroup/pids/user.slice'),
      cpu: path.join(root, 'sys/fs/cgroup/cpu,cpuacct'),
    });
    expect(detectLimitsMechanism(root)).toBe('cgroup-v1');
  });

  it('writes the limits, memsw when present, and reports counters that go up as hits', async () => {
    const memoryParent = path.join(root, 'sys/fs/cgroup/memory/process_api/abc');
    const view = { memberships: parseProcCgroup(V1_CGROUP), mounts: parseCgroupMounts(V1_MOUNTINFO) };
    const layout = locateV1(view, root);
    expect(layout).toBeDefined();
    // A real memory cgroup has the memsw file from birth; a fake directory gets it from the test.
    const group = createV1Group(layout!, 'raven-x', { memoryMb: 64, cpuPercent: 20, maxProcesses: 8 });
    const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8');
    const memoryDir = path.join(memoryParent, 'raven-x');
    expect(read(memoryDir, 'memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
    expect(fs.existsSync(path.join(memoryDir, 'memory.memsw.limit_in_bytes'))).toBe(false);
    expect(read(path.join(root, 'sys/fs/cgroup/pids/user.slice/raven-x'), 'pids.max')).toBe('8');
    expect(read(path.join(root, 'sys/fs/cgroup/cpu,cpuacct/raven-x'), 'cpu.cfs_quota_us')).toBe('20000');
    expect(read(path.join(root, 'sys/fs/cgroup/cpu,cpuacct/raven-x'), 'cpu.cfs_period_us')).toBe('100000');
    expect(group.procsFiles).toEqual([
      path.join(memoryDir, 'cgroup.procs'),
      path.join(root, 'sys/fs/cgroup/pids/user.slice/raven-x/cgroup.procs'),
      path.join(root, 'sys/fs/cgroup/cpu,cpuacct/raven-x/cgroup.procs'),
    ]);
  });

  it('emits memory and processes hits when the kernel counters rise, and nothing before', async () => {
    const handle = await createLimits('fake1', { memoryMb: 64, maxProcesses: 8 }, { fsRoot: root, pollMs: 5, emptyWaitMs: 10 });
    expect(handle.mechanism).toBe('cgroup-v1');
    const memoryDir = path.join(root, 'sys/fs/cgroup/memory/process_api/abc/raven-fake1');
    const pidsDir = path.join(root, 'sys/fs/cgroup/pids/user.slice/raven-fake1');
    const hits: LimitHit[] = [];
    handle.onHit((hit) => hits.push(hit));
    fs.writeFileSync(path.join(pidsDir, 'pids.events'), 'max 0\n');
    fs.writeFileSync(path.join(memoryDir, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n');
    fs.writeFileSync(path.join(memoryDir, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n');
    await until(() => hits.length === 1, 2000, 'the memory hit');
    expect(hits[0]).toEqual({ limit: 'memory', detail: "memory limit of 64 MiB reached: the kernel ended 1 of the agent's processes" });
    fs.writeFileSync(path.join(pidsDir, 'pids.events'), 'max 5\n');
    await until(() => hits.length === 2, 2000, 'the processes hit');
    expect(hits[1]).toEqual({ limit: 'processes', detail: 'process limit of 8 reached: the kernel refused 5 new processes' });
    // A fake directory holds regular files, so rmdir fails: dispose must log it, not throw.
    await expect(handle.dispose()).resolves.toBeUndefined();
  });

  it('fails closed with ISOLATION_UNAVAILABLE when the group cannot be made', async () => {
    expect(detectLimitsMechanism(root)).toBe('cgroup-v1');
    fs.rmSync(path.join(root, 'sys/fs/cgroup/pids/user.slice'), { recursive: true });
    await expect(createLimits('fake2', { maxProcesses: 8 }, { fsRoot: root })).rejects.toMatchObject({ code: 'ISOLATION_UNAVAILABLE' });
    // Nothing half-made stays behind in the other hierarchies.
    await expect(createLimits('fake3', { memoryMb: 64, maxProcesses: 8 }, { fsRoot: root })).rejects.toMatchObject({ code: 'ISOLATION_UNAVAILABLE' });
    expect(fs.existsSync(path.join(root, 'sys/fs/cgroup/memory/process_api/abc/raven-fake3'))).toBe(false);
  });

  it('sets nothing up when no limit is asked for', async () => {
    const handle = await createLimits('fake4', {}, { fsRoot: root });
    expect(handle.prefix).toEqual([]);
    expect(handle.mechanism).toBe('none');
    expect(fs.readdirSync(path.join(root, 'sys/fs/cgroup/pids/user.slice'))).toEqual([]);
  });
});

describe('cgroup v2 on a made-up /sys', () => {
  const mountinfo = '30 23 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n';

  it('puts agents beside the runtime (children of its parent), not under it', () => {
    write('sys/fs/cgroup/user.slice/app.slice/raven.scope/cgroup.controllers', 'cpuset cpu io memory pids\n');
    const view = { memberships: parseProcCgroup('0::/user.slice/app.slice/raven.scope\n'), mounts: parseCgroupMounts(mountinfo) };
    expect(locateV2(view, root)).toEqual({ base: path.join(root, 'sys/fs/cgroup/user.slice/app.slice'), enableInBase: false });
  });

  it('uses the root (exempt from the no-inner-processes rule) when the runtime sits there', () => {
    write('sys/fs/cgroup/cgroup.controllers', 'cpu memory pids\n');
    const view = { memberships: parseProcCgroup('0::/\n'), mounts: parseCgroupMounts(mountinfo) };
    expect(locateV2(view, root)).toEqual({ base: path.join(root, 'sys/fs/cgroup'), enableInBase: true });
  });

  it('is not offered when the runtime cgroup lacks a controller', () => {
    write('sys/fs/cgroup/a/b/cgroup.controllers', 'cpu pids\n');
    const view = { memberships: parseProcCgroup('0::/a/b\n'), mounts: parseCgroupMounts(mountinfo) };
    expect(locateV2(view, root)).toBeUndefined();
  });

  it('writes memory.max, no swap, cpu.max and pids.max, and reads oom_kill and pids max', () => {
    const base = path.join(root, 'sys/fs/cgroup/app.slice');
    fs.mkdirSync(base, { recursive: true });
    const group = createV2Group({ base, enableInBase: true }, 'raven-y', { memoryMb: 100, cpuPercent: 150, maxProcesses: 32 });
    const dir = path.join(base, 'raven-y');
    const read = (file: string) => fs.readFileSync(path.join(dir, file), 'utf8');
    expect(read('memory.max')).toBe(String(100 * 1024 * 1024));
    expect(read('cpu.max')).toBe('150000 100000');
    expect(read('pids.max')).toBe('32');
    expect(fs.readFileSync(path.join(base, 'cgroup.subtree_control'), 'utf8')).toBe('+memory +pids +cpu');
    fs.writeFileSync(path.join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\n');
    fs.writeFileSync(path.join(dir, 'pids.events'), 'max 4\n');
    expect(group.readCounters()).toEqual({ oomKills: 2, forksRefused: 4 });
    expect(group.procsFiles).toEqual([path.join(dir, 'cgroup.procs')]);
  });
});

describe('the launch prefix', () => {
  it('is sh entering every cgroup.procs file, then exec of the program', () => {
    expect(cgroupPrefix(['/a/cgroup.procs', '/b/cgroup.procs'])).toEqual(['/bin/sh', '-c', expect.stringContaining('exec "$@"'), 'raven-limits', '/a/cgroup.procs', '/b/cgroup.procs', '--']);
    expect(processRlimitPrefix(12)).toEqual(['/bin/sh', '-c', expect.stringContaining('ulimit -u'), 'raven-limits', '12', '--']);
  });

  it('writes the PID the program then runs as (exec keeps it), args intact', () => {
    const files = [path.join(root, 'one.procs'), path.join(root, 'two.procs')];
    const prefix = cgroupPrefix(files);
    const out = execFileSync(prefix[0], [...prefix.slice(1), '/bin/sh', '-c', 'echo "$$|$1|$2"', 'program', 'a b', '--'], { encoding: 'utf8' });
    const [pid, first, second] = out.trim().split('|');
    expect(first).toBe('a b');
    expect(second).toBe('--');
    for (const file of files) expect(fs.readFileSync(file, 'utf8').trim()).toBe(pid);
  });

  it('refuses to run the program when a cgroup cannot be entered', () => {
    const prefix = cgroupPrefix([path.join(root, 'missing', 'cgroup.procs')]);
    const result = spawnSync(prefix[0], [...prefix.slice(1), '/bin/echo', 'ran'], { encoding: 'utf8' });
    expect(result.status).toBe(126);
    expect(result.stdout).not.toContain('ran');
    expect(result.stderr).toContain('raven-limits: cannot enter the cgroup');
  });
});

describe('memory watchdog', () => {
  it('sums resident memory over the root, its descendants and its group, nothing else', () => {
    const proc = new FakeProc();
    proc.table.set(100, { ppid: 1, pgid: 100, startTime: 1 });
    proc.table.set(101, { ppid: 100, pgid: 100, startTime: 2 });
    proc.table.set(102, { ppid: 101, pgid: 102, startTime: 3 }); // setsid'd grandchild
    proc.table.set(200, { ppid: 1, pgid: 200, startTime: 4 }); // someone else
    const rss = new Map([[100, 10], [101, 20], [102, 30], [200, 1000]]);
    expect(treeResidentBytes(100, proc, (pid) => rss.get(pid))).toBe(60);
  });
});

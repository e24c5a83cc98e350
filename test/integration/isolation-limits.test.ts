/**
 * Resource limits on this machine's real kernel: programs run in a real PTY behind the limits
 * prefix, and the kernel (not the test) decides whether they were limited.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as pty from 'node-pty';
import { afterEach, describe, expect, it } from 'vitest';
import { createLimits, detectLimitsMechanism } from '../../src-main/runtime/isolation/limits';
import type { LimitHit, LimitsHandle } from '../../src-main/runtime/isolation/types';
import type { IsolationLimits } from '../../src-shared/isolation';
import { until } from '../support/until';

interface Run {
  pid: number;
  output(): string;
  exited: Promise<{ exitCode: number; signal?: number }>;
  kill(): void;
}

function runInPty(argv: string[]): Run {
  let output = '';
  const child = pty.spawn(argv[0], argv.slice(1), { name: 'xterm-256color', cols: 120, rows: 40, cwd: '/tmp', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm-256color' } });
  child.onData((data) => {
    output += data;
  });
  const exited = new Promise<{ exitCode: number; signal?: number }>((resolve) => child.onExit(resolve));
  return { pid: child.pid, output: () => output, exited, kill: () => child.kill('SIGKILL') };
}

function firstHit(handle: LimitsHandle): Promise<LimitHit> {
  return new Promise((resolve) => {
    const subscription = handle.onHit((hit) => {
      subscription.dispose();
      resolve(hit);
    });
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms))]);
}

/** The cgroup directories a running process is in, per v1 controller, from /proc/<pid>/cgroup. */
function cgroupDirsOf(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n')) {
    const [, controllers, cgroupPath] = line.split(':');
    for (const controller of controllers.split(',')) if (controller) out[controller] = path.join('/sys/fs/cgroup', controller, cgroupPath);
  }
  return out;
}

/** user+system CPU time of a process, in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
function cpuTicks(pid: number): number {
  const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const mechanism = detectLimitsMechanism();
let counter = 0;
const handles: LimitsHandle[] = [];
const runs: Run[] = [];

async function limited(limits: IsolationLimits, options: Parameters<typeof createLimits>[2] = {}): Promise<{ handle: LimitsHandle; agentId: string }> {
  const agentId = `limits-test-${process.pid}-${++counter}`;
  const handle = await createLimits(agentId, limits, { pollMs: 50, ...options });
  handles.push(handle);
  return { handle, agentId };
}

function start(handle: LimitsHandle, program: string[]): Run {
  const run = runInPty([...handle.prefix, ...program]);
  runs.push(run);
  handle.attach(run.pid);
  return run;
}

afterEach(async () => {
  for (const run of runs.splice(0)) run.kill();
  await Promise.all(handles.splice(0).map((handle) => handle.dispose()));
});

describe('limits mechanism', () => {
  it('is detected as one of the known mechanisms', () => {
    expect(['cgroup-v2', 'cgroup-v1', 'rlimit', 'none']).toContain(mechanism);
    if (process.platform === 'linux') expect(mechanism).not.toBe('none');
  });
});

describe.runIf(mechanism === 'cgroup-v1' || mechanism === 'cgroup-v2')(`cgroup limits (${mechanism})`, () => {
  it('puts the program in its cgroup before its first instruction, and dispose removes the cgroup', async () => {
    const { handle, agentId } = await limited({ memoryMb: 256, maxProcesses: 64, cpuPercent: 50 });
    expect(handle.mechanism).toBe(mechanism);
    // cat's first and only act is to print its own cgroups: they must already be the agent's.
    const run = start(handle, ['/bin/cat', '/proc/self/cgroup']);
    expect((await run.exited).exitCode).toBe(0);
    const lines = run.output().split(/\r?\n/).filter((line) => line.includes(`raven-${agentId}`));
    if (mechanism === 'cgroup-v1') {
      const controllers = lines.flatMap((line) => line.split(':')[1].split(','));
      expect(controllers).toEqual(expect.arrayContaining(['memory', 'pids', 'cpu']));
    } else {
      expect(lines.some((line) => line.startsWith('0::'))).toBe(true);
    }
    const dirs = (handle.prefix.slice(4, -1)).map((file) => path.dirname(file));
    expect(dirs.length).toBeGreaterThan(0);
    for (const dir of dirs) expect(fs.existsSync(dir)).toBe(true);
    await handle.dispose();
    for (const dir of dirs) expect(fs.existsSync(dir)).toBe(false);
  });

  it('memoryMb 64: a program allocating 256 MiB is OOM-killed and the hit is reported as memory', async () => {
    const { handle } = await limited({ memoryMb: 64 });
    const hit = firstHit(handle);
    const run = start(handle, [PYTHON, '-c', "b = b'x' * (256 << 20); print('survived', len(b))"]);
    const exit = await withTimeout(run.exited, 30_000, 'the allocator to end');
    expect(run.output()).not.toContain('survived');
    expect(exit.signal).toBe(9);
    const reported = await withTimeout(hit, 5000, 'the memory hit');
    expect(reported.limit).toBe('memory');
    expect(reported.detail).toContain('64 MiB');
  });

  it.runIf(fs.existsSync('/usr/bin/bwrap'))('holds inside a bubblewrap sandbox started behind the prefix (the order the sandbox backend uses)', async () => {
    const { handle } = await limited({ memoryMb: 64 });
    const hit = firstHit(handle);
    const sandbox = ['/usr/bin/bwrap', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-all', '--die-with-parent'];
    const run = start(handle, [...sandbox, PYTHON, '-c', "b = b'x' * (256 << 20); print('survived', len(b))"]);
    await withTimeout(run.exited, 30_000, 'the sandboxed allocator to end');
    expect(run.output()).not.toContain('survived');
    expect((await withTimeout(hit, 5000, 'the memory hit')).limit).toBe('memory');
  });

  it('maxProcesses 8: forking 50 sleeps is refused and the hit is reported as processes', async () => {
    const { handle } = await limited({ maxProcesses: 8 });
    const hit = firstHit(handle);
    const run = start(handle, ['/bin/sh', '-c', 'n=0; ok=0; while [ $n -lt 50 ]; do sleep 1 2>/dev/null & [ $? -eq 0 ] && ok=$((ok+1)); n=$((n+1)); done; wait; echo started-all-done']);
    const reported = await withTimeout(hit, 10_000, 'the processes hit');
    expect(reported.limit).toBe('processes');
    expect(reported.detail).toContain('process limit of 8');
    await withTimeout(run.exited, 15_000, 'the forking shell to end');
  });

  it('cpuPercent 20: a busy loop gets about a fifth of a core and is throttled', async () => {
    const { handle } = await limited({ cpuPercent: 20 });
    const run = start(handle, ['/bin/sh', '-c', 'while :; do :; done']);
    await until(() => fs.existsSync(`/proc/${run.pid}/stat`) && cpuTicks(run.pid) > 0, 5000, 'the busy loop to run');
    const ticksPerSecond = 100; // USER_HZ on Linux
    const before = cpuTicks(run.pid);
    const startedAt = Date.now();
    // The measurement window itself: CPU time used over about one second of wall time.
    await new Promise<void>((resolve) => setTimeout(resolve, 1000));
    const share = (cpuTicks(run.pid) - before) / ticksPerSecond / ((Date.now() - startedAt) / 1000);
    console.info(`cpu share under a 20 % quota: ${(share * 100).toFixed(1)} %`);
    // Wide bounds: the quota caps the share at 0.2; a loaded CI machine may give less, never much more.
    expect(share).toBeLessThan(0.35);
    expect(share).toBeGreaterThan(0.02);
    if (mechanism === 'cgroup-v1') {
      const stat = fs.readFileSync(path.join(cgroupDirsOf(run.pid).cpu, 'cpu.stat'), 'utf8');
      expect(Number(/nr_throttled (\d+)/.exec(stat)?.[1])).toBeGreaterThan(0);
    }
  });

  it('dispose kills what is still in the group (no orphan) and removes it', async () => {
    const { handle } = await limited({ maxProcesses: 16 }, { emptyWaitMs: 200 });
    const run = start(handle, ['/bin/sh', '-c', 'sleep 60 & sleep 60 & wait']);
    const dirs = handle.prefix.slice(4, -1).map((file) => path.dirname(file));
    const members = await until(() => {
      const pids = fs.readFileSync(path.join(dirs[0], 'cgroup.procs'), 'utf8').trim().split('\n').filter(Boolean);
      return pids.length === 3 ? pids : undefined;
    }, 5000, 'the shell and its two sleeps');
    await handle.dispose();
    for (const pid of members) expect(fs.existsSync(`/proc/${pid}/stat`) && !/\) [ZX] /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))).toBe(false);
    await withTimeout(run.exited, 5000, 'the shell to end');
    for (const dir of dirs) expect(fs.existsSync(dir)).toBe(false);
  });
});

describe.runIf(process.platform === 'linux')('rlimit fallback', () => {
  it('the memory watchdog reports a tree over memoryMb', async () => {
    const { handle } = await limited({ memoryMb: 64 }, { mechanism: 'rlimit' });
    expect(handle.mechanism).toBe('rlimit');
    expect(handle.prefix).toEqual([]);
    const hit = firstHit(handle);
    // The allocation happens in a child of the shell: the watchdog sums the whole tree.
    start(handle, ['/bin/sh', '-c', `${PYTHON} -c "import time; b = b'x' * (256 << 20); print('allocated'); time.sleep(60)"`]);
    const reported = await withTimeout(hit, 30_000, 'the watchdog hit');
    expect(reported.limit).toBe('memory');
    expect(reported.detail).toMatch(/memory limit of 64 MiB reached: the agent's processes used \d+ MiB/);
  });

  it('sets RLIMIT_NPROC before the program runs', async () => {
    const { handle } = await limited({ maxProcesses: 77 }, { mechanism: 'rlimit' });
    const run = start(handle, ['/bin/cat', '/proc/self/limits']);
    await run.exited;
    expect(run.output()).toMatch(/Max processes\s+77\s+77/);
  });

  it('refuses a CPU limit it cannot enforce', async () => {
    await expect(createLimits('cpu-rlimit', { cpuPercent: 50 }, { mechanism: 'rlimit' })).rejects.toMatchObject({ code: 'ISOLATION_UNAVAILABLE' });
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as readline from 'node:readline';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseStat, systemProc, type ProcReader } from '../../src-main/runtime/process/proc-fs';
import { descendantsAndGroup, isAlive, listProcesses, processesWithEnvMarker, signalAll, type ProcessInfo } from '../../src-main/runtime/process/process-tree';
import { FakeProc } from '../support/fake-proc';
import { until } from '../support/until';

/**
 * process-tree.ts: listing processes from a made-up process table (the walk, the group, what is
 * skipped), and isAlive/signalAll against real processes this test starts. (OwnedProcesses, which
 * decides what may be signalled, has its own test: owned-processes.test.ts.)
 */

const onLinux = process.platform === 'linux';

function pids(list: readonly ProcessInfo[]): number[] {
  return list.map((p) => p.pid).sort((a, b) => a - b);
}

function info(pid: number, ppid: number, pgid: number): ProcessInfo {
  return { pid, ppid, pgid };
}

/** Children this test started, killed (by their own PID) if a test fails before it ends them. */
const started: ChildProcess[] = [];

function start(command: string, detached: boolean): ChildProcess {
  const child = spawn('/bin/sh', ['-c', command], { detached, stdio: ['ignore', 'pipe', 'ignore'] });
  started.push(child);
  return child;
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await once(child, 'exit');
}

afterEach(async () => {
  vi.restoreAllMocks();
  for (const child of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
  }
});

describe('descendantsAndGroup', () => {
  it('follows parent links across process groups, and takes group members that were reparented', () => {
    const table = [
      info(1, 0, 1),
      info(50, 1, 50), // the runtime
      info(100, 50, 100), // the agent (root)
      info(101, 100, 100),
      info(110, 101, 110), // called setsid: own group, still a descendant
      info(111, 110, 110),
      info(112, 111, 112),
      info(120, 1, 100), // its parent exited: reparented to init, still in the root's group
      info(51, 50, 51), // the root's sibling
      info(300, 1, 300), // a bystander
      info(130, 1, 130), // setsid'd and reparented: neither a descendant nor in the group
    ];
    expect(pids(descendantsAndGroup(100, table))).toEqual([101, 110, 111, 112, 120]);
  });

  it('excludes the root and lists each process once, even when reached both ways', () => {
    const table = [info(100, 50, 100), info(101, 100, 100), info(102, 101, 100)];
    const found = descendantsAndGroup(100, table);
    expect(pids(found)).toEqual([101, 102]);
    expect(found).toHaveLength(2);
  });

  it('terminates on a table with parent cycles (a PID reused while the table was read)', () => {
    const table = [info(100, 100, 100), info(101, 100, 100), info(102, 103, 102), info(103, 102, 103), info(104, 101, 104), info(101, 104, 100)];
    expect(pids(descendantsAndGroup(100, table))).toEqual([101, 104]);
    expect(pids(descendantsAndGroup(102, table))).toEqual([103]);
  });

  it('an unknown root has no descendants', () => {
    expect(descendantsAndGroup(999, [info(1, 0, 1), info(2, 1, 2)])).toEqual([]);
  });
});

describe('listProcesses and processesWithEnvMarker on a made-up /proc', () => {
  /** A /proc whose listing names PIDs that are gone, or whose stat cannot be parsed, by the time they are read. */
  class RacyProc extends FakeProc {
    readonly gone = new Set<number>();
    readonly garbled = new Set<number>();
    override listPids(): number[] {
      return [...super.listPids(), ...this.gone];
    }
    override readStat(pid: number): string | undefined {
      return this.garbled.has(pid) ? `${pid} (half` : super.readStat(pid);
    }
  }

  it('skips processes that vanished or whose stat is garbled, and the dead (Z, X); keeps the rest with their start time', () => {
    const proc = new RacyProc();
    proc.table.set(1, { ppid: 0, pgid: 1, startTime: 1 });
    proc.table.set(10, { ppid: 1, pgid: 10, startTime: 100, state: 'R' });
    proc.table.set(11, { ppid: 10, pgid: 10, startTime: 110, state: 'D' });
    proc.table.set(12, { ppid: 10, pgid: 10, startTime: 120, state: 'Z' });
    proc.table.set(13, { ppid: 10, pgid: 10, startTime: 130, state: 'X' });
    proc.table.set(14, { ppid: 10, pgid: 10, startTime: 140 });
    proc.garbled.add(14);
    proc.gone.add(15);
    const listed = listProcesses(proc);
    expect(pids(listed)).toEqual([1, 10, 11]);
    expect(listed.find((p) => p.pid === 11)).toEqual({ pid: 11, ppid: 10, pgid: 10, startTime: '110' });
  });

  it('finds marker carriers among readable environments only', () => {
    const proc = new RacyProc();
    proc.table.set(10, { ppid: 1, pgid: 10, startTime: 1, env: { RAVEN_AGENT_SESSION: 'agent-1' } });
    proc.table.set(11, { ppid: 1, pgid: 11, startTime: 2, env: { RAVEN_AGENT_SESSION: 'agent-2' } });
    proc.gone.add(12);
    expect(processesWithEnvMarker('RAVEN_AGENT_SESSION', 'agent-1', proc)).toEqual([10]);
  });

  it('without /proc: no marker carriers, and the process list comes from ps', () => {
    const noProc: ProcReader = { available: () => false, listPids: () => undefined, readStat: () => undefined, readEnviron: () => undefined };
    expect(processesWithEnvMarker('RAVEN_AGENT_SESSION', 'agent-1', noProc)).toEqual([]);
    const listed = listProcesses(noProc);
    const self = listed.find((p) => p.pid === process.pid);
    expect(self).toMatchObject({ pid: process.pid, ppid: process.ppid });
    expect(self?.startTime).toBeUndefined();
  });
});

describe.runIf(onLinux)('isAlive and signalAll, on real processes', () => {
  it('a running process is alive; a zombie (dead, not reaped) is not, though kill(pid, 0) still reaches it', async () => {
    expect(isAlive(process.pid)).toBe(true);
    // `sleep 0` exits at once and its parent, exec'd into `sleep 30`, never reaps it.
    const parent = start('sleep 0 & echo $!; exec sleep 30', false);
    const lines = readline.createInterface({ input: parent.stdout as NodeJS.ReadableStream });
    const [line] = (await once(lines, 'line')) as [string];
    const zombie = Number(line);
    await until(() => parseStat(zombie, systemProc.readStat(zombie) ?? '')?.state === 'Z', 5_000, 'the child to become a zombie');
    expect(() => process.kill(zombie, 0)).not.toThrow();
    expect(isAlive(zombie)).toBe(false);
    expect(isAlive(parent.pid as number)).toBe(true);
    parent.kill('SIGKILL');
    await exited(parent);
    expect(isAlive(parent.pid as number)).toBe(false);
  });

  it('signalAll reaches the whole group and each listed PID', async () => {
    // A group leader with two background members, and an unrelated process of its own group.
    const leader = start('sleep 30 & sleep 30 & echo ready; wait', true);
    const loner = start('exec sleep 30', true);
    const lines = readline.createInterface({ input: leader.stdout as NodeJS.ReadableStream });
    await once(lines, 'line');
    const group = leader.pid as number;
    const members = listProcesses().filter((p) => p.pgid === group && p.pid !== group);
    expect(members).toHaveLength(2);
    signalAll(group, [loner.pid as number], 'SIGTERM');
    await Promise.all([exited(leader), exited(loner)]);
    expect(leader.signalCode).toBe('SIGTERM');
    expect(loner.signalCode).toBe('SIGTERM');
    await until(() => listProcesses().every((p) => p.pgid !== group), 5_000, 'the group’s members to exit');
  });

  it('signalAll tolerates targets that are gone: each is tried once, nothing throws', () => {
    const tried: [number, string | number | undefined][] = [];
    vi.spyOn(process, 'kill').mockImplementation((pid: number, signal?: string | number) => {
      tried.push([pid, signal]);
      throw Object.assign(new Error('kill ESRCH'), { code: 'ESRCH' });
    });
    expect(() => signalAll(4242, [4243, 4244], 'SIGKILL')).not.toThrow();
    expect(tried).toEqual([
      [-4242, 'SIGKILL'],
      [4243, 'SIGKILL'],
      [4244, 'SIGKILL'],
    ]);
  });
});

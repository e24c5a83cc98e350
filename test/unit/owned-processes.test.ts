import { describe, expect, it } from 'vitest';
import { OwnedProcesses } from '../../src-main/runtime/process/owned-processes';
import { environHas, parseStat } from '../../src-main/runtime/process/proc-fs';
import { descendantsAndGroup, listProcesses, processesWithEnvMarker } from '../../src-main/runtime/process/process-tree';
import { FakeProc } from '../support/fake-proc';

const MARKER = { name: 'RAVEN_AGENT_SESSION', value: 'agent-1' };
const MARKED = { RAVEN_AGENT_SESSION: 'agent-1', PATH: '/bin' };

/** Agent 100 (group 100) with child 101, grandchild 102, a setsid'd daemon 200 carrying the marker, and bystander 300. */
function agentTable(): FakeProc {
  const proc = new FakeProc();
  proc.table.set(1, { ppid: 0, pgid: 1, startTime: 1, comm: 'init' });
  proc.table.set(100, { ppid: 50, pgid: 100, startTime: 5000, env: MARKED, comm: 'bash' });
  proc.table.set(101, { ppid: 100, pgid: 100, startTime: 5010, env: MARKED });
  proc.table.set(102, { ppid: 101, pgid: 100, startTime: 5020, env: MARKED });
  proc.table.set(200, { ppid: 1, pgid: 200, startTime: 5030, env: MARKED, comm: 'mcp server' });
  proc.table.set(300, { ppid: 1, pgid: 300, startTime: 9000, env: { PATH: '/bin' } });
  proc.table.set(50, { ppid: 1, pgid: 50, startTime: 10, comm: 'node' });
  return proc;
}

function owned(proc: FakeProc): OwnedProcesses {
  return new OwnedProcesses(100, MARKER, { proc, kill: proc.kill, selfPid: 50 });
}

describe('/proc parsing', () => {
  it('reads state, ppid, pgid and start time even when the command name holds spaces and parentheses', () => {
    const text = '4242 (evil) (name) S 1 4242 4242 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 987654 1000 0\n';
    expect(parseStat(4242, text)).toEqual({ pid: 4242, state: 'S', ppid: 1, pgid: 4242, startTime: '987654' });
    expect(parseStat(1, 'garbage')).toBeUndefined();
  });

  it('matches a marker only as a whole NAME=value entry', () => {
    expect(environHas('A=1\0RAVEN_AGENT_SESSION=agent-1\0', 'RAVEN_AGENT_SESSION', 'agent-1')).toBe(true);
    expect(environHas('RAVEN_AGENT_SESSION=agent-1', 'RAVEN_AGENT_SESSION', 'agent-1')).toBe(true);
    expect(environHas('RAVEN_AGENT_SESSION=agent-10\0', 'RAVEN_AGENT_SESSION', 'agent-1')).toBe(false);
    expect(environHas('XRAVEN_AGENT_SESSION=agent-1\0', 'RAVEN_AGENT_SESSION', 'agent-1')).toBe(false);
  });

  it('lists processes without zombies, and finds descendants, group members and marker carriers', () => {
    const proc = agentTable();
    proc.table.set(103, { ppid: 100, pgid: 100, startTime: 5040, state: 'Z', env: MARKED });
    const all = listProcesses(proc);
    expect(all.map((p) => p.pid).sort((a, b) => a - b)).toEqual([1, 50, 100, 101, 102, 200, 300]);
    expect(all.find((p) => p.pid === 101)).toEqual({ pid: 101, ppid: 100, pgid: 100, startTime: '5010' });
    expect(descendantsAndGroup(100, all).map((p) => p.pid).sort((a, b) => a - b)).toEqual([101, 102]);
    expect(processesWithEnvMarker(MARKER.name, MARKER.value, proc).sort((a, b) => a - b)).toEqual([100, 101, 102, 103, 200]);
  });
});

describe('OwnedProcesses: only processes provably ours are signalled', () => {
  it('while the agent runs: its group, tree and marker carriers, never the bystander or ourselves', () => {
    const proc = agentTable();
    const processes = owned(proc);
    expect(processes.members().sort((a, b) => a - b)).toEqual([100, 101, 102, 200]);
    expect(processes.signalAll('SIGTERM').sort((a, b) => a - b)).toEqual([100, 101, 102, 200]);
    expect(proc.targets()).toEqual([-100, 100, 101, 102, 200]);
  });

  it('after the exit was observed: never the old PID, its group or its tree, even if a new process holds the PID', () => {
    const proc = agentTable();
    const processes = owned(proc);
    processes.markRootExited();
    // The agent is gone; its PID now belongs to an unrelated group leader with a child.
    proc.table.delete(101);
    proc.table.delete(102);
    proc.table.set(100, { ppid: 1, pgid: 100, startTime: 7000, env: { PATH: '/bin' } });
    proc.table.set(110, { ppid: 100, pgid: 100, startTime: 7001, env: { PATH: '/bin' } });
    expect(processes.signalAll('SIGKILL')).toEqual([200]);
    expect(processes.signalGroup('SIGHUP')).toBe(false);
    expect(proc.targets()).toEqual([200]);
  });

  it('a recycled PID seen before node-pty reported the exit is caught by the start time', () => {
    const proc = agentTable();
    const processes = owned(proc);
    proc.table.set(100, { ppid: 1, pgid: 100, startTime: 7000, env: { PATH: '/bin' } });
    proc.table.set(110, { ppid: 100, pgid: 100, startTime: 7001 });
    expect(processes.signalGroup('SIGHUP')).toBe(false);
    // 101 and 102 still carry the marker, so they are swept; the new 100 and its child 110 are not.
    expect(processes.signalAll('SIGTERM').sort((a, b) => a - b)).toEqual([101, 102, 200]);
    expect(proc.targets()).toEqual([101, 102, 200]);
  });

  it('the test seam that moves only the recorded PID looks exactly like reuse', () => {
    const proc = agentTable();
    const processes = owned(proc);
    processes.simulateRecycledRootPid(300);
    expect(processes.members()).not.toContain(300);
    processes.signalAll('SIGTERM');
    expect(proc.targets()).not.toContain(300);
    expect(proc.targets()).not.toContain(-300);
  });

  it('a marker carrier replaced between listing and signalling is not signalled', () => {
    const proc = agentTable();
    const processes = owned(proc);
    processes.markRootExited();
    let swapped = false;
    proc.afterEnvironRead = (pid) => {
      // Right after the sweep listed 200, it exits and an unrelated process gets PID 200.
      if (pid === 200 && !swapped) {
        swapped = true;
        proc.table.set(200, { ppid: 1, pgid: 200, startTime: 8000, env: { PATH: '/bin' } });
      }
    };
    processes.signalAll('SIGTERM');
    expect(proc.targets()).not.toContain(200);
  });

  it('a root whose start time could not be read at spawn is never signalled by PID', () => {
    const proc = agentTable();
    const table = new Map(proc.table);
    proc.table.delete(100);
    const processes = owned(proc);
    for (const [pid, p] of table) proc.table.set(pid, p);
    expect(processes.signalGroup('SIGTERM')).toBe(false);
    // Still reached through the marker it carries.
    expect(processes.signalAll('SIGTERM').sort((a, b) => a - b)).toEqual([100, 101, 102, 200]);
  });

  it('reap: SIGTERM to survivors that are ours, SIGKILL to those that ignore it', async () => {
    const proc = agentTable();
    const processes = owned(proc);
    processes.markRootExited();
    proc.table.delete(100);
    proc.table.delete(101);
    proc.table.delete(102);
    // 200 ignores SIGTERM and dies on SIGKILL.
    proc.kill = (target, signal) => {
      proc.signals.push([target, signal]);
      if (signal === 'SIGKILL') proc.table.delete(target);
    };
    const reaper = new OwnedProcesses(100, MARKER, { proc, kill: proc.kill, selfPid: 50 });
    reaper.markRootExited();
    await reaper.reap(150);
    expect(proc.signals).toEqual([
      [200, 'SIGTERM'],
      [200, 'SIGKILL'],
    ]);
    expect(proc.table.has(300)).toBe(true);
    expect(processes.members()).toEqual([]);
  });
});

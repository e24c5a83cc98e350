import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SESSION_MARKER_VARIABLE } from '../../src-main/runtime/env';
import { descendantsAndGroup, isAlive, listProcesses } from '../../src-main/runtime/process/process-tree';
import { createHarness, scratchDir, type Harness } from '../support/runtime-harness';

/**
 * Finding 3 of issue 9: stopping an agent must never signal a process that merely holds one of its
 * old PIDs. The kernel recycles PIDs unpredictably, so the session is told (through a test seam
 * that sets only the recorded PID, not the recorded start time) that an unrelated process holds
 * its child's PID: exactly the state PID reuse produces.
 */

let h: Harness;
const bystanders: ChildProcess[] = [];

beforeEach(() => {
  h = createHarness({}, { ...process.env, SHELL: '/bin/bash', HOME: '/nonexistent-home-for-tests' });
});
afterEach(async () => {
  await h.close();
  for (const child of bystanders.splice(0)) {
    // Our own child, still running (checked): its group is ours to end.
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
  }
});

/** An unrelated process group (a shell leading a `sleep` child), without any session marker. */
async function startBystander(): Promise<{ leader: number; child: number }> {
  const env = { ...process.env };
  delete env[SESSION_MARKER_VARIABLE];
  const leader = spawn('sh', ['-c', 'sleep 120 & echo started; wait'], { detached: true, env, stdio: ['ignore', 'pipe', 'ignore'] });
  bystanders.push(leader);
  // "started" is printed after the background sleep was forked: both processes exist.
  await new Promise<void>((resolve, reject) => {
    leader.stdout!.once('data', () => resolve());
    leader.once('error', reject);
  });
  const pid = leader.pid!;
  const [child] = descendantsAndGroup(pid, listProcesses()).map((p) => p.pid);
  expect(child).toBeGreaterThan(0);
  return { leader: pid, child };
}

describe('no stale PID is ever signalled', () => {
  it('an agent that exited: stop() and stopAll() leave the process now "on its PID" (and its group) alive', async () => {
    const workdir = scratchDir(h, 'exited');
    const agent = await h.manager.spawn({ type: 'custom', command: 'sh', args: ['-c', 'echo bye'], workdir });
    await h.waitFor('agent_stopped', agent.id);
    const bystander = await startBystander();
    h.manager.sessionFor(agent.id).simulateRecycledPid(bystander.leader);

    expect(h.manager.sessionFor(agent.id).liveProcesses()).toEqual([]);
    await h.manager.stop(agent.id);
    await h.manager.stopAll({ timeoutMs: 1_000 });
    expect(isAlive(bystander.leader)).toBe(true);
    expect(isAlive(bystander.child)).toBe(true);
  });

  it('a live agent whose PID no longer matches its start time: the bystander survives, the agent and its children still stop', async () => {
    const workdir = scratchDir(h, 'live');
    const agent = await h.manager.spawn({ type: 'shell', workdir });
    await h.waitFor('agent_ready', agent.id);
    // A background child of the agent (it carries the session marker, as every agent process does).
    await h.manager.send(agent.id, 'sleep 300 & echo "bg=$!"', { timeoutMs: 10_000 });
    const session = h.manager.sessionFor(agent.id);
    const realPid = h.manager.get(agent.id).pid!;
    const ours = session.liveProcesses();
    expect(ours).toContain(realPid);
    expect(ours.length).toBeGreaterThanOrEqual(2);

    const bystander = await startBystander();
    session.simulateRecycledPid(bystander.leader);
    // The recorded PID is no longer trusted, so only marker-carrying processes count as ours.
    expect(session.liveProcesses()).not.toContain(bystander.leader);
    expect(session.liveProcesses()).not.toContain(bystander.child);

    await h.manager.stop(agent.id);
    expect(h.manager.get(agent.id).status).toBe('stopped');
    expect(ours.filter((pid) => isAlive(pid))).toEqual([]);
    expect(isAlive(bystander.leader)).toBe(true);
    expect(isAlive(bystander.child)).toBe(true);
  });
});

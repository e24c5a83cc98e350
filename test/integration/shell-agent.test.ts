import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAlive } from '../../src-main/runtime/process/process-tree';
import { ScreenModel } from '../../src-main/runtime/screen/screen-model';
import { createHarness, scratchDir, type Harness } from '../support/runtime-harness';
import { until } from '../support/until';

let h: Harness;
beforeEach(() => {
  h = createHarness({}, { ...process.env, SHELL: '/bin/bash', HOME: '/nonexistent-home-for-tests' });
});
afterEach(async () => {
  await h.close();
});

describe('shell agent (real PTY)', () => {
  it('becomes ready, answers a message with its output, and stops leaving no process', async () => {
    const workdir = scratchDir(h, 'work');
    const agent = await h.manager.spawn({ type: 'shell', workdir, name: 'sh' });
    expect(agent.status).toBe('starting');
    expect(agent.runtimeSessionId).toBe(agent.id);
    await h.waitFor('agent_ready', agent.id);
    expect(h.manager.get(agent.id).status).toBe('ready');

    const result = await h.manager.send(agent.id, 'echo "hello $((6*7))"', { timeoutMs: 10_000 });
    expect(result.status).toBe('ready');
    expect(result.response).toBe('hello 42');
    const message = await h.waitFor('message', agent.id);
    expect(message.content).toBe('hello 42');

    const multi = await h.manager.send(agent.id, 'for i in 1 2 3; do echo "row $i"; done', { timeoutMs: 10_000 });
    expect(multi.response).toBe('row 1\nrow 2\nrow 3');

    expect(h.manager.logs(agent.id, 50).join('\n')).toContain('row 3');
    expect(h.manager.output(agent.id)).toContain('hello 42');

    const pid = h.manager.get(agent.id).pid!;
    await h.manager.stop(agent.id);
    const stopped = await h.waitFor('agent_stopped', agent.id);
    expect(stopped.agent.status).toBe('stopped');
    expect(isAlive(pid)).toBe(false);
    expect(h.manager.sessionFor(agent.id).liveProcesses()).toEqual([]);
    // A second stop succeeds and changes nothing.
    await expect(h.manager.stop(agent.id)).resolves.toMatchObject({ status: 'stopped' });

    // The transcript outlives the session.
    const castDir = path.join(h.dataDir, 'transcripts', agent.id);
    const cast = fs.readFileSync(path.join(castDir, '0001.cast'), 'utf8').trim().split('\n');
    expect(JSON.parse(cast[0])).toMatchObject({ version: 2, width: 120, height: 40 });
    expect(cast.some((line) => line.includes('"i"') && line.includes('echo'))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(castDir, 'meta.json'), 'utf8'))).toMatchObject({ id: agent.id, stoppedAt: expect.any(String) });
  });

  it('kills a flooding agent and its children', async () => {
    const workdir = scratchDir(h, 'flood');
    const agent = await h.manager.spawn({ type: 'shell', workdir });
    await h.waitFor('agent_ready', agent.id);
    await h.manager.send(agent.id, 'yes | cat | cat', { timeoutMs: 1_000, expectResponse: false });
    const session = h.manager.sessionFor(agent.id);
    // The pipeline is running once its output flows and all of its processes are listed.
    await until(() => h.manager.output(agent.id).includes('y\r\ny\r\n') && session.liveProcesses().length >= 4, 10_000, 'the pipeline to run');
    const procs = session.liveProcesses();
    expect(procs.length).toBeGreaterThanOrEqual(4); // bash, yes, cat, cat
    const started = Date.now();
    await h.manager.stop(agent.id);
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(procs.filter(isAlive)).toEqual([]);
    expect(h.manager.output(agent.id)).toContain('y\r\ny\r\n');
  });
});

describe('transcript of a flood', () => {
  it('replays to exactly the screen and scrollback the agent had, with markers where flood lines were skipped', async () => {
    const workdir = scratchDir(h, 'replay');
    const agent = await h.manager.spawn({ type: 'custom', command: 'sh', args: ['-c', 'seq 1 300000; printf "\\033[1mend\\033[0m\\n"; sleep 0.3'], workdir });
    await h.waitFor('agent_stopped', agent.id, 30_000);
    const expected = h.manager.logs(agent.id, 1040);
    expect(expected[expected.length - 1]).toBe('end');
    expect(expected[expected.length - 2]).toBe('300000');

    const dir = path.join(h.dataDir, 'transcripts', agent.id);
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as { parts: string[] };
    expect(meta.parts).toEqual(['0001.cast']);
    const events = fs.readFileSync(path.join(dir, '0001.cast'), 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as [number, string, string]);
    const markers = events.filter((e) => e[1] === 'm');
    expect(markers.length).toBeGreaterThan(0);
    expect(markers[0][2]).toMatch(/^flood: \d+ characters scrolled past unseen/);
    const recorded = events.filter((e) => e[1] === 'o').reduce((n, e) => n + e[2].length, 0);
    // Most of the ~2 MB flood is never parsed or recorded.
    expect(recorded).toBeLessThan(1_000_000);

    const replay = new ScreenModel({ cols: 120, rows: 40, scrollback: 1000 });
    for (const [, kind, data] of events) if (kind === 'o') replay.write(data);
    await replay.flush();
    expect(replay.recentLines(1040)).toEqual(expected);
    replay.dispose();
  });
});

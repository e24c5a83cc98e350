import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src-shared/errors';
import { listProcesses } from '../../src-main/runtime/process/process-tree';
import { createHarness, scratchDir, type Harness } from '../support/runtime-harness';

let h: Harness;
let workdir: string;
beforeEach(() => {
  h = createHarness({ maxAgents: 2 }, { ...process.env, SHELL: '/bin/bash', HOME: '/nonexistent-home-for-tests' });
  workdir = scratchDir(h, 'work');
});
afterEach(async () => {
  await h.close();
});

async function expectCode(promise: Promise<unknown> | (() => unknown), code: ErrorCode): Promise<void> {
  const run = typeof promise === 'function' ? Promise.resolve().then(promise) : promise;
  await expect(run).rejects.toMatchObject({ code });
}

function myChildren(): number[] {
  return listProcesses().filter((p) => p.ppid === process.pid).map((p) => p.pid);
}

describe('bad input never leaks a session or a process', () => {
  it('rejects spawns before creating anything', async () => {
    const before = myChildren().length;
    await expectCode(h.manager.spawn({ type: 'no-such-agent' }), 'VALIDATION_ERROR');
    await expectCode(h.manager.spawn({ type: 'custom' }), 'VALIDATION_ERROR');
    await expectCode(h.manager.spawn({ type: 'custom', command: '   ' }), 'VALIDATION_ERROR');
    await expectCode(h.manager.spawn({ type: 'shell', workdir: path.join(workdir, 'missing') }), 'VALIDATION_ERROR');
    const file = path.join(workdir, 'file.txt');
    fs.writeFileSync(file, 'x');
    await expectCode(h.manager.spawn({ type: 'shell', workdir: file }), 'VALIDATION_ERROR');
    await expectCode(h.manager.spawn({ type: 'shell', workdir, cols: 0 }), 'VALIDATION_ERROR');
    await expectCode(h.manager.spawn({ type: 'shell', workdir, cols: 100_000 }), 'VALIDATION_ERROR');
    await expectCode(h.manager.spawn({ type: 'shell', workdir, id: '../etc' }), 'VALIDATION_ERROR');
    await expectCode(h.manager.spawn({ type: 'shell', workdir, env: { 'A=B': 'x' } }), 'VALIDATION_ERROR');
    await expectCode(h.manager.spawn({ type: 'custom', command: 'definitely-not-a-real-cli-xyz', workdir }), 'CLI_NOT_FOUND');
    const notFound = await h.manager.spawn({ type: 'custom', command: 'definitely-not-a-real-cli-xyz', workdir }).catch((e: unknown) => e);
    expect(notFound).toMatchObject({ details: { installHint: expect.stringContaining('definitely-not-a-real-cli-xyz') } });
    expect(h.manager.list()).toEqual([]);
    expect(myChildren().length).toBe(before);
  });

  it('reports a CLI that dies during start-up with its exit code and its last words', async () => {
    const agent = await h.manager.spawn({ type: 'custom', command: 'bash', args: ['-c', 'echo "loading config"; echo "fatal: config file is broken" >&2; exit 3'], workdir });
    const error = await h.waitFor('agent_error', agent.id, 10_000);
    expect(error.code).toBe('SPAWN_FAILED');
    expect(error.error).toMatch(/exited during start-up \(exit code 3\)\. Its last output: loading config \| fatal: config file is broken$/);
    await h.waitFor('agent_stopped', agent.id, 10_000);
    expect(h.manager.get(agent.id)).toMatchObject({ status: 'stopped', error: error.error });
  });

  it('enforces MAX_AGENTS and frees the slot when an agent stops', async () => {
    const a = await h.manager.spawn({ type: 'shell', workdir });
    const b = await h.manager.spawn({ type: 'shell', workdir });
    await expectCode(h.manager.spawn({ type: 'shell', workdir }), 'MAX_AGENTS');
    expect(h.manager.list()).toHaveLength(2);
    await h.manager.stop(a.id);
    const c = await h.manager.spawn({ type: 'shell', workdir });
    expect(c.id).not.toBe(a.id);
    await h.manager.stop(b.id);
    await h.manager.stop(c.id);
  });

  it('rejects bad sends, keys and resizes and keeps the agent working', async () => {
    const agent = await h.manager.spawn({ type: 'shell', workdir });
    await h.waitFor('agent_ready', agent.id);
    await expectCode(h.manager.send(agent.id, ''), 'VALIDATION_ERROR');
    await expectCode(h.manager.send(agent.id, '   \n '), 'VALIDATION_ERROR');
    await expectCode(h.manager.send(agent.id, 'x'.repeat(1024 * 1024 + 1)), 'VALIDATION_ERROR');
    await expectCode(h.manager.send(agent.id, 'echo hi', { timeoutMs: 0 }), 'VALIDATION_ERROR');
    await expectCode(h.manager.sendKeys(agent.id, ['enter', 'not-a-key']), 'VALIDATION_ERROR');
    await expectCode(h.manager.sendKeys(agent.id, []), 'VALIDATION_ERROR');
    await expectCode(() => h.manager.resize(agent.id, 0, 40), 'VALIDATION_ERROR');
    await expectCode(() => h.manager.resize(agent.id, 100_000, 40), 'VALIDATION_ERROR');
    await expectCode(() => h.manager.resize(agent.id, 80.5, 40), 'VALIDATION_ERROR');
    await expectCode(() => h.manager.write(agent.id, ''), 'VALIDATION_ERROR');
    await expectCode(h.manager.send('nope', 'echo hi'), 'AGENT_NOT_FOUND');
    await expectCode(() => h.manager.get('nope'), 'AGENT_NOT_FOUND');
    await expectCode(h.manager.stop('nope'), 'AGENT_NOT_FOUND');

    // Busy: a second message is refused, not queued into the middle of a turn.
    const slow = h.manager.send(agent.id, 'sleep 1; echo done-sleeping', { timeoutMs: 10_000 });
    await expectCode(h.manager.send(agent.id, 'echo second'), 'AGENT_NOT_READY');
    await expect(slow).resolves.toMatchObject({ response: 'done-sleeping' });

    // Paused automation refuses sends until resumed.
    h.manager.pause(agent.id);
    await expectCode(h.manager.send(agent.id, 'echo paused'), 'AGENT_NOT_READY');
    h.manager.resume(agent.id);
    await expect(h.manager.send(agent.id, 'echo works')).resolves.toMatchObject({ response: 'works' });

    h.manager.resize(agent.id, 100, 30);
    expect(h.manager.get(agent.id)).toMatchObject({ cols: 100, rows: 30 });
  });

  it('times out with the partial reply and stays usable', async () => {
    const agent = await h.manager.spawn({ type: 'shell', workdir });
    await h.waitFor('agent_ready', agent.id);
    const error = await h.manager.send(agent.id, 'echo partial-output; sleep 2', { timeoutMs: 700 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TIMEOUT', details: { partialResponse: 'partial-output' } });
    await h.waitFor('message', agent.id, 5_000);
    await expect(h.manager.send(agent.id, 'echo after')).resolves.toMatchObject({ response: 'after' });
  });

  it('refuses sends to a stopped agent and accepts a second stop', async () => {
    const agent = await h.manager.spawn({ type: 'shell', workdir });
    await h.waitFor('agent_ready', agent.id);
    await h.manager.stop(agent.id);
    await expectCode(h.manager.send(agent.id, 'echo hi'), 'AGENT_NOT_READY');
    await expectCode(h.manager.sendKeys(agent.id, 'enter'), 'AGENT_NOT_READY');
    await expectCode(() => h.manager.write(agent.id, 'x'), 'AGENT_NOT_READY');
    await expect(Promise.all([h.manager.stop(agent.id), h.manager.stop(agent.id)])).resolves.toHaveLength(2);
    expect(h.manager.get(agent.id).status).toBe('stopped');
    expect(h.events.filter((e) => e.type === 'agent_stopped' && e.agentId === agent.id)).toHaveLength(1);
  });

  it('reports an agent that exits by itself with its exit code and releases its slot', async () => {
    const agent = await h.manager.spawn({ type: 'custom', command: 'bash', args: ['-c', 'echo bye; exit 3'], workdir });
    const stopped = await h.waitFor('agent_stopped', agent.id);
    expect(stopped).toMatchObject({ exitCode: 3, reason: 'exit code 3' });
    expect(h.manager.liveCount()).toBe(0);
    expect(h.manager.logs(agent.id, 10)).toContain('bye');
  });
});

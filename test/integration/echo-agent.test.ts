import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/runtime-harness';

/** The built-in `echo` agent in a real PTY, driven through the manager. */

let h: Harness;
beforeEach(() => {
  h = createHarness({}, { ...process.env, HOME: '/nonexistent-home-for-tests' });
});
afterEach(async () => {
  await h.close();
});

describe('echo agent', () => {
  it('is ready at once and answers each message with the message', async () => {
    const agent = await h.manager.spawn({ type: 'echo', workdir: h.scratch });
    expect(agent).toMatchObject({ type: 'echo', status: 'starting' });
    await h.waitFor('agent_ready', agent.id, 10_000);
    const first = await h.manager.send(agent.id, 'hello there', { timeoutMs: 10_000 });
    expect(first).toMatchObject({ status: 'ready', response: 'hello there' });
    // A question mark is echoed, not mistaken for a prompt waiting for an answer.
    const second = await h.manager.send(agent.id, 'are you there?', { timeoutMs: 10_000 });
    expect(second).toMatchObject({ status: 'ready', response: 'are you there?' });
    expect(h.manager.logs(agent.id, 20).join('\n')).toContain('echo> are you there?');
    const messages = h.events.filter((e) => e.type === 'message' && e.agentId === agent.id);
    expect(messages.map((m) => (m.type === 'message' ? m.content : ''))).toEqual(['hello there', 'are you there?']);
  });

  it('ends with exit code 0 on end of input (ctrl-d)', async () => {
    const agent = await h.manager.spawn({ type: 'echo', workdir: h.scratch });
    await h.waitFor('agent_ready', agent.id, 10_000);
    await h.manager.sendKeys(agent.id, ['ctrl+d']);
    const stopped = await h.waitFor('agent_stopped', agent.id, 10_000);
    expect(stopped).toMatchObject({ exitCode: 0, reason: 'normal exit' });
  });
});

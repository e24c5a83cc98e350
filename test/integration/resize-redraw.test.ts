import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, scratchDir, type Harness } from '../support/runtime-harness';

/**
 * A program that redraws on SIGWINCH must not look busy because of it: a UI that lays itself out by
 * status would resize again, and the two would feed each other.
 */

let h: Harness;
beforeEach(() => {
  h = createHarness({}, { ...process.env, HOME: '/nonexistent-home-for-tests' });
});
afterEach(async () => {
  await h.close();
});

describe('resizes and redraws (real PTY, python3 -i)', () => {
  it('stays ready through resizes whose only output is the redraw, and ignores resizes to the current size', async () => {
    const workdir = scratchDir(h, 'py');
    const agent = await h.manager.spawn({ type: 'custom', command: 'python3', args: ['-i', '-q'], workdir, name: 'py' });
    await h.waitFor('agent_ready', agent.id);
    const session = h.manager.sessionFor(agent.id);
    // An open block leaves Python at its `... ` prompt, which no detector recognises: the agent is
    // ready only by the quiet-output rule, the case a redraw used to break.
    h.manager.write(agent.id, 'for i in range(1):\r');
    await h.waitFor('status_changed', agent.id, 10_000, (e) => e.status === 'busy');
    const readyAgain = await h.waitFor('status_changed', agent.id, 10_000, (e) => e.status === 'ready' && e.previous === 'busy');
    const from = h.events.indexOf(readyAgain) + 1;

    let redraws = 0;
    const countRedraw = session.onData((data) => {
      if (data.includes('...')) redraws++;
    });
    for (let i = 0; i < 6; i++) {
      const before = redraws;
      h.manager.resize(agent.id, 100, i % 2 === 0 ? 39 : 40);
      // Each resize is answered by a redraw of the `... ` prompt.
      await expect.poll(() => redraws, { timeout: 5_000 }).toBeGreaterThan(before);
    }
    h.manager.resize(agent.id, 100, 40); // the current size: nothing happens
    // Proving an absence takes a window: the quiet rule re-classifies 1.5 s after the last output,
    // so a redraw counted as work would have committed `busy` within 2 s of the last resize.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    countRedraw();

    const after = h.events.slice(from).filter((e) => e.agentId === agent.id);
    expect(redraws).toBeGreaterThanOrEqual(6);
    expect(after.filter((e) => e.type === 'status_changed')).toEqual([]);
    expect(after.filter((e) => e.type === 'terminal_resized').map((e) => (e.type === 'terminal_resized' ? e.rows : 0))).toEqual([39, 40, 39, 40, 39, 40]);
    expect(h.manager.get(agent.id).status).toBe('ready');
  });
});

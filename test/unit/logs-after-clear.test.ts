import { afterEach, describe, expect, it } from 'vitest';
import { ScreenModel } from '../../src-main/runtime/screen/screen-model';
import { createHarness, scratchDir, type Harness } from '../support/runtime-harness';

/** The Logs tab (GET /agents/:id/logs) keeps what was on screen when `clear` erased it. */

describe('logs across a clear', () => {
  it('the screen model keeps erased rows for logs, once per identical screen, and out of turn captures', async () => {
    const screen = new ScreenModel({ cols: 40, rows: 6, scrollback: 100 });
    const turnStart = screen.tapPosition;
    screen.write('one\r\ntwo\r\n$ clear\r\n');
    screen.write('\x1b[H\x1b[2J\x1b[3J$ ');
    // Ctrl+L on a screen that shows only the prompt: nothing new to keep.
    screen.write('\x1b[H\x1b[2J$ ');
    screen.write('\x1b[H\x1b[2J$ ');
    screen.write('after\r\n$ ');
    // The alternate screen (a full-screen program) is its UI, not history.
    screen.write('\x1b[?1049hmenu item\x1b[H\x1b[2J\x1b[?1049l');
    await screen.flush();
    expect(screen.recentLines(100).map((line) => line.trimEnd())).toEqual(['one', 'two', '$ clear', '$', '$ after', '$']);
    expect(screen.rowsSince(turnStart)).toEqual([]);
    screen.dispose();
  });

  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a shell agent: logs before and after `clear`, and replies unaffected', async () => {
    h = createHarness({}, { ...process.env, SHELL: '/bin/bash', HOME: '/nonexistent-home-for-tests' });
    const agent = await h.manager.spawn({ type: 'shell', workdir: scratchDir(h, 'w') });
    await h.waitFor('agent_ready', agent.id);
    await h.manager.send(agent.id, 'seq 1 5', { timeoutMs: 10_000 });
    // More than a screen: the first rows scroll off, the last ones are on screen at the clear.
    await h.manager.send(agent.id, 'seq 100 160', { timeoutMs: 10_000 });
    await h.manager.send(agent.id, 'clear', { timeoutMs: 10_000 });
    const after = await h.manager.send(agent.id, 'echo after', { timeoutMs: 10_000 });
    expect(after.response).toBe('after');

    const logs = h.manager.logs(agent.id, 2_000);
    const numbers = logs.filter((line) => /^\d+$/.test(line)).map(Number);
    const expected = [1, 2, 3, 4, 5, ...Array.from({ length: 61 }, (_, i) => 100 + i)];
    expect(numbers).toEqual(expected);
    expect(logs[logs.length - 2]).toBe('after');
    expect(logs.filter((line) => line.endsWith('# clear') || line.endsWith('$ clear'))).toHaveLength(1);
  });
});

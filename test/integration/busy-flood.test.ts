import * as fs from 'node:fs';
import * as path from 'node:path';
import { Terminal } from '@xterm/headless';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { joinWrapped } from '../../src-main/runtime/screen/screen-model';
import { ScrollTap } from '../../src-main/runtime/screen/scroll-tap';
import { createHarness, scratchDir, type Harness } from '../support/runtime-harness';

/**
 * A busy turn whose command floods the terminal: compaction stays on (the PTY runs at full speed)
 * and the reply and the logs still get every row, exactly as xterm would have scrolled them away.
 */

const FLOOD_LINES = 40_000;
const REPLY_LINES = 400;

let h: Harness;
beforeEach(() => {
  h = createHarness({}, { ...process.env, SHELL: '/bin/bash', HOME: '/nonexistent-home-for-tests' });
});
afterEach(async () => {
  await h.close();
});

function floodLine(n: number): string {
  const head = `flood ${String(n).padStart(6, '0')} `;
  return head + 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(3).slice(0, 99 - head.length);
}

describe('a flood during a busy turn (real PTY)', () => {
  it('returns a 400-line reply after a 4 MB flood whole and in order, with every tapped row', async () => {
    const workdir = scratchDir(h, 'busy-flood');
    fs.writeFileSync(path.join(workdir, 'flood.txt'), Array.from({ length: FLOOD_LINES }, (_, i) => floodLine(i + 1) + '\n').join(''));

    const agent = await h.manager.spawn({ type: 'shell', workdir });
    const session = h.manager.sessionFor(agent.id);
    // Everything the PTY said, from its first byte: the reference parse below replays it.
    const output: string[] = [];
    session.onData((data) => output.push(data));
    await h.waitFor('agent_ready', agent.id);

    const result = await h.manager.send(agent.id, `cat flood.txt; seq -f 'reply %g' ${REPLY_LINES}`, { timeoutMs: 60_000 });
    expect(result.status).toBe('ready');
    const lines = result.response.split('\n');
    expect(lines.slice(-REPLY_LINES)).toEqual(Array.from({ length: REPLY_LINES }, (_, i) => `reply ${i + 1}`));
    // Before the reply: the flood's last rows, consecutive and ending with its last line, as
    // many as the tap keeps (2000 rows by default, less the reply and the screen).
    const floodRows = lines.slice(0, -REPLY_LINES);
    const first = FLOOD_LINES - floodRows.length + 1;
    expect(floodRows.length).toBeGreaterThan(1_000);
    expect(floodRows).toEqual(Array.from({ length: floodRows.length }, (_, i) => floodLine(first + i)));

    // The flood was compacted while the agent was busy: most of it never reached the parser.
    expect(session.screen.compactedChars).toBeGreaterThan(3 * 1024 * 1024);

    // The tap holds exactly what xterm would have tapped parsing every byte.
    await session.screen.flush();
    const terminal = new Terminal({ cols: session.screen.cols, rows: session.screen.rows, scrollback: h.manager.config.scrollback, allowProposedApi: true, logLevel: 'off' });
    const reference = new ScrollTap(terminal, 2_000);
    await new Promise<void>((resolve) => terminal.write(output.join(''), resolve));
    expect(session.screen.tapPosition).toBe(reference.position);
    const strip = (rows: { seq: number; text: string; wrapped: boolean }[]) => rows.map(({ seq, text, wrapped }) => ({ seq, text, wrapped }));
    expect(strip(session.screen.rowsSince(0))).toEqual(strip(reference.rowsSince(0)));
    const screenRows = Array.from({ length: terminal.rows }, (_, y) => {
      const line = terminal.buffer.active.getLine(terminal.buffer.active.viewportY + y)!;
      return { text: line.translateToString(true), wrapped: line.isWrapped };
    });
    expect(session.screen.snapshot().rowTexts).toEqual(screenRows.map((row) => row.text));

    // The logs are those rows and the screen: the flood's tail, the reply, the prompt.
    const expectedLogs = joinWrapped([...reference.rowsSince(0), ...screenRows]);
    while (expectedLogs.length > 0 && expectedLogs[expectedLogs.length - 1].trim() === '') expectedLogs.pop();
    const logs = h.manager.logs(agent.id, 1_500);
    expect(logs).toEqual(expectedLogs.slice(-1_500));
    expect(logs.slice(-REPLY_LINES - 1, -1)).toEqual(Array.from({ length: REPLY_LINES }, (_, i) => `reply ${i + 1}`));
    terminal.dispose();
  }, 90_000);
});

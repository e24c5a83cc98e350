import { describe, expect, it } from 'vitest';
import { createClaudeAdapter } from '../../src-main/runtime/adapters/claude';

/**
 * Claude Code 2.1.3xx opens with a `▎`-barred announcement ("Auto mode is now Claude Code's default
 * permission mode …"). A redraw during a turn (a viewer's resize reprints the conversation) can put
 * it among the rows the turn captured; it is Claude's chrome, never part of the reply.
 */

const adapter = createClaudeAdapter();
const BANNER = [
  "▎ Auto mode is now Claude Code's default permission mode.",
  '▎ Auto mode lets Claude handle permission prompts automatically. Claude checks each tool call for risky actions and',
  '▎ prompt injection before executing, runs the ones it assesses as lower-risk, and blocks the rest.',
  '▎ https://code.claude.com/docs/en/permission-modes',
];

describe("Claude's reply leaves out its own announcements", () => {
  it('drops the banner when a redraw put it after the echo', () => {
    const lines = ['❯ Fix the bug', '', ...BANNER, '', '● ECHO: Fix the bug', ''];
    expect(adapter.extractReply({ message: 'Fix the bug', lines })).toBe('ECHO: Fix the bug');
  });

  it('drops the banner when the echo scrolled away with the redraw', () => {
    const lines = [...BANNER, '', '● ECHO: Fix the bug'];
    expect(adapter.extractReply({ message: 'Fix the bug', lines })).toBe('ECHO: Fix the bug');
  });

  it("keeps a barred block that is not Claude's announcement", () => {
    const lines = ['❯ quote it', '', '● Here it is:', '  ▎ To be or not to be', ''];
    expect(adapter.extractReply({ message: 'quote it', lines })).toContain('To be or not to be');
  });
});

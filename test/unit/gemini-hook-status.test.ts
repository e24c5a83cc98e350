import { describe, expect, it } from 'vitest';
import { createGeminiAdapter } from '../../src-main/runtime/adapters/gemini';

/**
 * Gemini CLI draws `Executing Hooks: <names>` (behind a spinner) while hooks run, the runtime's own
 * included (seen with Gemini 0.61.0 at the end of a tool turn); a reply read off the screen leaves it out.
 */
describe('Gemini reply from the screen with a hook status line', () => {
  const adapter = createGeminiAdapter();
  const base = [' > RUN_TOOL', '', '✦ I will write the file.', '', '✦ TOOL DONE'];

  it.each([
    ['after the reply', [...base, '⠏ Executing Hooks: raven-signal-AfterTool, raven-signal-AfterAgent']],
    ['between reply lines', [' > RUN_TOOL', '', '✦ I will write the file.', '', 'Executing Hook: raven-signal-AfterTool', '✦ TOOL DONE']],
    // Seen with Gemini 0.61.0: Ink redrew the row with the shorter shortcuts hint over the hook line.
    ['half overdrawn by the shortcuts hint', [...base, '', '? for shortcutsks: raven-signal-BeforeAgent, raven-signal-BeforeTool, raven-signal-Notification, raven-signal-AfterTool,']],
  ])('%s', (_where, lines) => {
    const reply = adapter.extractReply({ message: 'RUN_TOOL', lines });
    expect(reply).not.toMatch(/Executing Hook/);
    expect(reply.split('\n').pop()).toBe('TOOL DONE');
    expect(reply).toContain('I will write the file.');
  });

  it('keeps a reply line that merely mentions the words', () => {
    const reply = adapter.extractReply({ message: 'RUN_TOOL', lines: [' > RUN_TOOL', '', '✦ The log said: Executing Hooks: none'] });
    expect(reply).toBe('The log said: Executing Hooks: none');
  });
});

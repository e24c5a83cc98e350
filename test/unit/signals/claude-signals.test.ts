/**
 * Claude Code's hook payloads and transcript, as captured from the real 2.1.197 and 2.1.332
 * (test/integration/signals/claude-hooks.test.ts with RECORD_SIGNAL_FIXTURES=1).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HookMessage } from '../../../src-main/runtime/signals/channel';
import { CLAUDE_HOOK_EVENTS, claudeHookSettings, parseClaudeHook, writeClaudeHookSettings } from '../../../src-main/runtime/signals/claude-hooks';
import { lastClaudeReply, readClaudeReply } from '../../../src-main/runtime/signals/claude-transcript';
import { hookCommand, type HookProgram } from '../../../src-main/runtime/signals/hook-command';
import { longReplyText } from '../../support/model-server';

const FIXTURES = path.resolve(__dirname, '../../fixtures/signals');
const VERSIONS = ['2.1.197', '2.1.332'];

function fixtureMessages(version: string): HookMessage[] {
  const dir = path.join(FIXTURES, `claude-${version}`);
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d\d-.*\.json$/.test(f))
    .sort()
    .map((f) => {
      const { event, payload } = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { event: string; payload: unknown };
      return { event, payload, oversize: false, receivedAt: 0 };
    });
}

const program: HookProgram = { nodePath: "/opt/My App/node", runAsNode: false, clientPath: "/opt/it's/hook-client.cjs" };

describe('Claude hook settings', () => {
  it('has one command hook per event, tool events matching every tool, each naming its event', () => {
    const settings = claudeHookSettings(program);
    expect(Object.keys(settings.hooks)).toEqual([...CLAUDE_HOOK_EVENTS]);
    for (const event of CLAUDE_HOOK_EVENTS) {
      const [entry] = settings.hooks[event];
      expect(entry.hooks).toEqual([{ type: 'command', command: hookCommand(program, event), timeout: 5 }]);
      expect(entry.matcher).toBe(['PreToolUse', 'PermissionRequest', 'PostToolUse'].includes(event) ? '*' : undefined);
    }
  });

  it('quotes paths with spaces and quotes for the shell, and runs Electron as Node when asked', () => {
    expect(hookCommand(program, 'Stop')).toBe(`'/opt/My App/node' '/opt/it'\\''s/hook-client.cjs' 'Stop'`);
    expect(hookCommand({ ...program, runAsNode: true }, 'Stop')).toMatch(/^ELECTRON_RUN_AS_NODE=1 '/);
  });

  it('writes the file private (0600) into the given folder and returns the --settings arguments', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'claude-settings-'));
    const { file, args } = writeClaudeHookSettings(dir, program);
    expect(args).toEqual(['--settings', file]);
    expect(path.dirname(file)).toBe(dir);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(JSON.parse(JSON.stringify(claudeHookSettings(program))));
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe.each(VERSIONS)('Claude %s hook payloads', (version) => {
  const messages = fixtureMessages(version);
  const signals = messages.map(parseClaudeHook);

  it('parse into the signals of a session: start, three turns (one with an approved tool), end', () => {
    expect(signals.map((s) => s?.kind)).toEqual([
      'session_started',
      'turn_started',
      'turn_ended',
      'turn_started',
      'turn_ended',
      'turn_started',
      'tool_starting',
      'permission_requested',
      'tool_finished',
      'turn_ended',
      'session_ended',
    ]);
  });

  it('carry the fields the state machine needs', () => {
    expect(signals[0]).toMatchObject({ kind: 'session_started', source: 'startup' });
    expect(signals[0]?.kind === 'session_started' && signals[0].transcriptPath).toMatch(/\.jsonl$/);
    expect(signals[1]).toEqual({ kind: 'turn_started', prompt: 'hello' });
    expect(signals[2]).toMatchObject({ kind: 'turn_ended', reply: 'PONG' });
    // The Stop payload's copy of the reply is trimmed; the transcript keeps the final newline.
    expect(signals[4]).toMatchObject({ kind: 'turn_ended', reply: longReplyText().trimEnd() });
    expect(signals[6]).toMatchObject({ kind: 'tool_starting', tool: 'Bash' });
    expect(signals[7]).toMatchObject({ kind: 'permission_requested', tool: 'Bash', input: { command: expect.stringContaining('out.txt') } });
    expect(signals[9]).toMatchObject({ kind: 'turn_ended', reply: 'TOOL DONE' });
    expect(signals[10]).toMatchObject({ kind: 'session_ended', reason: 'prompt_input_exit' });
  });

  it('an event the runtime does not use parses to nothing, and a missing payload does not throw', () => {
    expect(parseClaudeHook({ event: 'PreCompact', payload: {}, oversize: false, receivedAt: 0 })).toBeUndefined();
    expect(parseClaudeHook({ event: 'PermissionRequest', payload: null, oversize: true, receivedAt: 0 })).toEqual({ kind: 'permission_requested', tool: '', input: null });
  });
});

describe.each(VERSIONS)('Claude %s transcript', (version) => {
  const transcript = fs.readFileSync(path.join(FIXTURES, `claude-${version}`, 'transcript.jsonl'), 'utf8');
  const lines = transcript.split('\n').filter((l) => l !== '');
  /** The transcript as it stood when the turn of the prompt at `promptText` ended (before the next prompt). */
  function upToPromptAfter(promptText: string): string {
    const start = lines.findIndex((l) => /"type":"user"/.test(l) && l.includes(JSON.stringify(promptText)));
    const prompts = lines.map((l, i) => ({ l, i })).filter(({ l, i }) => i > start && /"type":"user"/.test(l) && !/tool_result/.test(l));
    const end = prompts.length > 0 ? prompts[0].i : lines.length;
    return lines.slice(0, end).join('\n');
  }

  it('gives each turn its exact reply: a short one, 400 lines whole, and the one after a tool', () => {
    expect(lastClaudeReply(upToPromptAfter('hello'))).toBe('PONG');
    expect(lastClaudeReply(upToPromptAfter('LONG please'))).toBe(longReplyText());
    expect(lastClaudeReply(upToPromptAfter('RUN_TOOL now'))).toBe('TOOL DONE');
    // Asked for a turn whose prompt is not written yet, it answers nothing, not the previous reply.
    expect(lastClaudeReply(upToPromptAfter('hello'), 'LONG please')).toBeUndefined();
    expect(lastClaudeReply(upToPromptAfter('LONG please'), 'LONG please')).toBe(longReplyText());
  });

  it('a turn with no assistant text yet (here the local /exit) has no reply rather than an older one', () => {
    expect(lastClaudeReply(transcript)).toBeUndefined();
  });

  it('skips a half-written last line', () => {
    expect(lastClaudeReply(upToPromptAfter('hello') + '\n{"type":"assistant","mess')).toBe('PONG');
  });
});

describe('readClaudeReply', () => {
  it('waits for the reply line that lands after the Stop hook', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'claude-transcript-'));
    const file = path.join(dir, 't.jsonl');
    fs.writeFileSync(file, JSON.stringify({ type: 'user', message: { role: 'user', content: 'hi' } }) + '\n');
    const reading = readClaudeReply(file, { timeoutMs: 10_000 });
    fs.appendFileSync(file, JSON.stringify({ type: 'assistant', message: { id: 'm1', role: 'assistant', content: [{ type: 'text', text: 'late' }] } }) + '\n');
    expect(await reading).toBe('late');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives undefined for a missing file once its time is up', async () => {
    expect(await readClaudeReply(path.join(os.tmpdir(), 'no-such-transcript.jsonl'), { timeoutMs: 50 })).toBeUndefined();
  });
});

/** Gemini CLI 0.61.0's hook payloads and chat record, as captured by test/integration/signals/gemini-hooks.test.ts. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HookMessage } from '../../../src-main/runtime/signals/channel';
import { GEMINI_HOOK_EVENTS, geminiSystemLayerRefusal, parseGeminiHook, withGeminiHooks, writeGeminiHookSettings } from '../../../src-main/runtime/signals/gemini-hooks';
import { lastGeminiReply } from '../../../src-main/runtime/signals/gemini-transcript';
import type { HookProgram } from '../../../src-main/runtime/signals/hook-command';
import { longReplyText } from '../../support/model-server';

const DIR = path.resolve(__dirname, '../../fixtures/signals/gemini-0.61.0');
const program: HookProgram = { nodePath: '/n', runAsNode: false, clientPath: '/h.cjs' };
const channelEnv = { RAVEN_SIGNAL_SOCKET: '/s.sock', RAVEN_SIGNAL_TOKEN: 'tok' };

function fixtureMessages(): HookMessage[] {
  return fs
    .readdirSync(DIR)
    .filter((f) => /^\d\d-.*\.json$/.test(f))
    .sort()
    .map((f) => ({ ...(JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')) as { event: string; payload: unknown }), oversize: false, receivedAt: 0 }));
}

describe('Gemini hook settings layer', () => {
  it('appends one hook per event to the machine defaults, keeping theirs first, with the channel in each hook env', () => {
    const machine = { general: { vimMode: true }, hooks: { AfterAgent: [{ hooks: [{ type: 'command', command: 'admin-audit' }] }] } };
    const layered = withGeminiHooks(machine, program, channelEnv);
    expect(layered.general).toEqual({ vimMode: true });
    const hooks = layered.hooks as Record<string, { matcher?: string; hooks: { command: string; env: Record<string, string> }[] }[]>;
    expect(Object.keys(hooks).sort()).toEqual([...GEMINI_HOOK_EVENTS].sort());
    expect(hooks.AfterAgent.map((e) => e.hooks[0].command)).toEqual(['admin-audit', "'/n' '/h.cjs' 'AfterAgent'"]);
    expect(hooks.BeforeTool[0]).toMatchObject({ matcher: '*', hooks: [{ env: channelEnv }] });
    // Gemini's "Executing Hooks" indicator is off by default in this layer (it lands in the screen's reply)…
    expect(layered.hooksConfig).toEqual({ notifications: false });
  });

  it("keeps the machine defaults' own hook notification choice and other hooksConfig fields", () => {
    const layered = withGeminiHooks({ hooksConfig: { notifications: true, disabled: ['x'] } }, program, channelEnv);
    expect(layered.hooksConfig).toEqual({ notifications: true, disabled: ['x'] });
  });

  it('writes a private file and names it in GEMINI_CLI_SYSTEM_DEFAULTS_PATH; a missing machine file is no error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gemini-layer-'));
    const layer = writeGeminiHookSettings(dir, program, channelEnv, path.join(dir, 'absent.json'));
    const { file, env } = layer;
    expect(env).toEqual({ GEMINI_CLI_SYSTEM_DEFAULTS_PATH: file });
    // Under the OS temp folder (mode 1777) Gemini would skip it; the result says so and why.
    expect(layer.refusal).toMatch(/writable by group or others|not owned by root/);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(JSON.parse(JSON.stringify(withGeminiHooks({}, program, channelEnv))));
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('geminiSystemLayerRefusal (Gemini loads a system layer only if it and every folder above are root-owned and not group/other-writable)', () => {
  it('refuses anything under the OS temp folder', () => {
    expect(geminiSystemLayerRefusal(path.join(os.tmpdir(), 'x.json'))).toBeDefined();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gemini-refusal-'));
    fs.writeFileSync(path.join(dir, 'f.json'), '{}');
    expect(geminiSystemLayerRefusal(path.join(dir, 'f.json'))).toMatch(new RegExp(process.getuid?.() === 0 ? 'writable by group or others' : 'not owned by root'));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a group-writable file, and a missing one', () => {
    const dir = fs.mkdtempSync(path.join(os.homedir(), '.raven-refusal-'));
    const file = path.join(dir, 'f.json');
    fs.writeFileSync(file, '{}', { mode: 0o660 });
    fs.chmodSync(file, 0o660);
    expect(geminiSystemLayerRefusal(file)).toMatch(/writable by group or others|not owned by root/);
    expect(geminiSystemLayerRefusal(path.join(dir, 'missing.json'))).toMatch(/cannot inspect/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('Gemini 0.61.0 hook payloads', () => {
  const signals = fixtureMessages().map(parseGeminiHook);
  it('parse into start, three turns (one with a permission question and a tool), end', () => {
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
    expect(signals[2]).toMatchObject({ reply: 'PONG' });
    expect(signals[6]).toMatchObject({ tool: 'run_shell_command', input: { command: expect.stringContaining('out.txt') } });
    expect(signals[7]).toMatchObject({ tool: 'Confirm Shell Command', input: { type: 'exec', command: expect.stringContaining('out.txt') } });
    expect(signals[9]).toMatchObject({ reply: 'TOOL DONE' });
  });
});

describe('Gemini chat record', () => {
  const record = fs.readFileSync(path.join(DIR, 'transcript.jsonl'), 'utf8');
  const lines = record.split('\n');
  const upTo = (text: string): string => lines.slice(0, lines.findIndex((l) => l.includes(`[{"text":"${text}"}]`))).join('\n');

  it('gives each turn its exact reply (the 400 lines once, unlike prompt_response), the last after its tool', () => {
    expect(lastGeminiReply(upTo('LONG please'))).toBe('PONG');
    expect(lastGeminiReply(upTo('RUN_TOOL now'))).toBe(longReplyText().trimEnd());
    expect(lastGeminiReply(record)).toBe('TOOL DONE');
  });

  it('a turn with no model text yet has no reply', () => {
    expect(lastGeminiReply(upTo('RUN_TOOL now') + '\n' + JSON.stringify({ id: 'u9', type: 'user', content: [{ text: 'next' }] }))).toBeUndefined();
  });
});

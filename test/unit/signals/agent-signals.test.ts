import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentSignals, hasSignals } from '../../../src-main/runtime/signals/agent-signals';
import type { AgentSignal } from '../../../src-main/runtime/signals/signal';
import { hookClientPath } from '../../../src-main/runtime/signals/channel';

const FIXTURES = path.resolve(__dirname, '../../fixtures/signals');
const open: AgentSignals[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** Runs the hook client as the CLI would, with the environment the setup asks for. */
function hook(env: Record<string, string>, event: string, stdin: string, args: string[] = []): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [hookClientPath(), event, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('close', resolve);
    child.stdin.end(stdin);
  });
}

function nextSignal(signals: AgentSignals): Promise<AgentSignal> {
  return new Promise((resolve) => {
    const sub = signals.signals.on((signal) => {
      sub.dispose();
      resolve(signal);
    });
  });
}

describe('AgentSignals', () => {
  it('knows which agent types have signals', () => {
    expect(['claude-code', 'codex', 'gemini-cli', 'aider', 'custom', 'shell', 'echo'].filter((t) => hasSignals(t as never))).toEqual(['claude-code', 'codex', 'gemini-cli']);
  });

  it('Claude: --settings args and the channel env; a captured Stop payload comes out as turn_ended and marks the source live', async () => {
    const signals = await AgentSignals.open('claude-code');
    open.push(signals);
    expect(signals.setup.args).toEqual(['--settings', path.join(signals.channel.dir, 'claude-settings.json')]);
    expect(Object.keys(signals.setup.env).sort()).toEqual(['RAVEN_SIGNAL_MAX_BYTES', 'RAVEN_SIGNAL_SOCKET', 'RAVEN_SIGNAL_TOKEN']);
    expect(signals.lastEvent).toBeUndefined();
    const stop = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'claude-2.1.332', '03-Stop.json'), 'utf8')) as { payload: unknown };
    const arrived = nextSignal(signals);
    expect(await hook(signals.setup.env, 'Stop', JSON.stringify(stop.payload))).toBe(0);
    expect(await arrived).toMatchObject({ kind: 'turn_ended', reply: 'PONG' });
    expect(signals.lastEvent?.event).toBe('Stop');
  });

  it('Codex: -c notify args; the notify payload arrives as the last argument', async () => {
    const signals = await AgentSignals.open('codex');
    open.push(signals);
    expect(signals.setup.args[0]).toBe('-c');
    const arrived = nextSignal(signals);
    await hook(signals.setup.env, 'notify', '', [JSON.stringify({ type: 'agent-turn-complete', 'thread-id': 't', 'input-messages': ['hi'], 'last-assistant-message': 'PONG' })]);
    expect(await arrived).toMatchObject({ kind: 'turn_ended', reply: 'PONG', threadId: 't', prompts: ['hi'] });
  });

  it("Gemini: only the layer's variable goes in the CLI's env (the token stays in the hooks' own env), and a refusal is reported", async () => {
    const signals = await AgentSignals.open('gemini-cli', { geminiInheritedDefaults: path.join(os.tmpdir(), 'raven-absent-defaults.json') });
    open.push(signals);
    expect(signals.setup).toMatchObject({ args: [], env: { GEMINI_CLI_SYSTEM_DEFAULTS_PATH: path.join(signals.channel.dir, 'gemini-system-defaults.json') } });
    expect(Object.keys(signals.setup.env)).toEqual(['GEMINI_CLI_SYSTEM_DEFAULTS_PATH']);
    // Under the OS temp folder Gemini would skip the layer, and the setup says so.
    expect(signals.setup.unavailable).toMatch(/writable by group or others|not owned by root/);
  });

  it("Gemini in a runtime-owned home: no system layer, nothing in the CLI's env; the hooks go into the home's user settings, the user's own kept", async () => {
    const signals = await AgentSignals.open('gemini-cli', { runtimeOwnedHome: true });
    open.push(signals);
    expect(signals.setup).toMatchObject({ args: [], env: {} });
    expect(signals.setup.unavailable).toBeUndefined();
    expect(fs.existsSync(path.join(signals.channel.dir, 'gemini-system-defaults.json'))).toBe(false);
    const [layer] = signals.setup.userSettings ?? [];
    expect(layer?.file).toBe(path.join('.gemini', 'settings.json'));
    const merged = layer!.merge({ hooks: { AfterAgent: [{ hooks: [{ name: 'mine', type: 'command', command: 'true' }] }] }, ui: { theme: 'x' } }) as {
      hooks: Record<string, { hooks: { name: string; env?: Record<string, string> }[] }[]>;
      ui: unknown;
    };
    expect(merged.ui).toEqual({ theme: 'x' });
    expect(merged.hooks.AfterAgent.flatMap((entry) => entry.hooks.map((h) => h.name))).toEqual(['mine', 'raven-signal-AfterAgent']);
    // The token rides in the hook's own env, as with the system layer.
    expect(Object.keys(merged.hooks.AfterAgent[1].hooks[0].env ?? {}).sort()).toEqual(Object.keys(signals.channel.hookEnv()).sort());
  });

  it('close removes the channel folder with its settings file', async () => {
    const signals = await AgentSignals.open('claude-code');
    const dir = signals.channel.dir;
    expect(fs.existsSync(path.join(dir, 'claude-settings.json'))).toBe(true);
    await signals.close();
    expect(fs.existsSync(dir)).toBe(false);
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RuntimeConfig } from '../../src-main/runtime/config';
import { createHarness, scratchDir, type Harness } from '../support/runtime-harness';
import { until } from '../support/until';

/**
 * Claude Code's hooks fused with its screen (real PTY, real hook channel). A Claude-like program
 * (test/fixtures/programs/claude-like-hooks.cjs) runs as `claude`: it runs the hooks of the
 * `--settings` file the runtime gives it, writes its reply to a transcript before its Stop hook,
 * and draws a different reply on screen 2.5 s later, so each test can tell which source ended the
 * turn and gave the reply.
 */

const PROGRAM = path.resolve(__dirname, '../fixtures/programs/claude-like-hooks.cjs');
const TRANSCRIPT_REPLY = 'TRANSCRIPT REPLY to hello\n    indented line kept\n';

let h: Harness;
afterEach(async () => {
  await h.close();
});

async function spawnDouble(config: Partial<RuntimeConfig>, env: Record<string, string> = {}): Promise<string> {
  h = createHarness(config, { ...process.env, HOME: '/nonexistent-home-for-tests' });
  const workdir = scratchDir(h, 'work');
  const bin = scratchDir(h, 'bin');
  fs.writeFileSync(path.join(bin, 'claude'), `#!/bin/sh\nexec "${process.execPath}" "${PROGRAM}" "$@"\n`, { mode: 0o755 });
  const agent = await h.manager.spawn({ type: 'claude-code', workdir, env: { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`, ...env } });
  await h.waitFor('agent_ready', agent.id, 15_000);
  return agent.id;
}

const screenText = (id: string): string => h.manager.logs(id, 40).join('\n');

describe('Claude hooks fused with the screen (real PTY)', () => {
  it('the Stop hook ends the turn before the screen does, with the reply from the transcript exactly', async () => {
    const id = await spawnDouble({});
    const result = await h.manager.send(id, 'hello', { timeoutMs: 20_000 });
    // The screen still shows the turn running: only the hook can have ended it.
    expect(screenText(id)).toContain('esc to interrupt');
    expect(screenText(id)).not.toContain('SCREEN REPLY');
    expect(result.status).toBe('ready');
    expect(result.response).toBe(TRANSCRIPT_REPLY);
    const handle = h.manager.get(id);
    expect(handle.status).toBe('ready');
    expect(handle.signals?.hooks).toBe(true);
    expect(handle.signals?.lastHookAt).toMatch(/^\d{4}-\d\d-\d\dT/);

    // The screen's late "busy" and then its prompt start no second turn.
    await until(() => screenText(id).includes('SCREEN REPLY'), 10_000, 'the screen reply');
    await until(() => screenText(id).includes('? for shortcuts'), 10_000, 'the idle prompt');
    await h.manager.send(id, 'again', { timeoutMs: 20_000 });
    const messages = h.events.filter((e) => e.type === 'message' && e.agentId === id).map((e) => (e.type === 'message' ? e.content : ''));
    expect(messages).toEqual([TRANSCRIPT_REPLY, 'TRANSCRIPT REPLY to again\n    indented line kept\n']);

    // The channel closes with the agent and its folder (socket, settings file) is removed.
    await h.manager.stop(id);
    expect(h.manager.get(id).signals?.hooks).toBe(false);
    expect(fs.readdirSync(path.join(h.dataDir, 'signals'))).toEqual([]);
  }, 40_000);

  it('a prompt typed into the terminal: the hook makes the agent busy and its Stop gives the message', async () => {
    const id = await spawnDouble({});
    h.manager.write(id, 'hello\r');
    const busy = await h.waitFor('status_changed', id, 10_000, (e) => e.status === 'busy');
    expect(busy.previous).toBe('ready');
    const message = await h.waitFor('message', id, 10_000);
    expect(message.content).toBe(TRANSCRIPT_REPLY);
    expect(message.inReplyTo).toBeUndefined();
    // Ended by the hook: the screen has not drawn its reply yet.
    expect(screenText(id)).not.toContain('SCREEN REPLY');
    expect(h.manager.get(id).status).toBe('ready');
  }, 40_000);

  it('with hooks silenced (as under disableAllHooks) the screen ends the turn with its own reply', async () => {
    const id = await spawnDouble({}, { DOUBLE_NO_HOOKS: '1' });
    const result = await h.manager.send(id, 'hello', { timeoutMs: 20_000 });
    expect(result).toMatchObject({ status: 'ready', response: 'SCREEN REPLY' });
    expect(h.manager.get(id).signals).toEqual({ hooks: false, lastHookAt: undefined });
  }, 40_000);

  it('signals: false starts Claude without the hooks: screen only, no channel', async () => {
    const id = await spawnDouble({ signals: false });
    const result = await h.manager.send(id, 'hello', { timeoutMs: 20_000 });
    expect(result).toMatchObject({ status: 'ready', response: 'SCREEN REPLY' });
    const handle = h.manager.get(id);
    expect(handle.signals).toBeUndefined();
    expect(handle.args).not.toContain('--settings');
    expect(fs.existsSync(path.join(h.dataDir, 'signals'))).toBe(false);
  }, 40_000);
});

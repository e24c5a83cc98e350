import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RuntimeConfig } from '../../src-main/runtime/config';
import { createHarness, scratchDir, type Harness } from '../support/runtime-harness';
import { until } from '../support/until';

/**
 * Codex's notify fused with its screen (real PTY, real hook channel). A Codex-like program
 * (test/fixtures/programs/codex-like-notify.cjs) runs as `codex`: it draws the reply and the idle
 * composer first, then runs the `-c notify` program with a different reply, after a delay each test
 * chooses, so a test can tell which source gave the reply and when the agent became ready.
 */

const PROGRAM = path.resolve(__dirname, '../fixtures/programs/codex-like-notify.cjs');
const notifyReply = (message: string): string => `NOTIFY REPLY to ${message}\n    indented line kept\n`;

let h: Harness;
afterEach(async () => {
  await h.close();
});

async function spawnDouble(config: Partial<RuntimeConfig>, env: Record<string, string> = {}): Promise<string> {
  h = createHarness(config, { ...process.env, HOME: '/nonexistent-home-for-tests' });
  const workdir = scratchDir(h, 'work');
  const bin = scratchDir(h, 'bin');
  fs.writeFileSync(path.join(bin, 'codex'), `#!/bin/sh\nexec "${process.execPath}" "${PROGRAM}" "$@"\n`, { mode: 0o755 });
  const agent = await h.manager.spawn({ type: 'codex', workdir, env: { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`, ...env } });
  await h.waitFor('agent_ready', agent.id, 15_000);
  return agent.id;
}

const messages = (id: string): string[] => h.events.flatMap((e) => (e.type === 'message' && e.agentId === id ? [e.content] : []));

describe('Codex notify fused with the screen (real PTY)', () => {
  it("ready comes from the screen, the reply from notify's payload; a side thread's notify is ignored", async () => {
    const id = await spawnDouble({}, { DOUBLE_NOTIFY_DELAY_MS: '400' });
    const before = h.events.length;
    const first = h.manager.send(id, 'hello', { timeoutMs: 20_000 });
    // The screen's idle composer makes the agent ready before notify (400 ms later) gives the reply.
    await until(() => h.events.slice(before).some((e) => e.type === 'status_changed' && e.agentId === id && e.status === 'ready'), 10_000, 'ready after the turn');
    expect(messages(id)).toEqual([]);
    // A send right then waits for the reply still on its way, then runs its own turn.
    const second = await h.manager.send(id, 'again', { timeoutMs: 20_000 });
    await expect(first).resolves.toMatchObject({ status: 'ready', response: notifyReply('hello') });
    expect(second).toMatchObject({ status: 'ready', response: notifyReply('again') });
    expect(messages(id)).toEqual([notifyReply('hello'), notifyReply('again')]);
    const handle = h.manager.get(id);
    expect(handle.signals?.hooks).toBe(true);
    expect(handle.args.join(' ')).toContain('notify=[');

    await h.manager.stop(id);
    expect(h.manager.get(id).signals?.hooks).toBe(false);
    expect(fs.readdirSync(path.join(h.dataDir, 'signals'))).toEqual([]);
  }, 40_000);

  it("the user's own notify (their config.toml's, which ours replaces for the run) still runs, with the same payload", async () => {
    const codexHome = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'raven-codex-home-')));
    const inbox = path.join(codexHome, 'inbox');
    fs.mkdirSync(inbox);
    // The user's program: writes the payload it is given (its last argument) to a file of its own.
    const script = `printf '%s' "$1" > '${inbox}'/.n-$$ && mv '${inbox}'/.n-$$ '${inbox}'/n-$$.json`;
    fs.writeFileSync(path.join(codexHome, 'config.toml'), `model = "gpt-test"\nnotify = ["/bin/sh", "-c", ${JSON.stringify(script)}, "user-notify"]\n`);
    const payloads = (): Record<string, unknown>[] =>
      fs.readdirSync(inbox).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(inbox, f), 'utf8')) as Record<string, unknown>);
    try {
      const id = await spawnDouble({}, { DOUBLE_NOTIFY_DELAY_MS: '0', CODEX_HOME: codexHome });
      const result = await h.manager.send(id, 'hello', { timeoutMs: 20_000 });
      expect(result.response).toBe(notifyReply('hello'));
      // It runs for every notify, the side thread's too, each with Codex's payload as given.
      await until(() => payloads().length === 2, 10_000, "the user's notify program, twice");
      expect(payloads().map((p) => p['thread-id']).sort()).toEqual(['main-thread', 'title-thread']);
      expect(payloads().find((p) => p['thread-id'] === 'main-thread')).toMatchObject({ type: 'agent-turn-complete', 'last-assistant-message': notifyReply('hello') });
    } finally {
      fs.rmSync(codexHome, { recursive: true, force: true });
    }
  }, 40_000);

  it('a notify that never comes: the screen ends the turn with its own reply once the wait runs out', async () => {
    const id = await spawnDouble({}, { DOUBLE_NOTIFY_DELAY_MS: 'never' });
    const result = await h.manager.send(id, 'hello', { timeoutMs: 20_000 });
    expect(result).toMatchObject({ status: 'ready', response: 'SCREEN REPLY' });
    expect(h.manager.get(id).signals).toEqual({ hooks: false, lastHookAt: undefined });
  }, 40_000);

  it('signals: false starts Codex without notify: screen only, no channel', async () => {
    const id = await spawnDouble({ signals: false });
    const result = await h.manager.send(id, 'hello', { timeoutMs: 20_000 });
    expect(result).toMatchObject({ status: 'ready', response: 'SCREEN REPLY' });
    const handle = h.manager.get(id);
    expect(handle.signals).toBeUndefined();
    expect(handle.args.join(' ')).not.toContain('notify=');
    expect(fs.existsSync(path.join(h.dataDir, 'signals'))).toBe(false);
  }, 40_000);
});

/** Codex's notify payloads as captured from the real 0.169.0 and 0.171.0 (test/integration/signals/codex-notify.test.ts). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HookMessage } from '../../../src-main/runtime/signals/channel';
import { CHAIN_PREFIX, codexNotifyArgs, CodexThreadFilter, parseCodexNotify, userCodexNotify } from '../../../src-main/runtime/signals/codex-notify';
import { longReplyText } from '../../support/model-server';

const FIXTURES = path.resolve(__dirname, '../../fixtures/signals');

function fixtureMessages(version: string): HookMessage[] {
  const dir = path.join(FIXTURES, `codex-${version}`);
  return fs
    .readdirSync(dir)
    .sort()
    .map((f) => ({ ...(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { event: string; payload: unknown }), oversize: false, receivedAt: 0 }));
}

describe('codexNotifyArgs', () => {
  it('sets notify to the hook client as a TOML array, with any path quoted safely', () => {
    const args = codexNotifyArgs({ nodePath: '/opt/my "node"', runAsNode: false, clientPath: '/x/hook-client.cjs' });
    expect(args).toEqual(['-c', 'notify=["/opt/my \\"node\\"","/x/hook-client.cjs","notify"]']);
    expect(codexNotifyArgs({ nodePath: '/app', runAsNode: true, clientPath: '/h.cjs' })[1]).toBe('notify=["env","ELECTRON_RUN_AS_NODE=1","/app","/h.cjs","notify"]');
  });

  it("passes the user's own notify program on to the hook client, encoded as one argument", () => {
    const user = ['notify-send', 'Codex "done"'];
    const [, value] = codexNotifyArgs({ nodePath: '/n', runAsNode: false, clientPath: '/h.cjs' }, user);
    const argv = JSON.parse(value.slice('notify='.length)) as string[];
    expect(argv.slice(0, 3)).toEqual(['/n', '/h.cjs', 'notify']);
    expect(argv[3].startsWith(CHAIN_PREFIX)).toBe(true);
    expect(JSON.parse(Buffer.from(argv[3].slice(CHAIN_PREFIX.length), 'base64').toString('utf8'))).toEqual(user);
  });
});

describe('userCodexNotify (the user config.toml notify the runtime keeps running)', () => {
  it.each([
    ['one line', 'model = "x"\nnotify = ["notify-send", "Codex"]\n', ['notify-send', 'Codex']],
    ['literal strings and escapes', 'notify = [\'/usr/bin/say\', "a \\"q\\" \\u00e9"]', ['/usr/bin/say', 'a "q" é']],
    ['several lines with comments and a trailing comma', 'notify = [\n  "python3", # the interpreter\n  "/h/notify.py",\n]\n[tui]\nx = 1', ['python3', '/h/notify.py']],
  ])('%s', (_name, toml, expected) => {
    expect(userCodexNotify(toml)).toEqual(expected);
  });

  it.each([
    ['none', 'model = "x"\n'],
    ['only inside a table (a profile)', '[profiles.work]\nnotify = ["x"]\n'],
    ['not an array of strings', 'notify = [1, 2]'],
    ['empty', 'notify = []'],
  ])('%s: nothing to run', (_name, toml) => {
    expect(userCodexNotify(toml)).toBeUndefined();
  });
});

describe.each(['0.169.0', '0.171.0'])('Codex %s notify payloads', (version) => {
  const signals = fixtureMessages(version).map(parseCodexNotify);

  it('are turn ends with the exact reply; the session filter keeps its own two turns and drops the title thread', () => {
    expect(signals.every((s) => s?.kind === 'turn_ended')).toBe(true);
    const filter = new CodexThreadFilter();
    const sent = ['hello', 'LONG please'];
    let turn = 0;
    const kept = signals.filter((s) => {
      if (s === undefined || !filter.isSessionTurn(s, sent[turn])) return false;
      turn++;
      return true;
    });
    expect(kept.map((s) => (s?.kind === 'turn_ended' ? s.reply : undefined))).toEqual(['PONG', longReplyText()]);
    expect(new Set(kept.map((s) => (s?.kind === 'turn_ended' ? s.threadId : undefined))).size).toBe(1);
    const dropped = signals.filter((s) => !kept.includes(s));
    for (const side of dropped) expect(side?.kind === 'turn_ended' && side.prompts?.[0]).toMatch(/^Generate a concise, single-line task title/);
  });

  it('ignore other notification types and other events', () => {
    expect(parseCodexNotify({ event: 'notify', payload: { type: 'something-else' }, oversize: false, receivedAt: 0 })).toBeUndefined();
    expect(parseCodexNotify({ event: 'Stop', payload: { type: 'agent-turn-complete' }, oversize: false, receivedAt: 0 })).toBeUndefined();
  });
});

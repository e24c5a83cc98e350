/**
 * The real Codex (both installed builds) in a PTY, started with the runtime's `-c notify=[…]`,
 * against the loopback model server: each turn's end arrives over the session's channel with the
 * exact last assistant message. RECORD_SIGNAL_FIXTURES=1 saves the payloads under
 * test/fixtures/signals/codex-<version>/.
 */
import { describe, expect, it } from 'vitest';
import { createCodexAdapter } from '../../../src-main/runtime/adapters/codex';
import { codexNotifyArgs, CodexThreadFilter, parseCodexNotify } from '../../../src-main/runtime/signals/codex-notify';
import { defaultHookProgram } from '../../../src-main/runtime/signals/hook-command';
import { cliSpawnEnv, createCliHome } from '../../support/cli-home';
import { buildBinary, buildLabel, buildsOf, buildVersion } from '../../support/cli-versions';
import { longReplyText } from '../../support/model-server';
import { saveFixtures, startSignalPty, useSignalTestWorld } from '../../support/signal-pty';

const world = useSignalTestWorld();

describe.each(buildsOf('codex'))('Codex notify over the signal channel ($channel)', (build) => {
  it(
    `${buildLabel(build)}: each turn's end arrives with the exact last assistant message`,
    async () => {
      const home = createCliHome('codex', 'logged-in', { baseUrl: world.server.url, preAcceptTrust: true });
      world.keepHome(home);
      const adapter = createCodexAdapter();
      const cli = await startSignalPty({
        file: buildBinary(build),
        args: () => ['--no-alt-screen', ...codexNotifyArgs(defaultHookProgram())],
        cwd: home.workdir,
        env: cliSpawnEnv(home),
        adapter,
      });
      world.keepPty(cli);
      await cli.waitScreen((s) => s.kind === 'ready', 60_000);
      const threads = new CodexThreadFilter();

      const screenMark = cli.screenStates.length;
      await cli.submit('hello', 20_000);
      // Codex's title generator ends a turn of its own on a side thread; the filter drops it.
      const done = await cli.waitMessage((m) => { const s = parseCodexNotify(m); return s !== undefined && threads.isSessionTurn(s, 'hello'); }, 60_000);
      expect(parseCodexNotify(done)).toMatchObject({ kind: 'turn_ended', reply: 'PONG', prompts: ['hello'] });
      const screenReady = await cli.waitScreen((s) => s.kind === 'ready', 30_000, screenMark + 1);
      console.log(`[${buildLabel(build)}] notify ${done.receivedAt}, screen ready ${screenReady.at} (+${adapter.settleMs} ms settle): notify leads by ${screenReady.at + adapter.settleMs - done.receivedAt} ms`);

      const mark = cli.messages.length;
      await cli.submit('LONG please', 20_000);
      const long = await cli.waitMessage((m) => { const s = parseCodexNotify(m); return s !== undefined && threads.isSessionTurn(s, 'LONG please'); }, 60_000, mark);
      const ended = parseCodexNotify(long);
      // Exactly as the model sent it, final newline included.
      expect(ended?.kind === 'turn_ended' ? ended.reply : undefined).toBe(longReplyText());
      // Every notify that arrived is either the session's turn or the title generator's side thread.
      const sideThreads = cli.messages.map(parseCodexNotify).filter((s) => s?.kind === 'turn_ended' && s.prompts?.[0]?.startsWith('Generate a concise'));
      expect(cli.messages.length).toBe(2 + sideThreads.length);
      if (process.env.RECORD_SIGNAL_FIXTURES === '1') saveFixtures(`codex-${buildVersion(build)}`, cli.messages);
    },
    120_000,
  );
});

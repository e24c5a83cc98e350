/**
 * The real Gemini CLI in a PTY with the runtime's system-defaults layer of hooks, against the
 * loopback model server: start, prompt, permission and turn end arrive over the channel in order,
 * AfterAgent and the chat record carry the exact reply, and the user's own hooks still run. RECORD_SIGNAL_FIXTURES=1
 * saves the payloads under test/fixtures/signals/gemini-<version>/.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGeminiAdapter } from '../../../src-main/runtime/adapters/gemini';
import { parseGeminiHook, writeGeminiHookSettings } from '../../../src-main/runtime/signals/gemini-hooks';
import { lastGeminiReply } from '../../../src-main/runtime/signals/gemini-transcript';
import { defaultHookProgram } from '../../../src-main/runtime/signals/hook-command';
import { cliSpawnEnv, createCliHome } from '../../support/cli-home';
import { buildBinary, buildLabel, buildsOf, buildVersion } from '../../support/cli-versions';
import { longReplyText } from '../../support/model-server';
import { saveFixtures, startSignalPty, useSignalTestWorld } from '../../support/signal-pty';

const world = useSignalTestWorld();
let secureParent: string;

beforeAll(async () => {
  secureParent = fs.mkdtempSync(path.join(os.homedir(), '.raven-signals-test-'));
});
afterAll(async () => {
  fs.rmSync(secureParent, { recursive: true, force: true });
});

describe.each(buildsOf('gemini'))('Gemini CLI hooks over the signal channel ($channel)', (build) => {
  it(
    `${buildLabel(build)}: start, prompt, permission and turn end arrive in order with the exact reply; the user's hooks still run`,
    async () => {
      const home = createCliHome('gemini', 'logged-in', { baseUrl: world.server.url, preAcceptTrust: true });
      world.keepHome(home);
      // The user's own AfterAgent hook, in their own settings.
      const userLog = path.join(home.root, 'user-hook.log');
      const userSettingsFile = path.join(home.home, '.gemini', 'settings.json');
      const userSettings = JSON.parse(fs.readFileSync(userSettingsFile, 'utf8')) as Record<string, unknown>;
      fs.writeFileSync(userSettingsFile, JSON.stringify({ ...userSettings, hooks: { AfterAgent: [{ hooks: [{ name: 'user', type: 'command', command: `echo user-after >> '${userLog}'` }] }] } }));
      const adapter = createGeminiAdapter();
      let refusal: string | undefined;
      const cli = await startSignalPty({
        file: buildBinary(build),
        args: () => [],
        // Gemini skips a settings file when any folder above it is writable by others (/tmp is).
        channelParent: secureParent,
        envFor: (channel) => {
          const layer = writeGeminiHookSettings(channel.dir, defaultHookProgram(), channel.hookEnv(), path.join(home.root, 'no-system-defaults.json'));
          refusal = layer.refusal;
          return layer.env;
        },
        cwd: home.workdir,
        env: cliSpawnEnv(home),
        adapter,
      });
      world.keepPty(cli);
      // Gemini loads the layer only if it and every folder above are root-owned (see
      // geminiSystemLayerRefusal). Run as another user, the layer must say it will be skipped,
      // and there is nothing more this test can check (docs/signals.md "Gemini CLI").
      if (process.getuid?.() !== 0) {
        expect(refusal).toMatch(/not owned by root/);
        return;
      }
      expect(refusal).toBeUndefined();
      const started = await cli.waitMessage((m) => m.event === 'SessionStart', 90_000);
      expect(parseGeminiHook(started)).toMatchObject({ kind: 'session_started', source: 'startup' });
      await cli.waitScreen((s) => s.kind === 'ready', 90_000);

      const screenMark = cli.screenStates.length;
      let mark = cli.messages.length;
      await cli.submit('hello', 20_000);
      const after = await cli.waitMessage((m) => m.event === 'AfterAgent', 60_000, mark);
      expect(cli.messages.slice(mark).map((m) => m.event)).toEqual(['BeforeAgent', 'AfterAgent']);
      expect(parseGeminiHook(cli.messages[mark])).toEqual({ kind: 'turn_started', prompt: 'hello' });
      expect(parseGeminiHook(after)).toMatchObject({ kind: 'turn_ended', reply: 'PONG' });
      const screenReady = await cli.waitScreen((s) => s.kind === 'ready', 30_000, screenMark + 1);
      console.log(`[${buildLabel(build)}] AfterAgent ${after.receivedAt}, screen ready ${screenReady.at} (+${adapter.settleMs} ms settle): hook leads by ${screenReady.at + adapter.settleMs - after.receivedAt} ms`);

      mark = cli.messages.length;
      await cli.submit('LONG please', 20_000);
      const long = parseGeminiHook(await cli.waitMessage((m) => m.event === 'AfterAgent', 60_000, mark));
      // Gemini 0.61.0's prompt_response for a reply that streamed in many chunks is the whole reply
      // followed by a repeat of part of it (docs/signals.md "Gemini CLI"), so it is not the reply
      // source for long answers. Should a release fix it, this fails and the doc must change.
      const longReply = long?.kind === 'turn_ended' ? (long.reply ?? '') : '';
      expect(longReply.startsWith(longReplyText())).toBe(true);
      expect(longReply.length).toBeGreaterThan(longReplyText().length);
      const transcriptPath = long?.kind === 'turn_ended' ? long.transcriptPath : undefined;
      // The chat record has it exactly, once (Gemini stores it without the final newline).
      expect(lastGeminiReply(fs.readFileSync(transcriptPath ?? '', 'utf8'))).toBe(longReplyText().trimEnd());

      mark = cli.messages.length;
      await cli.submit('RUN_TOOL now', 20_000);
      const permission = await cli.waitMessage((m) => m.event === 'Notification', 60_000, mark);
      expect(parseGeminiHook(permission)).toMatchObject({ kind: 'permission_requested', input: { command: expect.stringContaining('out.txt') } });
      const question = await cli.waitScreen((s) => s.kind === 'prompt' && s.prompt.kind === 'permission', 30_000);
      const allow = question.state.kind === 'prompt' ? question.state.prompt.options.find((o) => /allow once/i.test(o.label)) : undefined;
      expect(allow).toBeDefined();
      cli.keys(allow?.keys ?? []);
      const toolEnd = await cli.waitMessage((m) => m.event === 'AfterAgent', 60_000, mark);
      expect(cli.messages.slice(mark).map((m) => m.event)).toEqual(['BeforeAgent', 'BeforeTool', 'Notification', 'AfterTool', 'AfterAgent']);
      expect(parseGeminiHook(cli.messages[mark + 1])).toMatchObject({ kind: 'tool_starting', tool: 'run_shell_command' });
      expect(parseGeminiHook(toolEnd)).toMatchObject({ kind: 'turn_ended', reply: 'TOOL DONE' });

      // The user's own AfterAgent hook ran for every turn.
      expect(fs.readFileSync(userLog, 'utf8').trim().split('\n')).toEqual(['user-after', 'user-after', 'user-after']);

      await cli.submit('/quit', 20_000);
      const end = await cli.waitMessage((m) => m.event === 'SessionEnd', 30_000);
      expect(parseGeminiHook(end)).toMatchObject({ kind: 'session_ended' });
      if (process.env.RECORD_SIGNAL_FIXTURES === '1') {
        const folder = saveFixtures(`gemini-${buildVersion(build)}`, cli.messages);
        if (transcriptPath && fs.existsSync(transcriptPath)) fs.copyFileSync(transcriptPath, path.join(folder, 'transcript' + path.extname(transcriptPath)));
      }
    },
    150_000,
  );
});

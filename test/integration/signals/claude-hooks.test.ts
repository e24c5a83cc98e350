/**
 * The real Claude Code (both installed builds) in a PTY, started with the runtime-written hook
 * settings, against the loopback model server: the hook events must arrive over the session's
 * channel in order, the transcript must give the exact reply, and the user's own hooks must keep
 * running beside ours. RECORD_SIGNAL_FIXTURES=1 also saves every payload under
 * test/fixtures/signals/claude-<version>/ for the parser tests.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClaudeAdapter } from '../../../src-main/runtime/adapters/claude';
import { readClaudeReply } from '../../../src-main/runtime/signals/claude-transcript';
import { parseClaudeHook, writeClaudeHookSettings } from '../../../src-main/runtime/signals/claude-hooks';
import { defaultHookProgram } from '../../../src-main/runtime/signals/hook-command';
import type { HookMessage } from '../../../src-main/runtime/signals/channel';
import { cliSpawnEnv, createCliHome } from '../../support/cli-home';
import { buildBinary, buildLabel, buildsOf, buildVersion } from '../../support/cli-versions';
import { longReplyText } from '../../support/model-server';
import { saveFixtures, startSignalPty, useSignalTestWorld } from '../../support/signal-pty';

const TEST_TIMEOUT = 150_000;
const world = useSignalTestWorld();

describe.each(buildsOf('claude'))('Claude Code hooks over the signal channel ($channel)', (build) => {
  it(
    `${buildLabel(build)}: start, prompt, permission request and turn end arrive in order; the transcript gives the exact reply; the user's hooks still run`,
    async () => {
      const home = createCliHome('claude', 'logged-in', { baseUrl: world.server.url, preAcceptTrust: true, preApproveKey: true });
      world.keepHome(home);
      // The user's own hook, in their own settings: it must keep running beside the runtime's.
      const userLog = path.join(home.root, 'user-hook.log');
      fs.mkdirSync(path.join(home.home, '.claude'), { recursive: true });
      fs.writeFileSync(
        path.join(home.home, '.claude', 'settings.json'),
        JSON.stringify({ hooks: { Stop: [{ hooks: [{ type: 'command', command: `echo user-stop >> '${userLog}'` }] }] } }),
      );
      const userHooks = { Stop: [{ hooks: [{ type: 'command', command: `echo user-stop >> '${userLog}'` }] }] };
      const adapter = createClaudeAdapter();
      const cli = await startSignalPty({
        file: buildBinary(build),
        // Default mode asks before running a tool (2.1.332 would otherwise start in auto mode).
        args: (channel) => [...writeClaudeHookSettings(channel.dir, defaultHookProgram()).args, '--permission-mode', 'default'],
        cwd: home.workdir,
        env: cliSpawnEnv(home, { CLAUDE_CODE_DISABLE_ALTERNATE_SCREEN: '1' }),
        adapter,
      });
      world.keepPty(cli);

      const started = await cli.waitMessage((m) => m.event === 'SessionStart', 60_000);
      expect(parseClaudeHook(started)).toMatchObject({ kind: 'session_started', source: 'startup' });
      await cli.waitScreen((s) => s.kind === 'ready', 60_000);

      // A prompt and its turn.
      let mark = cli.messages.length;
      const screenMark = cli.screenStates.length;
      await cli.submit('hello', 20_000);
      const stop = await cli.waitMessage((m) => m.event === 'Stop', 60_000, mark);
      const turnEvents = cli.messages.slice(mark).map((m) => m.event);
      expect(turnEvents.indexOf('UserPromptSubmit')).toBeGreaterThanOrEqual(0);
      expect(turnEvents.indexOf('UserPromptSubmit')).toBeLessThan(turnEvents.indexOf('Stop'));
      expect(parseClaudeHook(cli.messages[mark + turnEvents.indexOf('UserPromptSubmit')])).toEqual({ kind: 'turn_started', prompt: 'hello' });
      const ended = parseClaudeHook(stop);
      expect(ended).toMatchObject({ kind: 'turn_ended' });
      const transcriptPath = ended?.kind === 'turn_ended' ? ended.transcriptPath : undefined;
      expect(transcriptPath).toBeTruthy();
      expect(await readClaudeReply(transcriptPath as string, { prompt: 'hello' })).toBe('PONG');
      // When the screen said ready after the prompt, for the report (the session adds settleMs on top).
      const screenReady = await cli.waitScreen((s) => s.kind === 'ready', 30_000, screenMark + 1);
      const hookLeadMs = screenReady.at + adapter.settleMs - stop.receivedAt;
      console.log(`[${buildLabel(build)}] Stop hook ${stop.receivedAt}, screen ready ${screenReady.at} (+${adapter.settleMs} ms settle): hook leads by ${hookLeadMs} ms`);

      // A 400-line reply comes back whole from the transcript.
      mark = cli.messages.length;
      await cli.submit('LONG please', 20_000);
      const longStop = await cli.waitMessage((m) => m.event === 'Stop', 60_000, mark);
      const longEnded = parseClaudeHook(longStop);
      expect(await readClaudeReply(longEnded?.kind === 'turn_ended' ? (longEnded.transcriptPath ?? '') : '', { prompt: 'LONG please' })).toBe(longReplyText());

      // A tool that needs approval.
      mark = cli.messages.length;
      await cli.submit('RUN_TOOL now', 20_000);
      const permission = await cli.waitMessage((m) => m.event === 'PermissionRequest', 60_000, mark);
      const asked = parseClaudeHook(permission);
      expect(asked).toMatchObject({ kind: 'permission_requested', tool: 'Bash' });
      expect(JSON.stringify(asked?.kind === 'permission_requested' ? asked.input : null)).toContain('out.txt');
      const pre = cli.messages.slice(mark).findIndex((m) => m.event === 'PreToolUse');
      expect(pre).toBeGreaterThanOrEqual(0);
      expect(pre).toBeLessThan(cli.messages.slice(mark).indexOf(permission));
      // Answer it on screen, as a person would, and the turn goes on to its end.
      const question = await cli.waitScreen((s) => s.kind === 'prompt' && s.prompt.kind === 'permission', 30_000);
      const yes = question.state.kind === 'prompt' ? question.state.prompt.options.find((o) => /^yes/i.test(o.label)) : undefined;
      expect(yes).toBeDefined();
      // A key that arrives while Ink is still drawing the dialog can be lost (the session's
      // auto-answerer retries for the same reason): press again while the question stays on screen.
      let toolStop: HookMessage | undefined;
      for (let attempt = 0; attempt < 3 && !toolStop; attempt++) {
        cli.keys(yes?.keys ?? []);
        toolStop = await cli.waitMessage((m) => m.event === 'Stop' || m.event === 'PostToolUse', attempt < 2 ? 5_000 : 60_000, mark).catch(() => undefined);
      }
      expect(toolStop, 'the tool ran after the answer').toBeDefined();
      toolStop = await cli.waitMessage((m) => m.event === 'Stop', 60_000, mark);
      const toolEvents = cli.messages.slice(mark).map((m) => m.event);
      expect(toolEvents.indexOf('PostToolUse')).toBeGreaterThan(toolEvents.indexOf('PermissionRequest'));
      expect(toolEvents.indexOf('Stop')).toBeGreaterThan(toolEvents.indexOf('PostToolUse'));
      const toolEnded = parseClaudeHook(toolStop);
      expect(await readClaudeReply(toolEnded?.kind === 'turn_ended' ? (toolEnded.transcriptPath ?? '') : '', { prompt: 'RUN_TOOL now' })).toBe('TOOL DONE');

      // The user's Stop hook ran for every turn, and their settings still hold only their own hooks
      // (Claude itself adds an `env` entry there when DISABLE_AUTOUPDATER is set; not our doing).
      expect(fs.readFileSync(userLog, 'utf8').trim().split('\n')).toEqual(['user-stop', 'user-stop', 'user-stop']);
      const userSettings = JSON.parse(fs.readFileSync(path.join(home.home, '.claude', 'settings.json'), 'utf8')) as { hooks: unknown };
      expect(userSettings.hooks).toEqual(userHooks);

      // /exit ends the session with a SessionEnd hook.
      await cli.submit('/exit', 20_000);
      const end = await cli.waitMessage((m) => m.event === 'SessionEnd', 30_000);
      expect(parseClaudeHook(end)).toMatchObject({ kind: 'session_ended' });
      if (process.env.RECORD_SIGNAL_FIXTURES === '1') {
        const folder = saveFixtures(`claude-${buildVersion(build)}`, cli.messages);
        fs.copyFileSync(transcriptPath as string, path.join(folder, 'transcript.jsonl'));
      }
    },
    TEST_TIMEOUT,
  );
});

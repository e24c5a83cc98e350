import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { SpawnConfig } from '../../src-shared/agent';
import { cliSpawnEnv, createCliHome, DEFAULT_KEYS, type CliHome, type CliName, type HomeFlavour } from '../support/cli-home';
import { longReplyText, startModelServer, TOOL_COMMAND, type ModelServer } from '../support/model-server';
import { buildBinDir, buildFor, buildLabel, buildsOf, buildVersion, CLI_BUILDS, removeBuildBinDirs, type CliBuild } from '../support/cli-versions';
import { createHarness, type Harness } from '../support/runtime-harness';
import { processesWithHome } from '../support/screen-recorder';
import { until } from '../support/until';
import { lastScreensOf } from '../support/cli-drift-meta';

/**
 * The runtime against the REAL Claude Code, Codex CLI and Gemini CLI (installed as devDependencies),
 * each pointed at a model server on 127.0.0.1 and given a scratch HOME. First-start prompts are not
 * pre-answered in the HOMEs: the runtime's auto-responses must get each CLI to ready.
 *
 * The core scenarios run against every build in test/support/cli-versions.ts (the pinned version
 * and the newest release of Claude Code and Codex); the login and preset variants run on the
 * pinned builds. `node_modules/.bin` may link either build, so each build's own bin goes first on
 * the PATH.
 *
 * The per-build tests are titled `<scenario id>: <what it shows>` and record the step they are in
 * (`task.meta.step`) and, when they fail, each agent's last screen (`task.meta.lastScreens`): the
 * drift check (scripts/check-cli-drift.ts) reads these from vitest's JSON report for its table.
 */

const TYPES: Record<CliName, string> = { claude: 'claude-code', codex: 'codex', gemini: 'gemini-cli' };
const BIN = path.resolve(__dirname, '../../node_modules/.bin');

/** PATH for a spawn: the build's own bin first (the pinned build unless one is named). */
function pathFor(cli: CliName, build: CliBuild | undefined, rest: string | undefined): string {
  return [buildBinDir(build ?? buildFor(cli, 'pinned')), BIN, rest ?? ''].join(path.delimiter);
}
const LONG_TEST_TIMEOUT = 90_000;

let server: ModelServer;
const live: { harness: Harness; home: CliHome; dataDir?: string }[] = [];

beforeAll(async () => {
  server = await startModelServer();
});
afterAll(async () => {
  await server.close();
  removeBuildBinDirs();
});
afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') task.meta.lastScreens = lastScreensOf(live.map((l) => l.harness.manager));
  for (const { harness, home, dataDir } of live.splice(0)) {
    await harness.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    // Nothing the CLI started may outlive the test.
    expect(processesWithHome(home.home)).toEqual([]);
    home.cleanup();
  }
});

interface Started {
  harness: Harness;
  home: CliHome;
  id: string;
}

/**
 * Spawns a CLI the way an API client would. Provider keys go in as spawn credentials (so the
 * runtime knows the key is its own and may approve Claude's "use this API key?" prompt).
 */
/** Waits until the agent's screen (its recent lines) shows `pattern`, as a person would before typing. */
async function screenShows(harness: Harness, id: string, pattern: RegExp, timeoutMs = 20_000): Promise<void> {
  try {
    await until(() => pattern.test(harness.manager.logs(id, 60).join('\n')), timeoutMs, `the screen to show ${pattern}`, 100);
  } catch (error) {
    throw new Error(`${(error as Error).message}; it shows:\n${harness.manager.logs(id, 30).join('\n')}`);
  }
}

interface StartOptions {
  /** Which build of the CLI (default: the pinned one). */
  build?: CliBuild;
  /**
   * Where a logged-in spawn's provider key goes: the spawn's `credentials` (default) or its own
   * `env`, as Raven Docs passes keys. Either way it is the spawn's key, not the user's.
   */
  keyIn?: 'credentials' | 'env';
  /** Variables in the user's own environment (the runtime's base env), not given by the spawn. */
  userEnv?: Record<string, string>;
}

async function start(cli: CliName, flavour: HomeFlavour, extra: Partial<SpawnConfig> = {}, homeOptions: Parameters<typeof createCliHome>[2] = {}, options: StartOptions = {}): Promise<Started> {
  const home = createCliHome(cli, flavour, { baseUrl: server.url, ...homeOptions });
  const env = cliSpawnEnv(home);
  const keys: Record<string, string> = {};
  if (flavour === 'logged-in' && cli === 'claude') keys.ANTHROPIC_API_KEY = env.ANTHROPIC_API_KEY;
  if (flavour === 'logged-in' && cli === 'gemini') keys.GEMINI_API_KEY = env.GEMINI_API_KEY;
  for (const name of Object.keys(keys)) delete env[name];
  const credentials: SpawnConfig['credentials'] = {};
  const spawnEnv: Record<string, string> = {};
  if (options.keyIn === 'env') Object.assign(spawnEnv, keys);
  else {
    if (keys.ANTHROPIC_API_KEY) credentials.anthropicKey = keys.ANTHROPIC_API_KEY;
    if (keys.GEMINI_API_KEY) credentials.googleKey = keys.GEMINI_API_KEY;
  }
  const baseEnv = { ...env, ...options.userEnv, PATH: pathFor(cli, options.build, env.PATH) };
  // Gemini loads the runtime's hook layer only from a folder no one else can write above (the OS
  // temp folder fails: docs/signals.md "Gemini CLI"), as the app's data folder is.
  const dataDir = cli === 'gemini' ? fs.mkdtempSync(path.join(os.homedir(), '.raven-real-cli-')) : undefined;
  const harness = createHarness(dataDir ? { dataDir } : {}, baseEnv);
  live.push({ harness, home, dataDir });
  const agent = await harness.manager.spawn({ type: TYPES[cli], workdir: home.workdir, credentials, ...extra, env: { ...spawnEnv, ...extra.env } });
  return { harness, home, id: agent.id };
}

/** Claude 2.1.3xx's notice when auto mode's safety check cannot run behind a model gateway. */
const AUTO_MODE_NOTICE = /auto mode can.t check actions/i;
/** The "allow once" answer, as each CLI words it. */
const ALLOW_ONCE = /^(?:yes\b|allow once)/i;

/**
 * The first-start prompts, then ready: the runtime answered folder trust (and Claude's "use this
 * API key?") by itself, and asked nobody anything.
 */
async function expectReadyAfterFirstStart(harness: Harness, cli: CliName, id: string, build?: CliBuild): Promise<void> {
  const ready = await harness.waitFor('agent_ready', id, 60_000);
  expect(ready.agent.status).toBe('ready');
  expect(ready.agent.version).toMatch(/^\d+\.\d+\.\d+/);
  if (build) expect(ready.agent.version).toBe(buildVersion(build));
  const answered = harness.events.filter((e) => e.type === 'blocking_prompt' && e.agentId === id && e.autoResponded).map((e) => (e.type === 'blocking_prompt' ? e.rule : ''));
  expect(answered).toContain(`${cli}.trust-folder`);
  if (cli === 'claude') expect(answered).toContain('claude.use-api-key');
  expect(harness.events.some((e) => e.type === 'question' && e.agentId === id)).toBe(false);
}

function lines400(text: string): void {
  const got = text.split('\n').map((l) => l.trim()).filter((l) => /^line \d{3}$/.test(l));
  expect(got).toEqual(Array.from({ length: 400 }, (_, i) => `line ${String(i + 1).padStart(3, '0')}`));
}

/**
 * The core scenario for one build: first start, reply, multi-line paste, a permission question
 * answered through keys, a 400-line reply, stop. `extra` goes into the spawn (the sandbox variant
 * runs the same scenario with `isolation`).
 */
async function coreScenario(task: TestContext['task'], build: CliBuild, extra: Partial<SpawnConfig> = {}): Promise<void> {
    const cli = build.cli;
    task.meta.step = 'first start';
    const { harness, home, id } = await start(cli, 'logged-in', extra, {}, { build });
    const { manager } = harness;
    await expectReadyAfterFirstStart(harness, cli, id, build);
    if (extra.isolation !== undefined) {
      // The model server is on the host's loopback: reachable only because its base URL is allowlisted.
      const isolation = manager.get(id).isolation;
      expect(isolation).toMatchObject({ mode: 'sandbox', network: 'allowlist' });
      expect(isolation?.allowedHosts).toContain(new URL(server.url).host);
      if (cli === 'gemini') {
        // Gemini's hooks go into the private home's copy of its user settings (any user may use
        // that layer); the user's own settings file is untouched.
        const privateSettings = path.join(manager.config.dataDir, 'sandboxes', id, 'home', '.gemini', 'settings.json');
        expect(fs.readFileSync(privateSettings, 'utf8')).toContain('raven-signal-AfterAgent');
        expect(fs.readFileSync(path.join(home.home, '.gemini', 'settings.json'), 'utf8')).not.toContain('raven-signal');
      }
    }

    task.meta.step = 'reply';
    const hello = await manager.send(id, 'hello', { timeoutMs: 30_000 });
    expect(hello).toMatchObject({ status: 'ready', response: 'PONG', message: { type: 'response', direction: 'outbound', content: 'PONG', agentId: id } });
    expect((await harness.waitFor('message', id)).content).toBe('PONG');
    // Claude runs with the runtime's hooks (the turn's UserPromptSubmit and Stop reached it),
    // Codex with its notify program (the turn's end reached it), Gemini with its hooks when the
    // runtime runs as root (its rule for a system layer) or in a sandbox (its private home's user
    // settings), else on its screen alone.
    const hooksExpected = cli !== 'gemini' || process.getuid?.() === 0 || extra.isolation !== undefined;
    const { signals } = manager.get(id);
    expect(signals?.hooks).toBe(hooksExpected);
    if (hooksExpected) expect(Date.parse(signals!.lastHookAt!)).toBeGreaterThanOrEqual(Date.parse(hello.message.timestamp) - 60_000);

    // Multi-line text goes in as one bracketed paste and arrives as one message.
    task.meta.step = 'multi-line paste';
    const multi = await manager.send(id, 'first line of the note\nsecond line of the note', { timeoutMs: 30_000 });
    expect(multi.status).toBe('ready');
    expect(multi.response).toContain('ECHO: first line of the note');
    const request = server.requests.filter((r) => r.lastUserText.includes('first line of the note')).pop();
    expect(request?.lastUserText).toContain('second line of the note');

    // A tool call that writes a file: the CLI asks permission, the runtime reports a question.
    task.meta.step = 'permission question';
    const asked = await manager.send(id, 'RUN_TOOL', { timeoutMs: 30_000 });
    expect(asked.status).toBe('waiting_input');
    expect(asked.question?.kind).toBe('permission');
    expect(asked.question?.options.length).toBeGreaterThanOrEqual(2);
    if (AUTO_MODE_NOTICE.test(asked.question!.question)) {
      // Claude 2.1.3xx in auto mode behind a model gateway says first that its safety check
      // cannot run. Staying in auto mode means being asked about each action: the next question.
      expect(asked.question!.options[0]).toEqual({ label: 'Stay in auto mode', keys: ['enter'] });
      await manager.sendKeys(id, asked.question!.options[0].keys);
    }
    const question = await harness.waitFor('question', id, 30_000, (q) => !AUTO_MODE_NOTICE.test(q.question));
    expect(question.kind).toBe('permission');
    expect(question.question).toMatch(/TOOL_OUTPUT_42|Shell|proceed/);
    expect(manager.get(id).status).toBe('waiting_input');
    // Claude's and Gemini's tool hooks name the tool and its input; the options are the screen's.
    // Codex has no tool signal the runtime can use (docs/signals.md "Codex").
    const toolName = { claude: 'Bash', gemini: 'run_shell_command', codex: undefined }[cli];
    if (toolName && hooksExpected) {
      expect(question.tool).toBe(toolName);
      expect(question.input).toMatchObject({ command: TOOL_COMMAND });
      expect(manager.get(id).question).toMatchObject({ tool: toolName, input: { command: TOOL_COMMAND } });
    } else {
      expect(question.tool).toBeUndefined();
    }
    // Answer "allow once" through keys, without touching the terminal otherwise.
    const allowOnce = question.options.find((o) => ALLOW_ONCE.test(o.label));
    expect(allowOnce).toBeDefined();
    await manager.sendKeys(id, allowOnce!.keys);
    const toolReply = await harness.waitFor('message', id, 30_000, (m) => m.inReplyTo === 'RUN_TOOL');
    expect(toolReply.content).toContain('TOOL_OUTPUT_42');
    expect(toolReply.content.split('\n').pop()).toBe('TOOL DONE');
    expect(fs.readFileSync(path.join(home.workdir, 'out.txt'), 'utf8')).toBe('TOOL_OUTPUT_42\n');
    expect(manager.get(id).status).toBe('ready');

    task.meta.step = '400-line reply';
    const long = await manager.send(id, 'LONG', { timeoutMs: 30_000 });
    lines400(long.response);
    // Claude's reply comes from its transcript, Codex's from its notify payload: the model's
    // text exactly, fences and final newline included.
    // Gemini's chat record keeps the reply without its final newline.
    if (cli === 'claude' || cli === 'codex') expect(long.response).toBe(longReplyText());
    if (cli === 'gemini' && hooksExpected) expect(long.response).toBe(longReplyText().trimEnd());

    task.meta.step = 'stop';
    const pid = manager.get(id).pid!;
    await manager.stop(id);
    expect(manager.get(id).status).toBe('stopped');
    expect(manager.sessionFor(id).liveProcesses()).toEqual([]);
    expect(processesWithHome(home.home).map((p) => p.pid)).not.toContain(pid);
    // The hook channel closed with the agent and its folder (socket, settings file) is gone.
    expect(manager.get(id).signals?.hooks).toBe(false);
    expect(fs.readdirSync(path.join(manager.config.dataDir, 'signals'))).toEqual([]);
    if (extra.isolation !== undefined) expect(fs.readdirSync(path.join(manager.config.dataDir, 'sandboxes'))).toEqual([]);
}

for (const build of CLI_BUILDS) {
  const cli = build.cli;
  describe(`${buildLabel(build)} (real CLI, ${build.channel})`, () => {
    it(
      'core: answers the first-start prompts, becomes ready, replies, asks about a tool, returns a long reply whole, and stops clean',
      ({ task }) => coreScenario(task, build),
      LONG_TEST_TIMEOUT,
    );

    if (cli !== 'codex') {
      // Codex reads its key from the variable its provider config names; it has no key prompt.
      it(
        "key-in-env: answers the first-start prompts with the provider key given only in the spawn's env",
        async ({ task }) => {
          task.meta.step = 'first start';
          const { harness, id } = await start(cli, 'logged-in', {}, {}, { build, keyIn: 'env' });
          await expectReadyAfterFirstStart(harness, cli, id, build);
          task.meta.step = 'reply';
          await expect(harness.manager.send(id, 'hello', { timeoutMs: 30_000 })).resolves.toMatchObject({ status: 'ready', response: 'PONG' });
        },
        LONG_TEST_TIMEOUT,
      );
    }
  });
}

describe('in the sandbox with the allowlist network (docs/isolation.md)', () => {
  // Every build (the newest releases are what users have): private HOME, own PID and network
  // namespaces, the model server reached through the egress bridge because its base URL is on the
  // allowlist.
  for (const build of CLI_BUILDS) {
    it(
      `${buildLabel(build)}: core scenario in a sandbox`,
      ({ task }) => coreScenario(task, build, { isolation: { mode: 'sandbox', network: 'allowlist' } }),
      LONG_TEST_TIMEOUT,
    );
  }
});

describe('approval presets (real CLIs accept the mapped flags)', () => {
  const cases = [
    ['claude', 'permissive', ['--permission-mode', 'acceptEdits']],
    ['codex', 'autonomous', ['--no-alt-screen', '--sandbox', 'workspace-write', '--ask-for-approval', 'never']],
    ['gemini', 'permissive', ['--approval-mode', 'auto_edit']],
  ] as const;
  for (const [cli, preset, args] of cases) {
    it(
      `${cli}: ${preset}`,
      async () => {
        const { harness, id } = await start(cli, 'logged-in', { approvalPreset: preset }, { preAcceptTrust: true, preApproveKey: true });
        // Claude also gets the runtime's hook settings file, Codex its notify program (docs/signals.md
        // "Fused"); Gemini's hooks come through its environment.
        const hookArgs = { claude: ['--settings', expect.stringMatching(/claude-settings\.json$/)], codex: ['-c', expect.stringMatching(/^notify=\[/)], gemini: [] }[cli];
        expect(harness.manager.get(id).args).toEqual([...args, ...hookArgs]);
        await harness.waitFor('agent_ready', id, 60_000);
        await expect(harness.manager.send(id, 'hello', { timeoutMs: 30_000 })).resolves.toMatchObject({ response: 'PONG' });
      },
      LONG_TEST_TIMEOUT,
    );
  }

  it('refuses an unknown preset before spawning', async () => {
    const { harness } = await start('codex', 'logged-in', {}, { preAcceptTrust: true });
    await expect(harness.manager.spawn({ type: 'codex', workdir: '/tmp', approvalPreset: 'yolo' as 'readonly' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });
});

describe('Claude Code first-start prompts (real CLI)', () => {
  it(
    "with auto-responses off, trust becomes a question a person answers; a project's .mcp.json server is approved, started, and stopped with the agent",
    async () => {
      const home = createCliHome('claude', 'logged-in', { baseUrl: server.url, preApproveKey: true });
      fs.writeFileSync(path.join(home.workdir, '.mcp.json'), JSON.stringify({ mcpServers: { 'raven-docs': { command: process.execPath, args: ['-e', 'setInterval(() => {}, 1e6)'] } } }));
      const env = cliSpawnEnv(home);
      const harness = createHarness({}, { ...env, PATH: pathFor('claude', undefined, env.PATH) });
      live.push({ harness, home });
      const { manager } = harness;

      const off = await manager.spawn({ type: 'claude-code', workdir: home.workdir, autoRespond: { trustFolder: false } });
      const trust = await harness.waitFor('question', off.id, 30_000);
      expect(trust).toMatchObject({ kind: 'trust_folder' });
      expect(trust.question).toContain(home.workdir);
      expect(manager.get(off.id).status).toBe('waiting_input');
      expect(harness.events.some((e) => e.type === 'blocking_prompt' && e.agentId === off.id && !e.autoResponded)).toBe(true);
      await manager.sendKeys(off.id, trust.options[0].keys);
      const mcp = await harness.waitFor('question', off.id, 30_000, (q) => /MCP server/i.test(q.question));
      expect(mcp.options.map((o) => o.label)[0]).toBe('Use this MCP server');
      await manager.stop(off.id);

      const on = await manager.spawn({ type: 'claude-code', workdir: home.workdir });
      await harness.waitFor('agent_ready', on.id, 30_000);
      const rules = harness.events.filter((e) => e.type === 'blocking_prompt' && e.agentId === on.id).map((e) => (e.type === 'blocking_prompt' ? e.rule : ''));
      expect(rules).toContain('claude.use-project-mcp');
      // The approved MCP server runs as Claude's child…
      const mcpChild = () => processesWithHome(home.home).filter((p) => p.cmd.includes('setInterval'));
      await until(() => mcpChild().length > 0, 10_000, 'the MCP server to start');
      expect(mcpChild().length).toBe(1);
      // …and dies with the agent.
      await manager.stop(on.id);
      expect(mcpChild()).toEqual([]);
    },
    LONG_TEST_TIMEOUT,
  );
});

describe('login screens of scratch HOMEs without credentials (real CLIs)', () => {
  for (const build of buildsOf('claude')) {
    it(
      `${buildLabel(build)}, onboarded but logged out: "Not logged in", then /login shows the method chooser and a sign-in URL; the command menu over the footer is no login`,
      async () => {
        const { harness, id } = await start('claude', 'no-credentials', {}, { onboarded: true, preAcceptTrust: true }, { build });
        const first = await harness.waitFor('login_required', id, 30_000);
        expect(first).toMatchObject({ method: 'cli_auth' });
        expect(harness.manager.get(id).status).toBe('authenticating');
        // Claude's SessionStart hook runs while it is logged out, so it is no sign of a login
        // (docs/signals.md "Login"): the hook arrives, and the agent stays authenticating.
        await until(() => harness.manager.get(id).signals?.hooks === true, 20_000, 'the SessionStart hook');
        expect(harness.manager.get(id).status).toBe('authenticating');
        await expect(harness.manager.send(id, 'hello')).rejects.toMatchObject({ code: 'AUTH_REQUIRED' });
        // A person types /login in the terminal. The command menu it opens hides the "Not logged in"
        // footer; that is no sign of a login (checked below: the agent never became ready).
        harness.manager.write(id, '/login');
        await screenShows(harness, id, /❯\s\/login/);
        await new Promise((r) => setTimeout(r, 200));
        harness.manager.write(id, '\r');
        const chooser = await harness.waitFor('login_required', id, 20_000, (e) => (e.agent.login?.options?.length ?? 0) > 0);
        expect(chooser.agent.login?.options?.[0].label).toMatch(/^Claude account with subscription/);
        await harness.manager.sendKeys(id, chooser.agent.login!.options![0].keys);
        const url = await harness.waitFor('login_required', id, 20_000, (e) => e.loginUrl !== undefined);
        expect(url.method).toBe('oauth_browser');
        if (build.channel === 'pinned') {
          expect(url.loginUrl).toMatch(/^https:\/\/claude\.com\/cai\/oauth\/authorize\?code=true&client_id=[0-9a-f-]+&response_type=code&redirect_uri=/);
          expect(url.loginUrl).toMatch(/&state=[A-Za-z0-9_-]+$/);
        } else {
          // 2.1.332 prints a short link carrying one opaque token.
          expect(url.loginUrl).toMatch(/^https:\/\/claude\.ai\/oauth\/authorize\?[A-Za-z0-9_-]+$/);
        }
        expect(url.trusted).toBe(true);
        expect(harness.manager.get(id).status).toBe('authenticating');
        expect(harness.events.some((e) => e.type === 'status_changed' && e.agentId === id && e.status === 'ready')).toBe(false);
      },
      LONG_TEST_TIMEOUT,
    );
  }

  it(
    'Claude, fresh HOME offline: it exits, and the runtime reports the login it needs',
    async () => {
      const { harness, id } = await start('claude', 'no-credentials');
      const login = await harness.waitFor('login_required', id, 20_000);
      expect(login.method).toBe('cli_auth');
      const stopped = await harness.waitFor('agent_stopped', id, 20_000);
      expect(stopped.exitCode).toBe(1);
      expect(harness.events.some((e) => e.type === 'agent_error' && e.agentId === id)).toBe(false);
      // After it exited, the handle still says why and what to do (issue 8).
      const handle = harness.manager.get(id);
      expect(handle).toMatchObject({ status: 'stopped', exitCode: 1, reason: 'exit code 1', lastLogin: { method: 'cli_auth' } });
      expect(handle.login).toBeUndefined();
      expect(handle.error).toContain('while it needed a login');
    },
    LONG_TEST_TIMEOUT,
  );

  it(
    'Codex: the sign-in chooser, then the browser URL after choosing "Sign in with ChatGPT"',
    async () => {
      const { harness, id } = await start('codex', 'no-credentials');
      const chooser = await harness.waitFor('login_required', id, 30_000, (e) => (e.agent.login?.options?.length ?? 0) > 0);
      expect(chooser.agent.login?.options?.map((o) => o.label)).toEqual(['Sign in with ChatGPT', 'Sign in with Device Code', 'Sign in another way']);
      await harness.manager.sendKeys(id, chooser.agent.login!.options![0].keys);
      const url = await harness.waitFor('login_required', id, 20_000, (e) => e.loginUrl !== undefined);
      expect(url.method).toBe('oauth_browser');
      expect(url.loginUrl).toMatch(/^https:\/\/auth\.openai\.com\/oauth\/authorize\?response_type=code&client_id=app_[A-Za-z0-9]+&redirect_uri=http%3A%2F%2F127\.0\.0\.1%3A1455%2Fauth%2Fcallback/);
      expect(url.loginUrl).toMatch(/originator=codex-tui$/);
      expect(url.trusted).toBe(true);
    },
    LONG_TEST_TIMEOUT,
  );

  it(
    'Codex device login against a loopback issuer: URL and one-time code, then success once the person confirms',
    async () => {
      const { harness, id } = await start('codex', 'no-credentials', { args: ['login', '--device-auth', '--experimental_issuer', server.url] });
      const login = await harness.waitFor('login_required', id, 30_000);
      // Trusted: the spawn itself named this issuer (docs/login-trust.md).
      expect(login).toMatchObject({ method: 'device_code', deviceCode: server.deviceAuth.userCode, loginUrl: `${server.url}/codex/device`, trusted: true });
      expect(harness.manager.get(id).login).toMatchObject({ deviceCode: 'ABCD-EFGH' });
      server.deviceAuth.approve();
      const stopped = await harness.waitFor('agent_stopped', id, 30_000);
      expect(stopped.exitCode).toBe(0);
      expect(harness.manager.logs(id, 50).join('\n')).toContain('Successfully logged in');
    },
    LONG_TEST_TIMEOUT,
  );

  it(
    'Gemini: trust answered, the auth chooser reported, and ready by itself once a person picks the API key',
    async () => {
      // The key is in the user's environment, not given by the spawn: choosing it is the person's call.
      const { harness, id } = await start('gemini', 'no-credentials', { env: { GOOGLE_GEMINI_BASE_URL: server.url } }, {}, { userEnv: { GEMINI_API_KEY: DEFAULT_KEYS.gemini } });
      // Gemini may first start a Google sign-in on its own ("Waiting for authentication…"); the
      // chooser follows once the folder is trusted.
      const chooser = await harness.waitFor('login_required', id, 40_000, (e) => (e.agent.login?.options?.length ?? 0) > 0);
      expect(chooser.agent.login?.options?.map((o) => o.label)).toEqual(['Sign in with Google', 'Use Gemini API Key', 'Vertex AI']);
      expect(harness.events.some((e) => e.type === 'blocking_prompt' && e.agentId === id && e.rule === 'gemini.trust-folder')).toBe(true);
      await harness.manager.sendKeys(id, chooser.agent.login!.options![1].keys);
      // "Enter Gemini API Key" comes up prefilled; the person confirms it.
      await screenShows(harness, id, /Enter Gemini API Key/i, 30_000);
      await new Promise((r) => setTimeout(r, 300));
      await harness.manager.sendKeys(id, 'enter');
      const ready = await harness.waitFor('agent_ready', id, 40_000);
      expect(ready.agent.status).toBe('ready');
      await expect(harness.manager.send(id, 'hello', { timeoutMs: 30_000 })).resolves.toMatchObject({ response: 'PONG' });
    },
    LONG_TEST_TIMEOUT,
  );

  it(
    "Gemini, fresh HOME, the key in the spawn's env: the runtime picks the API key itself and the agent becomes ready",
    async () => {
      const { harness, id } = await start('gemini', 'no-credentials', { env: { GEMINI_API_KEY: DEFAULT_KEYS.gemini, GOOGLE_GEMINI_BASE_URL: server.url } });
      const ready = await harness.waitFor('agent_ready', id, 60_000);
      expect(ready.agent.status).toBe('ready');
      const rules = harness.events.filter((e) => e.type === 'blocking_prompt' && e.agentId === id && e.autoResponded).map((e) => (e.type === 'blocking_prompt' ? e.rule : ''));
      expect(rules).toEqual(expect.arrayContaining(['gemini.trust-folder', 'gemini.use-api-key']));
      expect(harness.events.some((e) => e.type === 'question' && e.agentId === id)).toBe(false);
      await expect(harness.manager.send(id, 'hello', { timeoutMs: 30_000 })).resolves.toMatchObject({ response: 'PONG' });
    },
    LONG_TEST_TIMEOUT,
  );

  it(
    'Gemini, fresh HOME: after choosing Google sign-in, the accounts.google.com URL',
    async () => {
      const { harness, id } = await start('gemini', 'no-credentials');
      const chooser = await harness.waitFor('login_required', id, 40_000, (e) => (e.agent.login?.options?.length ?? 0) > 0);
      await harness.manager.sendKeys(id, chooser.agent.login!.options![0].keys);
      const url = await harness.waitFor('login_required', id, 30_000, (e) => e.loginUrl !== undefined);
      expect(url.loginUrl).toMatch(/^https:\/\/accounts\.google\.com\/o\/oauth2\/v2\/auth\?redirect_uri=/);
      expect(url.loginUrl).toMatch(/\.apps\.googleusercontent\.com$/);
      expect(url.trusted).toBe(true);
      if (process.getuid?.() === 0) {
        // Gemini's SessionStart hook runs once a sign-in method is chosen, before the sign-in is
        // done, so it is no sign of a login (docs/signals.md "Login"): the agent stays authenticating.
        await until(() => harness.manager.get(id).signals?.lastHookAt !== undefined, 20_000, 'the SessionStart hook');
        expect(harness.manager.get(id).status).toBe('authenticating');
      }
    },
    LONG_TEST_TIMEOUT,
  );
});

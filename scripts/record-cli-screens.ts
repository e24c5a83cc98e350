/**
 * Records the real agent CLIs (Claude Code, Codex, Gemini CLI) against the fake model server into
 * asciicast v2 fixtures: test/fixtures/screens/<cli>/<scenario>.cast (+ .txt with the screen at each marker).
 *
 *   npx tsx scripts/record-cli-screens.ts                 # everything
 *   npx tsx scripts/record-cli-screens.ts codex           # one CLI
 *   npx tsx scripts/record-cli-screens.ts gemini tool     # one scenario
 *
 * Env: RECORD_CHANNEL=latest records the newest release installed beside the pinned one (the npm
 *      aliases in package.json) into test/fixtures/screens/<cli>-<version>/ (claude and codex);
 *      RECORD_OUT=<dir> writes elsewhere; RECORD_KEEP_HOME=1 keeps the scratch HOMEs;
 *      RECORD_VERBOSE=1 logs model-server traffic; RECORD_SUMMARY=<file> writes marker timings as JSON;
 *      DEVICE_APPROVE_MS (default 4000): when the loopback issuer approves the codex device login.
 *
 * Markers are placed once a state has been on screen for ~300 ms. Besides the standard labels
 * (starting, trust_prompt, api_key_prompt, auth_chooser, ready, busy, reply_done, question, tool_result,
 * long_done, login, login_url, device_code) three more are used: `error` (Claude's offline onboarding
 * failure), `logged_in` (codex device login succeeded) and `exit` (process ended; final screen).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startModelServer, type ModelServer } from '../test/support/model-server';
import { createCliHome, cliSpawnEnv, type CliHome, type CliName, type CliHomeOptions, type HomeFlavour } from '../test/support/cli-home';
import { buildBinary, buildFor, buildVersion, type CliBuild } from '../test/support/cli-versions';
import { ScreenRecorder, KEYS, processesWithHome, processTree, type Predicate, type Screen } from '../test/support/screen-recorder';

/** Arguments the runtime's adapters pass to each CLI's TUI (src-main/runtime/adapters). */
const DEFAULT_TUI_ARGS: Record<string, string[]> = { claude: [], codex: ['--no-alt-screen'], gemini: [] };
/** Variables the runtime's adapters set (Claude 2.1.3xx draws in the alternate screen unless told not to). */
const DEFAULT_TUI_ENV: Record<string, Record<string, string>> = { claude: { CLAUDE_CODE_DISABLE_ALTERNATE_SCREEN: '1' }, codex: {}, gemini: {} };

const ROOT = path.resolve(__dirname, '..');
const OUT = process.env.RECORD_OUT ? path.resolve(process.env.RECORD_OUT) : path.join(ROOT, 'test', 'fixtures', 'screens');
const CHANNEL: CliBuild['channel'] = process.env.RECORD_CHANNEL === 'latest' ? 'latest' : 'pinned';
const DEVICE_APPROVE_MS = Number(process.env.DEVICE_APPROVE_MS ?? 4000);

/** The bin and version of the build being recorded (node_modules/.bin may point at either build). */
function binOf(cli: CliName): string {
  return buildBinary(buildFor(cli, CHANNEL));
}
function versionOf(cli: CliName): string {
  return buildVersion(buildFor(cli, CHANNEL));
}
/** Pinned builds keep the original folders; another build gets `<cli>-<version>`. */
function fixtureDir(cli: CliName): string {
  return path.join(OUT, CHANNEL === 'pinned' ? cli : `${cli}-${versionOf(cli)}`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const has = (re: RegExp): Predicate => (s) => re.test(s.text);
const all =
  (...ps: Predicate[]): Predicate =>
  (s) =>
    ps.every((p) => p(s));
const not =
  (p: Predicate): Predicate =>
  (s) =>
    !p(s);
const escapeRe = (t: string): string => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** An assistant reply line: `● PONG` (Claude), `• PONG` (Codex), `✦ PONG` (Gemini). */
const replyLine =
  (text: string): Predicate =>
  (s) =>
    s.lines.some((l) => new RegExp(`^\\s*[●•✦]\\s+${escapeRe(text)}\\s*$`).test(l));
/**
 * The tool's output on a line of its own (the command line itself also contains the text), or
 * Claude 2.1.3xx's summary row `Ran 1 shell command`, which replaces the output.
 */
const toolOutputLine: Predicate = (s) => s.lines.some((l) => /^[\s│⎿└]*TOOL_OUTPUT_42\s*│?\s*$/.test(l) || /^\s*Ran \d+ shell commands?\b/.test(l));
const nonEmpty: Predicate = (s) => s.text.trim().length > 0;

// ---------------------------------------------------------------------------------------------
// Per-CLI screen knowledge (recorder-grade regexes)

interface Profile {
  cli: CliName;
  bin: string;
  version: string;
  ready: Predicate;
  busy: Predicate;
  question: Predicate;
  trust: Predicate;
  /** Current content of the input box, or null if no input box is visible. */
  inputLine(s: Screen): string | null;
  /** Keys for a clean exit from the ready screen. */
  exit(r: ScreenRecorder): Promise<void>;
}

/**
 * The input box sits at the bottom in all three CLIs; the same prompt glyph also prefixes earlier
 * messages in the history, so only the last few non-empty rows count.
 */
function bottomPrompt(s: Screen, re: RegExp, rows = 6): string | null {
  const idx = s.lines.map((l, i) => (l.trim() ? i : -1)).filter((i) => i >= 0);
  for (const i of idx.slice(-rows).reverse()) {
    const m = re.exec(s.lines[i]);
    if (m) return m[1].trim();
  }
  return null;
}

function lastMatch(lines: string[], re: RegExp): { idx: number; m: RegExpExecArray } | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = re.exec(lines[i]);
    if (m) return { idx: i, m };
  }
  return null;
}

/** Ctrl-C; if the CLI asks for a second one (`again` shows), send it; then wait for the exit. */
async function ctrlCUntilExit(r: ScreenRecorder, again: RegExp | null): Promise<void> {
  r.write(KEYS.ctrlC);
  if (again && (await r.until(has(again), 2000)) && !r.exited) r.write(KEYS.ctrlC);
  if (await r.waitExit(4000)) return;
  r.write(KEYS.ctrlC);
  await r.waitExit(2000);
}

const claude: Profile = {
  cli: 'claude',
  get bin() {
    return binOf('claude');
  },
  get version() {
    return versionOf('claude');
  },
  // The idle footer is `? for shortcuts`, or the permission mode (`⏵⏵ auto mode on (shift+tab to cycle)`).
  ready: (s) => /\? for shortcuts|shift\+tab to cycle/.test(s.text) && !/esc to interrupt/.test(s.text) && /^❯\s/m.test(s.text) && !claudeDialog(s),
  busy: has(/esc to interrupt/),
  question: has(/Do you want to proceed\?/),
  trust: has(/Yes, I trust this folder/),
  inputLine: (s) => bottomPrompt(s, /^❯\s?(.*)$/),
  exit: (r) => ctrlCUntilExit(r, /Press Ctrl-C again to exit|Resume this session/),
};
function claudeDialog(s: Screen): boolean {
  return /Do you want to proceed\?|Do you want to use this API key\?|Yes, I trust this folder|Select login method|Enter to stay in auto mode/.test(s.text);
}

/** Codex shows placeholder + footer while streaming too; a finished turn has `Worked for` after its prompt. */
function codexIdle(s: Screen): boolean {
  if (/esc to interrupt|Would you like to run|Press enter to confirm|Trust this folder/.test(s.text)) return false;
  const input = lastMatch(s.lines, /^› /);
  // The composer with a bare "? for shortcuts" footer is drawn ~0.4 s after spawn, before the
  // trust check; the session is only configured once the full footer ("← for agents") shows.
  if (!input || !/\? for shortcuts/.test(s.text) || !/← for agents/.test(s.text)) return false;
  const prev = lastMatch(s.lines.slice(0, input.idx), /^› /);
  if (prev) return s.lines.slice(prev.idx, input.idx).some((l) => /Worked for/.test(l));
  return true;
}

const codex: Profile = {
  cli: 'codex',
  get bin() {
    return binOf('codex');
  },
  get version() {
    return versionOf('codex');
  },
  ready: codexIdle,
  busy: has(/esc to interrupt/),
  question: has(/Would you like to run the following command\?/),
  trust: has(/Trust this folder\?|Folder access/),
  inputLine: (s) => bottomPrompt(s, /^› (.*)$/),
  // One Ctrl-C at idle exits Codex.
  exit: (r) => ctrlCUntilExit(r, null),
};

const gemini: Profile = {
  cli: 'gemini',
  get bin() {
    return binOf('gemini');
  },
  get version() {
    return versionOf('gemini');
  },
  // Only the bottom rows count: after the trust restart the old dialog is still on screen above.
  ready: (s) => /Type your message or @path\/to\/file/.test(bottomPrompt(s, /^ ?> (.*?)\s*$/) ?? '') && !/esc to cancel/.test(s.text),
  busy: has(/esc to cancel/),
  question: has(/Allow execution of/),
  trust: has(/Do you trust the files in this folder\?/),
  inputLine: (s) => bottomPrompt(s, /^ ?> (.*?)\s*$/),
  exit: (r) => ctrlCUntilExit(r, /Press Ctrl\+C again to exit|To resume this session/),
};

const PROFILES: Record<CliName, Profile> = { claude, codex, gemini };

// ---------------------------------------------------------------------------------------------
// Session helpers

interface Ctx {
  p: Profile;
  r: ScreenRecorder;
  srv: ModelServer;
  home: CliHome;
}

/** Type, pause, Enter; press Enter again if the text is still in the input box (Codex paste-burst). */
async function sendMessage(c: Ctx, text: string): Promise<void> {
  const { r, p } = c;
  r.write(text);
  await r.until((s) => (p.inputLine(s) ?? '').includes(text), 3000);
  await sleep(300);
  r.write(KEYS.enter);
  for (let attempt = 0; attempt < 2; attempt++) {
    const left = await r.until((s) => !(p.inputLine(s) ?? '').includes(text), 1500);
    if (left) return;
    console.log(`  [${p.cli}] message still in the input box, pressing Enter again`);
    r.write(KEYS.enter);
  }
}

/** Optional `starting` marker: shown only if something other than the next state is on screen for 300 ms. */
async function markStarting(c: Ctx, next: Predicate): Promise<void> {
  await c.r.waitStable(all(nonEmpty, not(next)), { label: 'starting', until: next, timeoutMs: 15000 });
}

/** First start of a CLI whose only question is the folder-trust prompt: accept it, reach ready. */
function trustThenReady(cli: Pick<Profile, 'trust' | 'ready'>, readyTimeoutMs?: number): ScenarioDef {
  return {
    flavour: 'logged-in',
    run: async (c) => {
      await markStarting(c, cli.trust);
      await c.r.expect('trust_prompt', cli.trust);
      c.r.write(KEYS.enter);
      await c.r.expect('ready', cli.ready, readyTimeoutMs);
      await exitAndMark(c);
    },
  };
}

async function exitAndMark(c: Ctx): Promise<void> {
  if (!c.r.exited) await c.p.exit(c.r);
  if (await c.r.waitExit(5000)) {
    await sleep(200);
    await c.r.settle();
    c.r.mark('exit');
  }
}

// ---------------------------------------------------------------------------------------------
// Scenarios

type Scenario = (c: Ctx) => Promise<void>;

interface ScenarioDef {
  flavour: HomeFlavour;
  home?: CliHomeOptions;
  args?: (srv: ModelServer) => string[];
  run: Scenario;
}

const startToReady: Scenario = async (c) => {
  await markStarting(c, c.p.ready);
  await c.r.expect('ready', c.p.ready, 30000);
};

function chat(text: string, after: Scenario): Scenario {
  return async (c) => {
    await startToReady(c);
    await sendMessage(c, text);
    await after(c);
    await exitAndMark(c);
  };
}

const replyDone =
  (text: string): Scenario =>
  async (c) => {
    await c.r.expect('reply_done', all(c.p.ready, replyLine(text)), 30000);
  };

const common: Record<'hello' | 'tool' | 'long' | 'slow', ScenarioDef> = {
  hello: { flavour: 'logged-in', home: { preAcceptTrust: true, preApproveKey: true }, run: chat('hello', replyDone('PONG')) },
  tool: {
    flavour: 'logged-in',
    home: { preAcceptTrust: true, preApproveKey: true },
    run: chat('RUN_TOOL', async (c) => {
      // Claude in auto mode behind a model gateway first says its safety check cannot run; Enter
      // stays in auto mode and brings up the ordinary permission question.
      const autoMode = has(/Enter to stay in auto mode/);
      await c.r.until((s) => autoMode(s) || c.p.question(s), 30000);
      if (autoMode(c.r.screen())) {
        await c.r.expect('auto_mode_dialog', autoMode);
        c.r.write(KEYS.enter);
      }
      await c.r.expect('question', c.p.question, 30000);
      // "Allow once" is preselected in all three CLIs, except newer Claude releases, which
      // highlight "No" first.
      if (/^\s*❯ No\s*$/m.test(c.r.screen().text)) {
        c.r.key('down');
        await c.r.until(has(/❯ Yes/), 3000);
        await sleep(150);
      }
      c.r.write(KEYS.enter);
      await c.r.expect('tool_result', all(toolOutputLine, not(c.p.question), not(replyLine('TOOL DONE'))), 30000);
      await replyDone('TOOL DONE')(c);
    }),
  },
  long: {
    flavour: 'logged-in',
    home: { preAcceptTrust: true, preApproveKey: true },
    run: chat('LONG', async (c) => {
      await c.r.expect('long_done', all(c.p.ready, has(/line 400/)), 30000);
    }),
  },
  slow: {
    flavour: 'logged-in',
    home: { preAcceptTrust: true, preApproveKey: true },
    run: chat('SLOW', async (c) => {
      await c.r.expect('busy', c.p.busy, 10000);
      await replyDone('SLOW PONG')(c);
    }),
  },
};

const SCENARIOS: Record<CliName, Record<string, ScenarioDef>> = {
  claude: {
    'first-start': {
      flavour: 'logged-in',
      run: async (c) => {
        const { r } = c;
        const apiKey = has(/Do you want to use this API key\?/);
        await markStarting(c, claude.trust);
        await r.expect('trust_prompt', claude.trust);
        // Newer releases list "No, exit" first and highlight it: move to "Yes" before confirming.
        if (/❯ No, exit/.test(r.screen().text)) {
          r.key('down');
          await r.until(has(/❯ Yes, I trust this folder/), 3000);
          await sleep(150);
        }
        r.write(KEYS.enter);
        await r.expect('api_key_prompt', apiKey);
        // The default is "No (recommended)": move up to "Yes" before confirming.
        r.key('up');
        await r.until(has(/❯ 1\. Yes/), 3000);
        await sleep(150);
        r.write(KEYS.enter);
        await r.expect('ready', claude.ready);
        await exitAndMark(c);
      },
    },
    ...common,
    'no-credentials': {
      flavour: 'no-credentials',
      run: async (c) => {
        const err = has(/Unable to connect to Anthropic services/);
        await markStarting(c, err);
        await c.r.expect('error', err, 20000);
        await c.r.waitExit(5000);
        c.r.mark('exit');
      },
    },
    // Not in the original list: onboarding done but no key. This is Claude's real "needs login" screen.
    'not-logged-in': {
      flavour: 'no-credentials',
      home: { onboarded: true, preAcceptTrust: true },
      run: async (c) => {
        const { r } = c;
        await markStarting(c, claude.ready);
        await r.expect('login', all(claude.ready, has(/Not logged in/)));
        await sendMessage(c, '/login');
        await r.expect('auth_chooser', has(/Select login method/));
        r.write(KEYS.enter);
        await r.expect('login_url', has(/oauth\/authorize\?/), 30000);
        r.write(KEYS.esc);
        await r.until(claude.ready, 5000);
        await exitAndMark(c);
      },
    },
  },
  codex: {
    'first-start': trustThenReady(codex),
    ...common,
    // The runtime runs Codex with --no-alt-screen (its inline mode, which writes history into the
    // terminal's scrollback), so every Codex TUI scenario is recorded that way. This one keeps
    // Codex's default alternate-screen mode, to show why: only ~31 of the 400 lines ever exist
    // in the terminal at once there.
    'long-altscreen': { ...common.long, args: () => [] },
    'no-credentials': {
      flavour: 'no-credentials',
      run: async (c) => {
        const { r } = c;
        const chooser = has(/Sign in with ChatGPT[\s\S]*Sign in with Device Code/);
        await markStarting(c, chooser);
        await r.expect('auth_chooser', chooser);
        // A digit selects and confirms in this chooser.
        r.write('1');
        await r.expect('login_url', has(/https:\/\/auth\.openai\.com\/oauth\/authorize/));
        r.write(KEYS.esc);
        await r.until(chooser, 5000);
        await ctrlCUntilExit(r, null);
        if (await r.waitExit(5000)) r.mark('exit');
      },
    },
    'device-auth': {
      flavour: 'no-credentials',
      args: (srv) => ['login', '--device-auth', '--experimental_issuer', srv.url],
      run: async (c) => {
        const { r } = c;
        const code = has(new RegExp(escapeRe(c.srv.deviceAuth.userCode)));
        await markStarting(c, code);
        // URL and code arrive in the same frame; both markers point at that screen.
        await r.expect('login_url', has(/http:\/\/127\.0\.0\.1:\d+\/codex\/device/));
        await r.expect('device_code', all(code, has(/\/codex\/device/)));
        await r.expect('logged_in', has(/Successfully logged in/), DEVICE_APPROVE_MS + 15000);
        await r.waitExit(5000);
        c.r.mark('exit');
      },
    },
  },
  gemini: {
    // Gemini restarts itself after the trust answer (~3 s).
    'first-start': trustThenReady(gemini, 40000),
    ...common,
    'no-credentials': {
      flavour: 'no-credentials',
      run: async (c) => {
        const { r } = c;
        const chooser = has(/How would you like to authenticate/);
        await markStarting(c, gemini.trust);
        await r.expect('trust_prompt', gemini.trust);
        r.write(KEYS.enter);
        await r.expect('auth_chooser', chooser, 40000);
        // "Sign in with Google" is preselected.
        r.write(KEYS.enter);
        await r.expect('login_url', has(/accounts\.google\.com\/o\/oauth2/), 30000);
        await ctrlCUntilExit(r, null);
        if (await r.waitExit(5000)) r.mark('exit');
      },
    },
  },
};

// ---------------------------------------------------------------------------------------------
// Runner

interface RunResult {
  cli: CliName;
  scenario: string;
  ok: boolean;
  error?: string;
  markers: { label: string; firstSeen: number; t: number }[];
  exit?: { exitCode: number; signal?: number; t: number };
  leftovers: { pid: number; cmd: string }[];
  children: string[];
  modes: Record<string, number>;
}

const MODE_PATTERNS: Record<string, RegExp> = {
  'bracketed-paste ?2004h': /\x1b\[\?2004h/g,
  'sync-output ?2026h': /\x1b\[\?2026h/g,
  'alt-screen ?1049h': /\x1b\[\?1049h/g,
  'focus ?1004h': /\x1b\[\?1004h/g,
  'kitty-kbd >Nu': /\x1b\[>\d+u/g,
  'modifyOtherKeys >4;Nm': /\x1b\[>4;\d+m/g,
  'DECSTBM': /\x1b\[\d*;\d*r/g,
  'RI ESC M': /\x1bM/g,
  'SU CSI n S': /\x1b\[\d*S/g,
  'SD CSI n T': /\x1b\[\d*T/g,
  'IL CSI n L': /\x1b\[\d*L/g,
  'DL CSI n M': /\x1b\[\d*M/g,
  'ED2 clear': /\x1b\[2J/g,
  'ED3 clear-scrollback': /\x1b\[3J/g,
};

async function runOne(cli: CliName, scenario: string): Promise<RunResult> {
  const p = PROFILES[cli];
  const def = SCENARIOS[cli][scenario];
  const srv = await startModelServer({ verbose: process.env.RECORD_VERBOSE === '1', deviceApproveAfterMs: DEVICE_APPROVE_MS });
  // Outside /tmp: Codex prints a "could not create PATH aliases" warning for a CODEX_HOME under /tmp,
  // which a real user's HOME never triggers.
  const parentDir = fs.existsSync('/var/tmp') ? '/var/tmp' : os.tmpdir();
  const home = createCliHome(cli, def.flavour, { baseUrl: srv.url, parentDir, ...def.home });
  const title = `${cli} ${p.version} ${scenario}`;
  const r = new ScreenRecorder({ file: p.bin, args: def.args?.(srv) ?? DEFAULT_TUI_ARGS[cli], cwd: home.workdir, env: cliSpawnEnv(home, DEFAULT_TUI_ENV[cli]), title });
  const c: Ctx = { p, r, srv, home };
  const result: RunResult = { cli, scenario, ok: false, markers: [], leftovers: [], children: [], modes: {} };
  console.log(`▶ ${title}  (HOME=${home.home})`);
  // Sample the process tree a few times so short-lived helpers are seen too.
  const seen = new Set<string>();
  const sampler = setInterval(() => {
    for (const pr of processTree(r.proc.pid)) if (pr.pid !== r.proc.pid) seen.add(pr.cmd.slice(0, 160));
  }, 250);
  try {
    await def.run(c);
    result.ok = true;
  } catch (err) {
    result.error = (err as Error).message;
    console.error(`  ✗ ${result.error}`);
  } finally {
    clearInterval(sampler);
    result.children = [...seen];
    r.killGroup();
    await r.waitExit(3000);
    await r.settle();
    // Anything that escaped the process group (daemons, setsid'd helpers) still carries our HOME.
    await sleep(300);
    result.leftovers = processesWithHome(home.home);
    for (const lp of result.leftovers) {
      try {
        process.kill(lp.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    result.exit = r.exitInfo;
    result.markers = r.markers.map((m) => ({ label: m.label, firstSeen: m.firstSeen, t: m.t }));
    for (const [name, re] of Object.entries(MODE_PATTERNS)) result.modes[name] = (r.raw.match(re) ?? []).length;
    const cast = path.join(fixtureDir(cli), `${scenario}.cast`);
    r.save(cast, title);
    r.dispose();
    await srv.close();
    if (process.env.RECORD_KEEP_HOME !== '1') home.cleanup();
    const ms = result.markers.map((m) => `${m.label}@${m.firstSeen.toFixed(2)}`).join(' ');
    console.log(`  ${result.ok ? '✓' : '✗'} ${ms}  exit=${JSON.stringify(result.exit ?? null)}  → ${path.relative(ROOT, cast)}`);
    const turns = srv.requests.map((q) => `${q.kind}:${q.reply.slice(0, 24)}`).join(', ');
    if (turns) console.log(`  requests: ${turns}`);
    if (result.children.length) console.log(`  children: ${result.children.join(' | ')}`);
    if (result.leftovers.length) console.log(`  LEFTOVER processes killed: ${result.leftovers.map((x) => `${x.pid} ${x.cmd}`).join(' | ')}`);
  }
  return result;
}

async function main(): Promise<void> {
  const [cliArg, scenarioArg] = process.argv.slice(2);
  const clis = (cliArg ? [cliArg] : Object.keys(SCENARIOS)) as CliName[];
  const results: RunResult[] = [];
  for (const cli of clis) {
    if (!SCENARIOS[cli]) throw new Error(`unknown cli ${cli}; use one of ${Object.keys(SCENARIOS).join(', ')}`);
    const names = scenarioArg ? [scenarioArg] : Object.keys(SCENARIOS[cli]);
    for (const name of names) {
      if (!SCENARIOS[cli][name]) throw new Error(`unknown scenario ${name} for ${cli}; use one of ${Object.keys(SCENARIOS[cli]).join(', ')}`);
      results.push(await runOne(cli, name));
    }
  }
  if (process.env.RECORD_SUMMARY) fs.writeFileSync(process.env.RECORD_SUMMARY, JSON.stringify(results, null, 2));
  const failed = results.filter((x) => !x.ok);
  console.log(`\n${results.length - failed.length}/${results.length} scenarios recorded${failed.length ? `; failed: ${failed.map((f) => `${f.cli}/${f.scenario}`).join(', ')}` : ''}`);
  process.exit(failed.length ? 1 : 0);
}

void main();

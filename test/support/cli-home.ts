/**
 * Scratch HOME + workdir per agent CLI, configured as docs/real-cli-homes.md describes.
 *
 * Flavours:
 *  - `logged-in`: the CLI talks to the fake model server at `baseUrl`. First-start prompts are left in
 *    place (folder trust for all three, "use this API key?" for Claude) unless `preAcceptTrust` /
 *    `preApproveKey` are set.
 *  - `no-credentials`: no login at all, as on a fresh machine. Only update checks, telemetry and the
 *    Codex daemon are switched off, since those are side effects rather than credentials.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';

export type CliName = 'claude' | 'codex' | 'gemini';
export type HomeFlavour = 'logged-in' | 'no-credentials';

export interface CliHomeOptions {
  /** Model server URL without path, e.g. `http://127.0.0.1:4010`. Required for `logged-in`. */
  baseUrl?: string;
  /** Write the "folder is trusted" state so no trust dialog appears. */
  preAcceptTrust?: boolean;
  /** Claude only: mark the API key as approved so "Do you want to use this API key?" is skipped. */
  preApproveKey?: boolean;
  /** Parent directory for the scratch folders (default: os.tmpdir()). */
  parentDir?: string;
  /** Dummy API key (default depends on the CLI). */
  apiKey?: string;
  /**
   * Claude `no-credentials` only: still write `hasCompletedOnboarding` (and trust, if asked), which gives
   * the "Not logged in · Run /login" state instead of the offline onboarding failure of an empty HOME.
   */
  onboarded?: boolean;
}

export interface CliHome {
  cli: CliName;
  flavour: HomeFlavour;
  /** Scratch root that holds `home/` and `work/`; removed by `cleanup()`. */
  root: string;
  home: string;
  workdir: string;
  /** Variables to give the CLI on top of a base environment (see `cliSpawnEnv`). */
  env: Record<string, string>;
  cleanup(): void;
}

/** Name of the env var the Codex custom provider reads its key from. */
export const CODEX_KEY_VAR = 'RAVEN_TEST_MODEL_KEY';

export const DEFAULT_KEYS: Record<CliName, string> = {
  claude: 'sk-ant-api03-raven-test-key-0000000000000000000000000000000000-AAAAAAAA',
  codex: 'sk-raven-test-key-000000000000',
  gemini: 'AIzaRavenTestKey000000000000000000000000',
};

function makeDirs(cli: CliName, parentDir?: string): { root: string; home: string; workdir: string } {
  // realpath: the CLIs key trust/project state by the canonical path of the cwd.
  const root = fs.realpathSync(fs.mkdtempSync(path.join(parentDir ?? os.tmpdir(), `raven-${cli}-`)));
  const home = path.join(root, 'home');
  const workdir = path.join(root, 'work');
  fs.mkdirSync(home, { recursive: true });
  fs.mkdirSync(workdir, { recursive: true });
  return { root, home, workdir };
}

/** Variables every CLI gets: an isolated HOME/XDG tree so nothing reads or writes the real user's state. */
function baseEnv(home: string): Record<string, string> {
  return {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_STATE_HOME: path.join(home, '.local', 'state'),
    NO_UPDATE_NOTIFIER: '1',
    DO_NOT_TRACK: '1',
  };
}

function writeJson(file: string, data: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
}

function requireBaseUrl(opts: CliHomeOptions): string {
  if (!opts.baseUrl) throw new Error('logged-in homes need opts.baseUrl (the model server URL)');
  return opts.baseUrl.replace(/\/+$/, '');
}

export function createClaudeHome(flavour: HomeFlavour, opts: CliHomeOptions = {}): CliHome {
  const { root, home, workdir } = makeDirs('claude', opts.parentDir);
  const env: Record<string, string> = {
    ...baseEnv(home),
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    // Otherwise every start runs `git clone` of the official plugin marketplace from github.com.
    CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: '1',
  };
  if (flavour === 'logged-in') {
    const key = opts.apiKey ?? DEFAULT_KEYS.claude;
    env.ANTHROPIC_BASE_URL = requireBaseUrl(opts);
    env.ANTHROPIC_API_KEY = key;
    const project: Record<string, unknown> = { hasTrustDialogAccepted: opts.preAcceptTrust === true };
    writeJson(path.join(home, '.claude.json'), {
      // Without it Claude probes api.anthropic.com and exits with "Unable to connect".
      hasCompletedOnboarding: true,
      autoUpdates: false,
      customApiKeyResponses: { approved: opts.preApproveKey ? [key.slice(-20)] : [], rejected: [] },
      projects: opts.preAcceptTrust ? { [workdir]: project } : {},
    });
  } else if (opts.onboarded) {
    writeJson(path.join(home, '.claude.json'), {
      hasCompletedOnboarding: true,
      autoUpdates: false,
      projects: opts.preAcceptTrust ? { [workdir]: { hasTrustDialogAccepted: true } } : {},
    });
  }
  return finish('claude', flavour, root, home, workdir, env);
}

export function createCodexHome(flavour: HomeFlavour, opts: CliHomeOptions = {}): CliHome {
  const { root, home, workdir } = makeDirs('codex', opts.parentDir);
  const env: Record<string, string> = { ...baseEnv(home), CODEX_HOME: path.join(home, '.codex') };
  const common = [
    'check_for_update_on_startup = false',
    '',
    '[features]',
    '# The default (true) copies ~400 MB into $HOME/.codex and leaves app-server processes behind.',
    'daemon_auto_start = false',
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[feedback]',
    'enabled = false',
    '',
  ];
  let toml: string[];
  if (flavour === 'logged-in') {
    env[CODEX_KEY_VAR] = opts.apiKey ?? DEFAULT_KEYS.codex;
    toml = [
      'model_provider = "local"',
      ...common,
      '[model_providers.local]',
      'name = "Local test model"',
      `base_url = "${requireBaseUrl(opts)}/v1"`,
      'wire_api = "responses"',
      `env_key = "${CODEX_KEY_VAR}"`,
      'request_max_retries = 0',
      'stream_max_retries = 0',
      '',
    ];
    if (opts.preAcceptTrust) toml.push(`[projects."${workdir}"]`, 'trust_level = "trusted"', '');
  } else {
    toml = common;
  }
  fs.mkdirSync(env.CODEX_HOME, { recursive: true });
  fs.writeFileSync(path.join(env.CODEX_HOME, 'config.toml'), toml.join('\n'));
  // Codex asks about folder trust only inside a git repository.
  execFileSync('git', ['init', '-q', workdir], { env: { ...process.env, ...env }, stdio: 'ignore' });
  return finish('codex', flavour, root, home, workdir, env);
}

export function createGeminiHome(flavour: HomeFlavour, opts: CliHomeOptions = {}): CliHome {
  const { root, home, workdir } = makeDirs('gemini', opts.parentDir);
  const env: Record<string, string> = { ...baseEnv(home) };
  const settings: Record<string, unknown> = {
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
  };
  if (flavour === 'logged-in') {
    env.GEMINI_API_KEY = opts.apiKey ?? DEFAULT_KEYS.gemini;
    env.GOOGLE_GEMINI_BASE_URL = requireBaseUrl(opts);
    // Without selectedType the auth chooser opens even though GEMINI_API_KEY is set.
    settings.security = { auth: { selectedType: 'gemini-api-key' } };
    if (opts.preAcceptTrust) writeJson(path.join(home, '.gemini', 'trustedFolders.json'), { [workdir]: 'TRUST_FOLDER' });
  }
  writeJson(path.join(home, '.gemini', 'settings.json'), settings);
  return finish('gemini', flavour, root, home, workdir, env);
}

function finish(cli: CliName, flavour: HomeFlavour, root: string, home: string, workdir: string, env: Record<string, string>): CliHome {
  return {
    cli,
    flavour,
    root,
    home,
    workdir,
    env,
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

export function createCliHome(cli: CliName, flavour: HomeFlavour, opts: CliHomeOptions = {}): CliHome {
  switch (cli) {
    case 'claude':
      return createClaudeHome(flavour, opts);
    case 'codex':
      return createCodexHome(flavour, opts);
    case 'gemini':
      return createGeminiHome(flavour, opts);
  }
}

/**
 * Full environment for spawning the CLI: the current process env minus anything that could point the
 * CLI at real accounts or make it think it is nested inside another agent, plus `home.env`.
 */
export function cliSpawnEnv(home: CliHome, extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const drop = /^(ANTHROPIC_|CLAUDE|OPENAI_|CODEX_|GEMINI_|GOOGLE_|VERTEX|AWS_|XDG_|TERM_PROGRAM|VSCODE_|npm_)/;
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || drop.test(k)) continue;
    out[k] = v;
  }
  return {
    ...out,
    TERM: 'xterm-256color',
    COLORTERM: 'truecolor',
    // Login flows call xdg-open / $BROWSER; without this Codex launches the system Chromium.
    BROWSER: 'true',
    ...home.env,
    ...extra,
  };
}

import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Builds the environment an agent starts with. Order: the runtime's own environment (scrubbed),
 * then the adapter's variables (provider keys, CLI switches), then the spawn's `env`, then the
 * terminal variables, which always win.
 */

/**
 * Variables that make a CLI believe it runs inside another agent. Claude Code refuses to start
 * nested (CLAUDECODE); the others change behaviour (Gemini's tools detect GEMINI_CLI, Codex's
 * sandbox markers make it assume it is sandboxed already).
 */
export const NESTING_VARIABLES: readonly string[] = [
  'CLAUDECODE',
  'CLAUDE_CODE_ENTRYPOINT',
  'CLAUDE_CODE_SESSION',
  'CLAUDE_CODE_SSE_PORT',
  'CLAUDE_AGENT_SDK_VERSION',
  'CODEX_SANDBOX',
  'CODEX_SANDBOX_NETWORK_DISABLED',
  'CODEX_THREAD_ID',
  'CODEX_MANAGED_BY_NPM',
  'GEMINI_CLI',
  'GEMINI_CLI_NO_RELAUNCH',
];

/**
 * Variables that tell a program it runs in a CI job. Every session is an interactive terminal, but
 * a CLI that sees these switches to its non-interactive mode: Gemini CLI 0.61 treats `CI=true` or
 * `GITHUB_ACTIONS=true` as headless and exits 42 ("No input provided via stdin"); Ink-based TUIs
 * stop repainting. A headless runtime started by a CI job or a container would hand these on, so
 * they are dropped. A spawn's own `env` can still set them.
 */
export const CI_VARIABLES: readonly string[] = ['CI', 'CONTINUOUS_INTEGRATION', 'GITHUB_ACTIONS'];

/** Prefixes of variables that belong to how the runtime itself was launched, not to the user. */
const LAUNCHER_PREFIXES: readonly string[] = ['ELECTRON_', 'npm_', 'VITEST', 'CHROME_CRASHPAD', 'ORIGINAL_XDG_'];
const LAUNCHER_VARIABLES: readonly string[] = ['INIT_CWD', 'NODE_ENV', 'TEST', 'NODE_OPTIONS', 'NODE_CHANNEL_FD', 'TSX_TSCONFIG_PATH'];

/** Marks every process of a session, so stop can find children that escaped the process group. */
export const SESSION_MARKER_VARIABLE = 'RAVEN_AGENT_SESSION';

export interface AgentEnvInput {
  base: NodeJS.ProcessEnv;
  adapterEnv: Record<string, string>;
  spawnEnv: Record<string, string>;
  /** Names never passed on (the runtime's API key variable, at least). */
  secretNames: readonly string[];
  /** Secret values never passed on, whatever variable holds them. */
  secretValues: readonly string[];
  sessionId: string;
  extraPath: readonly string[];
}

export function buildAgentEnv(input: AgentEnvInput): Record<string, string> {
  const env: Record<string, string> = {};
  const secretNames = new Set(input.secretNames);
  const secretValues = new Set(input.secretValues.filter((v) => v.length > 0));
  for (const [name, value] of Object.entries(input.base)) {
    if (value === undefined) continue;
    if (secretNames.has(name) || secretValues.has(value)) continue;
    if (NESTING_VARIABLES.includes(name) || CI_VARIABLES.includes(name)) continue;
    if (LAUNCHER_VARIABLES.includes(name)) continue;
    if (LAUNCHER_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
    env[name] = value;
  }
  Object.assign(env, input.adapterEnv, input.spawnEnv);
  // The spawn may not reintroduce the runtime's own secret under its own name.
  for (const name of secretNames) delete env[name];
  env.PATH = augmentPath(env.PATH ?? '', input.extraPath, env.HOME);
  env.TERM = 'xterm-256color';
  env.COLORTERM = 'truecolor';
  env[SESSION_MARKER_VARIABLE] = input.sessionId;
  return env;
}

/**
 * The folders where per-user CLI installs land. An app started from a GUI gets a thin PATH
 * (launchd, a .desktop file), so `claude` installed with npm or bun would otherwise be "missing".
 */
export function userBinDirs(home: string = os.homedir(), env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = [
    path.join(home, '.local', 'bin'),
    path.join(home, '.npm-global', 'bin'),
    path.join(home, '.claude', 'local'),
    path.join(home, '.nvm', 'current', 'bin'),
    path.join(home, '.volta', 'bin'),
    path.join(home, '.bun', 'bin'),
    path.join(home, '.cargo', 'bin'),
    '/usr/local/bin',
    '/opt/homebrew/bin',
    '/usr/bin',
    '/bin',
  ];
  if (env.NVM_BIN) dirs.unshift(env.NVM_BIN);
  if (env.VOLTA_HOME) dirs.unshift(path.join(env.VOLTA_HOME, 'bin'));
  if (env.BUN_INSTALL) dirs.unshift(path.join(env.BUN_INSTALL, 'bin'));
  return dirs;
}

/** PATH with the given folders and the usual user bin folders appended, without duplicates. */
export function augmentPath(current: string, extra: readonly string[], home?: string): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const dir of [...current.split(path.delimiter), ...extra, ...userBinDirs(home ?? os.homedir())]) {
    if (dir === '' || seen.has(dir)) continue;
    seen.add(dir);
    out.push(dir);
  }
  return out.join(path.delimiter);
}

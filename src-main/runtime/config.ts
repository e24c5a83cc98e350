import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_AUTO_RESPOND, type AutoRespondConfig, type ProviderCredentials } from '../../src-shared/agent';
import type { IsolationRequest } from '../../src-shared/isolation';
import { parseLogLevel, type LogLevel } from './logger';
import { DEFAULT_STILLNESS, type StillnessOptions } from './session/stillness-watchdog';

export interface RuntimeConfig {
  /** Live (not stopped) agents allowed at once. */
  maxAgents: number;
  /** Default `send` timeout. 60 s matches the Parallax docs' DEFAULT_TIMEOUT. */
  defaultTimeoutMs: number;
  logLevel: LogLevel;
  /** Transcripts and other runtime files live here. */
  dataDir: string;
  /** Provider keys from settings; a spawn's own `credentials` win over these. */
  credentials: ProviderCredentials;
  autoRespond: AutoRespondConfig;
  /** Default terminal size for new agents. */
  cols: number;
  rows: number;
  /** Lines of scrollback in each agent's screen model. */
  scrollback: number;
  /** SIGTERM → SIGKILL grace when stopping an agent. */
  stopTimeoutMs: number;
  /** Per-session transcript cap before rotation, and how many rotated parts to keep. */
  transcriptMaxBytes: number;
  transcriptKeepParts: number;
  /** Env var names never passed to agents (the runtime's own API key, at least). */
  secretEnvNames: string[];
  /** When a busy agent's still screen counts as an unknown dialog, or as a stall (session/stillness-watchdog.ts). */
  stillness: StillnessOptions;
  /**
   * Start Claude Code, Codex and Gemini CLI with the runtime's hooks (notify for Codex) and fuse
   * them with the screen (docs/signals.md "Fused"); false runs every agent on its screen alone, for
   * comparison.
   */
  signals: boolean;
  /**
   * The isolation a spawn gets when it names none (`--isolation`, the app's setting); a spawn's
   * own `isolation` fields win field by field (docs/isolation.md).
   */
  isolation: IsolationRequest;
  /**
   * The `container` mode's engine settings: which engine (podman, then docker, by default), the
   * default image, and flags a machine's engine needs (docs/isolation-limits.md "The container mode").
   */
  container?: ContainerSettings;
}

export interface ContainerSettings {
  engine?: 'docker' | 'podman';
  defaultImage?: string;
  engineArgs?: Partial<Record<'docker' | 'podman', string[]>>;
  runArgs?: Partial<Record<'docker' | 'podman', string[]>>;
}

/** The per-user data folder, following each platform's convention. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = env.HOME ?? os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Raven Agent Runtime');
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Raven Agent Runtime');
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'raven-agent-runtime');
}

function positiveInt(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

export function defaultConfig(overrides: Partial<RuntimeConfig> = {}): RuntimeConfig {
  return {
    maxAgents: 10,
    defaultTimeoutMs: 60_000,
    logLevel: 'info',
    dataDir: defaultDataDir(),
    credentials: {},
    autoRespond: { ...DEFAULT_AUTO_RESPOND },
    cols: 120,
    rows: 40,
    scrollback: 1000,
    stopTimeoutMs: 5_000,
    // 16 MB keeps hours of ordinary agent work; floods rotate instead of filling the disk.
    transcriptMaxBytes: 16 * 1024 * 1024,
    transcriptKeepParts: 3,
    secretEnvNames: ['RAVEN_RUNTIME_API_KEY'],
    stillness: { ...DEFAULT_STILLNESS },
    signals: true,
    isolation: { mode: 'none' },
    ...overrides,
  };
}

/**
 * `RAVEN_DIALOG_STILL_MS` and `RAVEN_STALL_MS`; the stall threshold is never below the dialog one
 * (a still screen is checked for a dialog first).
 */
function stillnessFromEnv(env: NodeJS.ProcessEnv): StillnessOptions {
  const dialogAfterMs = positiveInt(env.RAVEN_DIALOG_STILL_MS, DEFAULT_STILLNESS.dialogAfterMs);
  const stalledAfterMs = positiveInt(env.RAVEN_STALL_MS, DEFAULT_STILLNESS.stalledAfterMs);
  return { dialogAfterMs, stalledAfterMs: Math.max(dialogAfterMs, stalledAfterMs) };
}

/** `MAX_AGENTS`, `DEFAULT_TIMEOUT`, `LOG_LEVEL`, `RAVEN_DATA_DIR`, the stillness thresholds, `RAVEN_SIGNALS=0` (no hooks) from the environment. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<RuntimeConfig> = {}): RuntimeConfig {
  const base = defaultConfig();
  return defaultConfig({
    stillness: stillnessFromEnv(env),
    signals: !['0', 'false', 'off'].includes((env.RAVEN_SIGNALS ?? '').trim().toLowerCase()),
    maxAgents: positiveInt(env.MAX_AGENTS, base.maxAgents),
    defaultTimeoutMs: positiveInt(env.DEFAULT_TIMEOUT, base.defaultTimeoutMs),
    logLevel: parseLogLevel(env.LOG_LEVEL, base.logLevel),
    dataDir: env.RAVEN_DATA_DIR && env.RAVEN_DATA_DIR.trim() !== '' ? path.resolve(env.RAVEN_DATA_DIR) : base.dataDir,
    ...overrides,
  });
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import packageJson from '../../package.json';
import { AgentManager } from '../runtime/agent-manager';
import type { IsolationRequest } from '../../src-shared/isolation';
import { configFromEnv, type RuntimeConfig } from '../runtime/config';
import { createLogger, LOG_LEVELS, parseLogLevel, type Logger, type LogLevel } from '../runtime/logger';
import { shutdownRuntime, startServer, type RunningServer } from '../server';
import { DataDirError, prepareDataDir } from '../server/data-dir';
import { installProcessGuard } from '../server/process-guard';
import { describeIsolation, isolationFromFlags } from './isolation-flags';
import { UsageError } from './usage-error';
import { defaultLogFormat, isLogFormat, logSink, type LogFormat } from './log-format';
import { COMMANDS, DEFAULT_HOST, DEFAULT_PORT, helpText, LOG_FORMATS, OPTIONS, suggestCommand, suggestFlag } from './usage';

/**
 * `raven-runtime start`: the runtime without the desktop app. Parses options (flags win over the
 * environment), starts the AgentManager and the API server, prints the URL, and on SIGINT/SIGTERM
 * stops every agent before exiting 0.
 */

export const VERSION: string = packageJson.version;

/**
 * Upper bound for shutdown. A session's own stop is bounded (SIGTERM grace, SIGKILL, straggler
 * sweep ≈ 12 s), so this only fires if something is truly wedged.
 */
const SHUTDOWN_DEADLINE_MS = 20_000;

export const HELP = helpText(VERSION);

export { UsageError };

export interface StartOptions {
  port: number;
  host: string;
  apiKey?: string;
  /** Where the key came from; `argv` earns a warning at start. */
  apiKeySource?: 'argv' | 'file' | 'env';
  credentials: RuntimeConfig['credentials'];
  maxAgents?: number;
  defaultTimeoutMs?: number;
  dataDir?: string;
  logLevel?: LogLevel;
  /** Unset: text when stderr is a terminal, JSON lines otherwise. */
  logFormat?: LogFormat;
  allowedOrigins: string[];
  allowedHosts: string[];
  uiDir: string;
  terminalHello: boolean;
  /** The default isolation from --isolation… or RAVEN_ISOLATION…; unset keeps the runtime's (none). */
  isolation?: IsolationRequest;
}

export type Command = { kind: 'help' } | { kind: 'version' } | { kind: 'start'; options: StartOptions };

function positiveInt(value: string, flag: string, min = 1): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} needs a whole number ≥ ${min}, got "${value}".`);
  return n;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** The package root: bin/ and src-main/ live directly under it. */
export function packageRoot(): string {
  return path.resolve(__dirname, '..', '..');
}

export function parseCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Command {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv);
  } catch (error) {
    throw new UsageError(flagErrorText(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const [command, ...rest] = positionals;
  // Also as words: `npx raven-runtime --version` is answered by npm itself.
  if (command === 'help') return { kind: 'help' };
  if (command === 'version') return { kind: 'version' };
  if (command === undefined) throw new UsageError('Missing command. Did you mean "raven-runtime start"?');
  if (command !== 'start') {
    const suggestion = suggestCommand(command);
    throw new UsageError(`Unknown command "${command}".${suggestion ? ` Did you mean "${suggestion}"?` : ''} Commands: ${COMMANDS.join(', ')}.`);
  }
  if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}".`);

  const portText = values.port ?? nonEmpty(env.PORT);
  const port = portText === undefined ? DEFAULT_PORT : positiveInt(portText, '--port', 0);
  if (port > 65_535) throw new UsageError(`--port must be at most 65535, got ${port}.`);
  const logLevelText = values['log-level'];
  if (logLevelText !== undefined && !(LOG_LEVELS as readonly string[]).includes(logLevelText.toLowerCase())) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}.`);
  }
  const key = apiKeyFrom(values['api-key-file'], values['api-key'], env);
  const logFormatText = values['log-format'] ?? nonEmpty(env.LOG_FORMAT);
  const logFormat = logFormatText?.toLowerCase();
  if (logFormat !== undefined && !isLogFormat(logFormat)) throw new UsageError(`--log-format must be one of ${LOG_FORMATS.join(', ')}, got "${logFormatText}".`);
  const envOrigins = (env.RAVEN_ALLOWED_ORIGINS ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  return {
    kind: 'start',
    options: {
      port,
      host: values.host ?? nonEmpty(env.RAVEN_RUNTIME_HOST) ?? DEFAULT_HOST,
      ...key,
      credentials: {
        anthropicKey: nonEmpty(values['anthropic-key']),
        openaiKey: nonEmpty(values['openai-key']),
        googleKey: nonEmpty(values['google-key']),
      },
      maxAgents: values['max-agents'] === undefined ? undefined : positiveInt(values['max-agents'], '--max-agents'),
      defaultTimeoutMs: values['default-timeout'] === undefined ? undefined : positiveInt(values['default-timeout'], '--default-timeout'),
      dataDir: values['data-dir'] === undefined ? undefined : path.resolve(values['data-dir']),
      logLevel: logLevelText === undefined ? undefined : parseLogLevel(logLevelText),
      logFormat,
      allowedOrigins: [...envOrigins, ...(values['allow-origin'] ?? [])],
      allowedHosts: values['allow-host'] ?? [],
      uiDir: path.resolve(values['ui-dir'] ?? path.join(packageRoot(), 'dist', 'renderer')),
      terminalHello: values['terminal-hello'] === true && !values['no-terminal-hello'],
      isolation: isolationFromFlags(values, env),
    },
  };
}

/** The key and its source: a file, then the command line, then the environment (flags win). */
function apiKeyFrom(file: string | undefined, argv: string | undefined, env: NodeJS.ProcessEnv): Pick<StartOptions, 'apiKey' | 'apiKeySource'> {
  if (file !== undefined && argv !== undefined) throw new UsageError('Give the API key once: --api-key-file or --api-key, not both.');
  if (file !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(path.resolve(file), 'utf8');
    } catch (error) {
      throw new UsageError(`Cannot read the API key file ${path.resolve(file)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
    }
    const first = nonEmpty(text.split(/\r?\n/)[0]);
    if (first === undefined) throw new UsageError(`The API key file ${path.resolve(file)} is empty.`);
    return { apiKey: first, apiKeySource: 'file' };
  }
  const fromArgv = nonEmpty(argv);
  if (fromArgv !== undefined) return { apiKey: fromArgv, apiKeySource: 'argv' };
  const fromEnv = nonEmpty(env.RAVEN_RUNTIME_API_KEY);
  return fromEnv !== undefined ? { apiKey: fromEnv, apiKeySource: 'env' } : {};
}

function parseFlags(argv: readonly string[]) {
  return parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: OPTIONS });
}

/**
 * node:util's parse errors, in our words. Its unknown-option text ("Unknown option '--prot'. To
 * specify a positional argument starting with a '-', place it at the end of the command after '--',
 * as in '-- \"--prot\"") explains the wrong thing; a person mistyped a flag.
 */
function flagErrorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const flag = /'(-[^']*)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag !== undefined) {
    const suggestion = suggestFlag(flag);
    return `Unknown option "${flag}".${suggestion ? ` Did you mean ${suggestion}?` : ''}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag !== undefined) {
    const name = flag.split(' ')[0];
    return OPTIONS[name.replace(/^-+/, '') as keyof typeof OPTIONS]?.type === 'boolean' ? `${name} takes no value.` : `${name} needs a value.`;
  }
  return message;
}

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is a terminal (a person is reading the logs). */
  stderrIsTty: boolean;
  env: NodeJS.ProcessEnv;
  /** Resolves with the signal that asks the runtime to stop. */
  waitForStop: () => Promise<string>;
}

function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stderrIsTty: process.stderr.isTTY === true,
    env: process.env,
    waitForStop: () =>
      new Promise((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => resolve(signal));
      }),
  };
}

function runtimeConfig(options: StartOptions, env: NodeJS.ProcessEnv): RuntimeConfig {
  const overrides: Partial<RuntimeConfig> = {};
  if (options.maxAgents !== undefined) overrides.maxAgents = options.maxAgents;
  if (options.defaultTimeoutMs !== undefined) overrides.defaultTimeoutMs = options.defaultTimeoutMs;
  if (options.dataDir !== undefined) overrides.dataDir = options.dataDir;
  if (options.logLevel !== undefined) overrides.logLevel = options.logLevel;
  if (options.isolation !== undefined) overrides.isolation = options.isolation;
  const config = configFromEnv(env, overrides);
  const credentials = Object.fromEntries(Object.entries(options.credentials).filter(([, v]) => v !== undefined));
  return { ...config, credentials: { ...config.credentials, ...credentials } };
}

async function start(options: StartOptions, io: CliIo): Promise<number> {
  const config = runtimeConfig(options, io.env);
  const format = options.logFormat ?? defaultLogFormat(io.stderrIsTty);
  const logger: Logger = createLogger(config.logLevel, logSink(format, io.stderr, io.stderrIsTty));
  try {
    prepareDataDir(config.dataDir);
  } catch (error) {
    if (!(error instanceof DataDirError)) throw error;
    io.stderr(`raven-runtime: ${error.message} [${error.errno}]\n`);
    return 1;
  }
  if (options.apiKeySource === 'argv') {
    io.stderr('raven-runtime: warning: --api-key is readable by every local process (ps, /proc/<pid>/cmdline), agents included. Prefer --api-key-file or RAVEN_RUNTIME_API_KEY.\n');
  }
  // From here on a stray throw is logged, never fatal: exiting would kill every running agent.
  const removeGuard = installProcessGuard(logger);
  const manager = new AgentManager(config, { logger });
  let server: RunningServer;
  try {
    server = await startServer({
      manager,
      host: options.host,
      port: options.port,
      apiKey: options.apiKey,
      allowedOrigins: options.allowedOrigins,
      allowedHosts: options.allowedHosts,
      uiDir: options.uiDir,
      version: VERSION,
      logger,
      terminalHello: options.terminalHello,
      // The CLI guards the whole process lifetime itself (installed above).
      processGuard: false,
    });
  } catch (error) {
    const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
    io.stderr(`raven-runtime: ${error instanceof Error ? error.message : String(error)}${typeof code === 'string' ? ` [${code}]` : ''}\n`);
    removeGuard();
    return 1;
  }
  io.stdout(`Raven Agent Runtime ${VERSION} listening on ${server.url}\n`);
  if (config.isolation.mode !== 'none') io.stdout(`Agents are isolated unless a spawn says otherwise: ${describeIsolation(config.isolation)}\n`);
  if (!fs.existsSync(path.join(options.uiDir, 'index.html'))) io.stdout('The web UI is not built (npm run build:renderer); the API works without it.\n');

  const signal = await io.waitForStop();
  logger.info('shutting down', { signal, agents: manager.liveCount() });
  const deadline = setTimeout(() => {
    io.stderr('raven-runtime: shutdown took too long; exiting.\n');
    process.exit(1);
  }, SHUTDOWN_DEADLINE_MS);
  deadline.unref();
  await shutdownRuntime(server, manager, signal);
  clearTimeout(deadline);
  removeGuard();
  logger.info('stopped', { signal });
  return 0;
}

/** Runs the CLI; resolves with the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`raven-runtime: ${error.message}\nRun "raven-runtime --help" for the options.\n`);
    return 2;
  }
  switch (command.kind) {
    case 'help':
      io.stdout(HELP);
      return 0;
    case 'version':
      io.stdout(`${VERSION}\n`);
      return 0;
    case 'start':
      return start(command.options, io);
  }
}

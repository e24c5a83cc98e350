/**
 * Structured logging: one JSON object per line on stderr (stdout belongs to the headless CLI's
 * own messages). Secrets never reach a log line: callers pass values through {@link redact}, and
 * known secret-looking keys in `fields` are masked here as a second line of defence.
 */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const LEVEL_RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LogRecord extends LogFields {
  time: string;
  level: Exclude<LogLevel, 'silent'>;
  msg: string;
}

export type LogSink = (record: LogRecord) => void;

const SECRET_KEY = /key|token|secret|password|authorization/i;

export function redact(value: string): string {
  if (value.length <= 8) return '***';
  return `${value.slice(0, 3)}…${value.slice(-2)}`;
}

function maskFields(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = typeof value === 'string' && SECRET_KEY.test(key) ? redact(value) : value;
  }
  return out;
}

export function parseLogLevel(value: string | undefined, fallback: LogLevel = 'info'): LogLevel {
  const lower = value?.trim().toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(lower ?? '') ? (lower as LogLevel) : fallback;
}

export const stderrSink: LogSink = (record) => {
  process.stderr.write(`${JSON.stringify(record)}\n`);
};

export function createLogger(level: LogLevel, sink: LogSink = stderrSink, base: LogFields = {}): Logger {
  const threshold = LEVEL_RANK[level];
  const emit = (lvl: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields) => {
    if (LEVEL_RANK[lvl] < threshold) return;
    sink({ time: new Date().toISOString(), level: lvl, msg, ...maskFields({ ...base, ...fields }) });
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (fields) => createLogger(level, sink, { ...base, ...fields }),
  };
}

export const silentLogger: Logger = createLogger('silent');

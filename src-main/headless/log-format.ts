import type { LogRecord, LogSink } from '../runtime/logger';
import { LOG_FORMATS } from './usage';

/**
 * How the headless runtime writes its logs: JSON lines for log collectors and pipes, readable lines
 * for a person watching a terminal. The default follows stderr: a TTY gets text.
 */

export type LogFormat = (typeof LOG_FORMATS)[number];

export function isLogFormat(value: string): value is LogFormat {
  return (LOG_FORMATS as readonly string[]).includes(value);
}

export function defaultLogFormat(stderrIsTty: boolean): LogFormat {
  return stderrIsTty ? 'text' : 'json';
}

const LEVEL_COLOURS: Readonly<Record<LogRecord['level'], string>> = { debug: '\x1b[2m', info: '\x1b[36m', warn: '\x1b[33m', error: '\x1b[31m' };
const RESET = '\x1b[0m';

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

/** `23:31:04 INFO  server: API server listening url=http://127.0.0.1:8765 auth=off` */
export function formatTextRecord(record: LogRecord, colour: boolean): string {
  const { time, level, msg, component, ...fields } = record;
  const clock = time.slice(11, 19);
  const label = level.toUpperCase().padEnd(5);
  const where = typeof component === 'string' ? `${component}: ` : '';
  const rest = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${fieldText(value)}`)
    .join(' ');
  const levelText = colour ? `${LEVEL_COLOURS[level]}${label}${RESET}` : label;
  return `${clock} ${levelText} ${where}${msg}${rest ? ` ${rest}` : ''}`;
}

export function logSink(format: LogFormat, write: (text: string) => void = (text) => process.stderr.write(text), colour = false): LogSink {
  if (format === 'json') return (record) => write(`${JSON.stringify(record)}\n`);
  return (record) => write(`${formatTextRecord(record, colour)}\n`);
}

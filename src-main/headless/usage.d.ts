/** Types for usage.js (plain JavaScript so that bin/ can answer help and --version without tsx). */
export declare const DEFAULT_PORT: number;
export declare const DEFAULT_HOST: string;
export declare const LOG_LEVELS: readonly ['debug', 'info', 'warn', 'error', 'silent'];
export declare const LOG_FORMATS: readonly ['json', 'text'];
export declare const OPTIONS: {
  port: { type: 'string' };
  host: { type: 'string' };
  'api-key': { type: 'string' };
  'api-key-file': { type: 'string' };
  'anthropic-key': { type: 'string' };
  'openai-key': { type: 'string' };
  'google-key': { type: 'string' };
  'max-agents': { type: 'string' };
  'default-timeout': { type: 'string' };
  'data-dir': { type: 'string' };
  'log-level': { type: 'string' };
  'log-format': { type: 'string' };
  'allow-origin': { type: 'string'; multiple: true };
  'allow-host': { type: 'string'; multiple: true };
  'ui-dir': { type: 'string' };
  'terminal-hello': { type: 'boolean' };
  'no-terminal-hello': { type: 'boolean' };
  isolation: { type: 'string' };
  'isolation-network': { type: 'string' };
  'isolation-allow': { type: 'string'; multiple: true };
  'isolation-memory': { type: 'string' };
  'isolation-cpu': { type: 'string' };
  'isolation-processes': { type: 'string' };
  help: { type: 'boolean'; short: 'h' };
  version: { type: 'boolean'; short: 'v' };
};
export declare const COMMANDS: readonly string[];
export declare function helpText(version: string): string;
export declare function suggestFlag(flag: string): string | undefined;
export declare function suggestCommand(word: string): string | undefined;
/** The closest of `candidates` to `word` when it is a likely typo of it. */
export declare function closestWord<T extends string>(word: string, candidates: readonly T[]): T | undefined;

export { AgentManager, type AdapterStatus, type SendCallOptions } from './agent-manager';
export { configFromEnv, defaultConfig, defaultDataDir, type RuntimeConfig } from './config';
export { RuntimeError, isRuntimeError } from './errors';
export { createLogger, type Logger, type LogLevel } from './logger';
export type { AgentSession, SendResult } from './session';
export { listTranscripts, type TranscriptMeta } from './transcript';

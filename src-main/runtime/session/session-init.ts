import {
  isValidTerminalSize,
  MAX_COLS,
  MAX_ROWS,
  MIN_COLS,
  MIN_ROWS,
  type AgentType,
  type AutoRespondConfig,
} from '../../../src-shared/agent';
import type { RuntimeEvent } from '../../../src-shared/events';
import { MAX_MESSAGE_CHARS } from '../../../src-shared/limits';
import type { CliAdapter } from '../adapters/types';
import { RuntimeError } from '../errors';
import type { IsolatedLaunch } from '../isolation/types';
import type { Logger } from '../logger';
import type { AgentSignals } from '../signals/agent-signals';
import type { StillnessOptions } from './stillness-watchdog';

/** What a session is started with (the manager resolves it from a spawn request), and its limits. */

export interface SessionInit {
  id: string;
  name: string;
  type: AgentType;
  adapter: CliAdapter;
  /** Resolved executable path. */
  executable: string;
  args: string[];
  env: Record<string, string>;
  workdir: string;
  cols: number;
  rows: number;
  scrollback: number;
  role?: string;
  capabilities: string[];
  autoRespond: AutoRespondConfig;
  keyFromRuntime: boolean;
  version?: string;
  transcript?: { dir: string; maxBytes: number; keepParts: number };
  /** When a still, busy screen becomes an unknown question or a stall (default DEFAULT_STILLNESS). */
  stillness?: StillnessOptions;
  /**
   * The CLI's hooks, already opened by the manager (their arguments and environment are in `args`
   * and `env`); the session fuses them with the screen and closes them when the program ends.
   */
  signals?: AgentSignals;
  /**
   * The program as the isolation backend wraps it (docs/isolation.md); `executable`, `args` and
   * `env` above stay the program itself, which is what the handle and the transcript show.
   */
  isolation?: IsolatedLaunch;
  logger: Logger;
  emit: (event: RuntimeEvent) => void;
}

export interface StopOptions {
  timeoutMs: number;
  force?: boolean;
}

/** VALIDATION_ERROR unless the size is within the contract's limits (src-shared/agent.ts). */
export function assertTerminalSize(cols: number, rows: number): void {
  if (!isValidTerminalSize(cols, rows)) {
    throw new RuntimeError('VALIDATION_ERROR', `Terminal size must be ${MIN_COLS}–${MAX_COLS} columns by ${MIN_ROWS}–${MAX_ROWS} rows.`, { cols, rows });
  }
}

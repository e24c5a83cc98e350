import type { LoginInfo } from '../../../src-shared/agent';

/**
 * What a program's exit means: the reason on the handle (`stopped`, `normal exit`, `exit code 1`,
 * `killed by signal 9`) and, when it died during start-up without being asked to, the error a person
 * reads to fix it.
 */

export interface ExitFacts {
  /** Someone called stop. */
  stopRequested: boolean;
  /** The agent had become ready at least once. */
  wasReady: boolean;
  exitCode: number;
  signal: number | undefined;
  displayName: string;
  /** The last login the CLI asked for, if any. */
  lastLogin: LoginInfo | undefined;
  /** The last lines of its screen. */
  finalLines: readonly string[];
}

export interface ExitVerdict {
  reason: string;
  startupError?: {
    message: string;
    /**
     * Whether to send agent_error. Not after a login_required (which, to Raven, already became
     * requires_login): no second alarm, but the handle keeps why the agent is gone and what would
     * fix it.
     */
    report: boolean;
  };
}

export function judgeExit(facts: ExitFacts): ExitVerdict {
  const { stopRequested, signal, exitCode } = facts;
  const reason = stopRequested ? 'stopped' : signal ? `killed by signal ${signal}` : exitCode === 0 ? 'normal exit' : `exit code ${exitCode}`;
  if (stopRequested || facts.wasReady || (!signal && exitCode === 0)) return { reason };
  const prefix = `${facts.displayName} exited during start-up (${reason})`;
  if (facts.lastLogin) return { reason, startupError: { message: `${prefix} while it needed a login: ${facts.lastLogin.instructions}`, report: false } };
  return { reason, startupError: { message: `${prefix}.${lastWords(facts.finalLines)}`, report: true } };
}

/**
 * The last few non-blank lines a CLI printed before it died, for the start-up error: a bare exit
 * code tells a person nothing, while "No input provided via stdin" or a stack trace's first line
 * says what to fix.
 */
export function lastWords(lines: readonly string[]): string {
  const said = lines.map((line) => line.trim()).filter((line) => line.length > 0).slice(-3).join(' | ');
  if (said.length === 0) return '';
  return ` Its last output: ${said.length > 400 ? `…${said.slice(-400)}` : said}`;
}

/**
 * The shell command line a CLI runs for one hook event: the runtime's Node running hook-client.cjs
 * with the event's name. Claude Code and Gemini CLI run hook commands through a shell, so every
 * part is single-quoted; Codex's `notify` takes an argv array instead (`hookArgv`).
 */
import { hookClientPath } from './channel';

export interface HookProgram {
  /** The Node binary that runs the hook client. Under Electron this is the app itself… */
  nodePath: string;
  /** …which then needs ELECTRON_RUN_AS_NODE=1 to behave as plain Node. */
  runAsNode: boolean;
  /** The hook client script (default: the one shipped next to channel.ts or the bundle). */
  clientPath: string;
}

/** The runtime's own Node and the shipped hook client. */
export function defaultHookProgram(): HookProgram {
  return { nodePath: process.execPath, runAsNode: process.versions.electron !== undefined, clientPath: hookClientPath() };
}

/** POSIX single-quoting: safe for any path, including spaces and quotes. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `hookArgv` as a POSIX shell command line. */
export function hookCommand(program: HookProgram, event: string): string {
  const prefix = program.runAsNode ? 'ELECTRON_RUN_AS_NODE=1 ' : '';
  return prefix + [program.nodePath, program.clientPath, event].map(shellQuote).join(' ');
}

/**
 * The hook as an argv array. Under Electron the variable cannot be given in an argv, so `env` runs
 * the app with it.
 */
export function hookArgv(program: HookProgram, event: string): string[] {
  const argv = [program.nodePath, program.clientPath, event];
  return program.runAsNode ? ['env', 'ELECTRON_RUN_AS_NODE=1', ...argv] : argv;
}

import { execFile } from 'node:child_process';

/** A short command run to learn what this machine can do (engine `info`, a trial bwrap); never throws. */

export interface CommandResult {
  code: number | 'ENOENT' | 'TIMEOUT';
  stdout: string;
  stderr: string;
}

/** Output beyond this is not needed (one line of info, an error's first lines). */
const MAX_OUTPUT = 64 * 1024;

export function runProbe(file: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT, env, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) return resolve({ code: 0, stdout, stderr });
      const failure = error as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
      if (failure.code === 'ENOENT') return resolve({ code: 'ENOENT', stdout: '', stderr: '' });
      if (failure.killed) return resolve({ code: 'TIMEOUT', stdout, stderr });
      resolve({ code: typeof failure.code === 'number' ? failure.code : 1, stdout, stderr: stderr || failure.message });
    });
  });
}

/** The first lines of a program's complaint, on one line, for a `reason`. */
export function firstLines(text: string): string {
  return text.trim().split('\n').slice(0, 2).join(' ').replace(/\s+/g, ' ').slice(0, 300);
}

import * as path from 'node:path';
import { atShellPrompt, classifyGeneric, cursorRow, extractShellReply } from '../detect/generic';
import type { CliAdapter } from './types';

/** The user's login shell, for debugging and tests. */
export function defaultShell(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === 'win32') return env.COMSPEC ?? 'cmd.exe';
  return env.SHELL && env.SHELL.trim() !== '' ? env.SHELL : '/bin/bash';
}

export function createShellAdapter(shell: string = defaultShell()): CliAdapter {
  const name = path.basename(shell);
  return {
    type: 'shell',
    displayName: 'Shell',
    command: shell,
    installHint: 'A POSIX shell (bash, zsh) is part of the operating system.',
    versionArgs: ['--version'],
    // A shell redraws nothing: its prompt is final the moment it is printed.
    settleMs: 60,
    enterDelayMs: 20,
    defaultArgs: () => (name === 'bash' || name === 'zsh' || name === 'sh' || name === 'fish' ? ['-i'] : []),
    env: () => ({}),
    classify: (screen, context) => {
      // Quiet output alone never means ready for a shell: a running command can be silent.
      const state = classifyGeneric(screen, context.quietMs, Number.POSITIVE_INFINITY);
      if (context.turn && state.kind === 'prompt' && atShellPrompt(screen)) return { kind: 'ready' };
      return state;
    },
    inputText: (screen) => {
      const match = /^.*?[$#%>❯➜»] (.*)$/.exec(cursorRow(screen).row);
      return match ? match[1].trimEnd() : undefined;
    },
    extractReply: (capture) => extractShellReply(capture.lines, capture.message),
  };
}

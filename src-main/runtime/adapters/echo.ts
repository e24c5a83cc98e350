import * as path from 'node:path';
import { atShellPrompt, cursorRow } from '../detect/generic';
import type { CliAdapter } from './types';

/**
 * `echo`: a built-in test agent (docs/compatibility.md). A real program in a real PTY, started with
 * the runtime's own Node, that prints `echo> ` and answers every line with the same line. It is
 * ready the moment its prompt is drawn and needs nothing installed, so integrations (Parallax's
 * `scripts/test-runtime.sh` spawns `type:"echo"`) and our own tests can check the whole path
 * spawn → ready → send → reply without a model.
 */

export const ECHO_PROMPT = 'echo> ';
const SCRIPT_NAME = 'echo-agent.cjs';

/**
 * Where the program is: next to this file when run from source (tsx), next to the bundle in a
 * desktop build (scripts/build-desktop.ts copies it there).
 */
export function echoScriptPath(): string {
  return path.join(__dirname, SCRIPT_NAME);
}

/** The input line: what follows the prompt on the cursor's row. */
function typedText(row: string): string | undefined {
  return row.startsWith(ECHO_PROMPT) ? row.slice(ECHO_PROMPT.length).trimEnd() : undefined;
}

export function createEchoAdapter(): CliAdapter {
  return {
    type: 'echo',
    displayName: 'Echo (test agent)',
    command: process.execPath,
    installHint: 'Built in: it runs with the runtime’s own Node.',
    versionArgs: ['--version'],
    // Its prompt is final when printed; nothing redraws.
    settleMs: 50,
    enterDelayMs: 20,
    defaultArgs: () => [echoScriptPath()],
    // Under Electron, process.execPath is the app: this makes it behave as plain Node.
    env: () => ({ ELECTRON_RUN_AS_NODE: '1' }),
    // No login, no questions: the prompt at the cursor means ready, anything else means working.
    // (Generic question detection would mistake an echoed "…?" for a prompt.)
    classify: (screen) => {
      if (atShellPrompt(screen) && typedText(cursorRow(screen).row) === '') return { kind: 'ready' };
      return { kind: screen.text.trim() === '' ? 'starting' : 'busy' };
    },
    inputText: (screen) => typedText(cursorRow(screen).row),
    extractReply: (capture) => {
      const first = (capture.message ?? '').split('\n')[0].trim();
      let start = 0;
      for (let i = capture.lines.length - 1; i >= 0; i--) {
        if (capture.lines[i].trimEnd() === `${ECHO_PROMPT}${first}`.trimEnd()) {
          start = i + 1;
          break;
        }
      }
      // Lines typed after the first one of a multi-line message come back with prompts of their own.
      return capture.lines
        .slice(start)
        .filter((line) => !line.startsWith(ECHO_PROMPT) && line.trimEnd() !== ECHO_PROMPT.trimEnd())
        .map((line) => line.trimEnd())
        .join('\n')
        .trim();
    },
  };
}

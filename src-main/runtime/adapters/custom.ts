import { classifyGeneric, extractShellReply } from '../detect/generic';
import type { CliAdapter } from './types';

/**
 * Any command the caller names. We know nothing of its screens, so detection is generic: a
 * shell-style prompt, a login URL or code, a question at the cursor; otherwise quiet output for
 * QUIET_READY_MS counts as ready.
 */
const QUIET_READY_MS = 1_500;

export function createCustomAdapter(command: string): CliAdapter {
  return {
    type: 'custom',
    displayName: 'Custom command',
    command,
    installHint: `Install "${command}" and make sure it is on your PATH (or give an absolute path).`,
    versionArgs: ['--version'],
    settleMs: 120,
    quietReadyMs: QUIET_READY_MS,
    enterDelayMs: 50,
    defaultArgs: () => [],
    env: () => ({}),
    classify: (screen, context) => classifyGeneric(screen, context.quietMs, QUIET_READY_MS),
    // An unknown program's input line cannot be told apart from its output.
    inputText: () => undefined,
    extractReply: (capture) => extractShellReply(capture.lines, capture.message),
  };
}

/**
 * What a real-CLI test leaves in its vitest task meta for the drift check's table
 * (scripts/check-cli-drift.ts reads it back from the JSON report): the step a scenario was in, and
 * when it failed, each of its agents' last screen.
 */
import type { AgentManager } from '../../src-main/runtime/agent-manager';

declare module 'vitest' {
  interface TaskMeta {
    /** The step of a scenario the test was in last (`reply`, `permission question`, …). */
    step?: string;
    /** The last screen lines of each agent the test started, taken when it failed. */
    lastScreens?: string[];
  }
}

/** How many screen lines the table shows: the bottom of a TUI holds its prompt and dialogs. */
export const SCREEN_LINES = 30;

/** Each agent's last rendered screen lines (as a person saw them), for every agent of these managers. */
export function lastScreensOf(managers: readonly AgentManager[]): string[] {
  const screens: string[] = [];
  for (const manager of managers) {
    for (const agent of manager.list()) {
      let screen: string;
      try {
        screen = manager.logs(agent.id, SCREEN_LINES).join('\n').trimEnd();
      } catch {
        screen = '(no output)';
      }
      screens.push(`${agent.type} ${agent.id} (${agent.status}):\n${screen}`);
    }
  }
  return screens;
}

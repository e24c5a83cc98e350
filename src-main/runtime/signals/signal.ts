/**
 * What a CLI's structured signals mean, whichever CLI sent them: the events the session's state
 * machine will fuse with what the screen shows (docs/signals.md "Fused"). Each CLI's parser
 * (claude-hooks.ts, codex-notify.ts, gemini-hooks.ts) turns its own payloads into these.
 */

export type AgentSignal =
  /** The CLI session is up (Claude SessionStart: `source` is startup, resume, clear or compact). */
  | { kind: 'session_started'; sessionId?: string; source?: string; transcriptPath?: string }
  /** A prompt was submitted and the CLI starts working on it. */
  | { kind: 'turn_started'; prompt?: string }
  /** A tool is about to run (it may still need approval). */
  | { kind: 'tool_starting'; tool: string; input: unknown }
  /** A tool finished. */
  | { kind: 'tool_finished'; tool: string; input: unknown }
  /** The CLI is asking the person whether a tool may run. */
  | { kind: 'permission_requested'; tool: string; input: unknown }
  /** The CLI wants attention: `kind` is its own label (permission_prompt, idle_prompt, …) when it gives one. */
  | { kind: 'notification'; notificationKind?: string; message: string }
  /**
   * The turn is over and the CLI waits for input. `reply` is the last assistant text when the CLI
   * says it in the payload; `transcriptPath` names the CLI's own record of the conversation.
   */
  | {
      kind: 'turn_ended';
      reply?: string;
      transcriptPath?: string;
      /** Codex: the conversation thread the turn belongs to (its title generator runs turns on threads of its own). */
      threadId?: string;
      /** Codex: the user inputs of the turn, to tell the session's turn from a side thread's. */
      prompts?: string[];
    }
  /** A sub-agent finished its work (the main turn goes on). */
  | { kind: 'subagent_ended' }
  /** The CLI session is ending (`reason`: exit, clear, logout, …). */
  | { kind: 'session_ended'; reason?: string };

export type AgentSignalKind = AgentSignal['kind'];

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Claude Code hooks as a signal source (docs/signals.md "Claude Code").
 *
 * The runtime writes its own settings file into the session's channel folder and starts Claude
 * with `--settings <file>`. That file is the "flagSettings" layer; Claude merges hook lists from
 * every layer, so the user's own hooks (~/.claude/settings.json, the project's .claude/ files)
 * still run beside ours, and no file of the user's is touched. Every hook runs hook-client.cjs,
 * which forwards the payload over the session's channel and prints nothing, so it never changes
 * what Claude decides.
 *
 * Event names and payload fields read from the bundled code of Claude Code 2.1.197 and 2.1.332
 * (both have all the events below); fixtures captured from both are in test/fixtures/signals/.
 * Fields common to every event: session_id, transcript_path, cwd, hook_event_name (and
 * permission_mode on most).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HookMessage } from './channel';
import { hookCommand, type HookProgram } from './hook-command';
import { isRecord, stringField, type AgentSignal } from './signal';

export const CLAUDE_HOOK_EVENTS = [
  'SessionStart',
  'UserPromptSubmit',
  'PreToolUse',
  'PermissionRequest',
  'PostToolUse',
  'Notification',
  'Stop',
  'SubagentStop',
  'SessionEnd',
] as const;
export type ClaudeHookEvent = (typeof CLAUDE_HOOK_EVENTS)[number];

/** Events whose hooks are filtered by tool name; `*` matches every tool. */
const TOOL_EVENTS: ReadonlySet<ClaudeHookEvent> = new Set(['PreToolUse', 'PermissionRequest', 'PostToolUse']);

/**
 * Claude's own limit for our hook, in seconds. The hook client gives up on its own well before
 * (0.8 s); this only bounds a hook that could not even start.
 */
const HOOK_TIMEOUT_SECONDS = 5;

interface ClaudeHookEntry {
  type: 'command';
  command: string;
  timeout: number;
}
interface ClaudeHookMatcher {
  matcher?: string;
  hooks: ClaudeHookEntry[];
}
export interface ClaudeHookSettings {
  hooks: Record<ClaudeHookEvent, ClaudeHookMatcher[]>;
}

/** The settings object: one command hook per event, each calling the hook client with the event's name. */
export function claudeHookSettings(program: HookProgram): ClaudeHookSettings {
  const hooks = {} as Record<ClaudeHookEvent, ClaudeHookMatcher[]>;
  for (const event of CLAUDE_HOOK_EVENTS) {
    const entry: ClaudeHookMatcher = { hooks: [{ type: 'command', command: hookCommand(program, event), timeout: HOOK_TIMEOUT_SECONDS }] };
    if (TOOL_EVENTS.has(event)) entry.matcher = '*';
    hooks[event] = [entry];
  }
  return { hooks };
}

/**
 * Writes the settings file into `dir` (the session's 0700 channel folder, removed with it) and
 * returns the arguments that make Claude load it.
 */
export function writeClaudeHookSettings(dir: string, program: HookProgram): { file: string; args: string[] } {
  const file = path.join(dir, 'claude-settings.json');
  fs.writeFileSync(file, JSON.stringify(claudeHookSettings(program), null, 2), { mode: 0o600 });
  return { file, args: ['--settings', file] };
}

/** One Claude hook payload as a signal; undefined for an event this runtime does not use. */
export function parseClaudeHook(message: HookMessage): AgentSignal | undefined {
  const payload = isRecord(message.payload) ? message.payload : {};
  const tool = stringField(payload, 'tool_name') ?? '';
  switch (message.event) {
    case 'SessionStart':
      return { kind: 'session_started', sessionId: stringField(payload, 'session_id'), source: stringField(payload, 'source'), transcriptPath: stringField(payload, 'transcript_path') };
    case 'UserPromptSubmit':
      return { kind: 'turn_started', prompt: stringField(payload, 'prompt') };
    case 'PreToolUse':
      return { kind: 'tool_starting', tool, input: payload.tool_input ?? null };
    case 'PostToolUse':
      return { kind: 'tool_finished', tool, input: payload.tool_input ?? null };
    case 'PermissionRequest':
      return { kind: 'permission_requested', tool, input: payload.tool_input ?? null };
    case 'Notification':
      return { kind: 'notification', notificationKind: stringField(payload, 'notification_type'), message: stringField(payload, 'message') ?? '' };
    case 'Stop':
      return { kind: 'turn_ended', reply: stringField(payload, 'last_assistant_message'), transcriptPath: stringField(payload, 'transcript_path') };
    case 'SubagentStop':
      return { kind: 'subagent_ended' };
    case 'SessionEnd':
      return { kind: 'session_ended', reason: stringField(payload, 'reason') };
    default:
      return undefined;
  }
}

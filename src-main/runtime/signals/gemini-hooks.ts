/**
 * Gemini CLI hooks as a signal source (docs/signals.md "Gemini CLI").
 *
 * Gemini reads settings from four layers — system defaults, user, workspace, system — and
 * concatenates hook lists across them (its settings schema gives every hook event the "concat"
 * merge strategy). The runtime provides the lowest layer, system defaults, for its own session:
 * the file named by GEMINI_CLI_SYSTEM_DEFAULTS_PATH in the CLI's environment. Using that layer (not
 * GEMINI_CLI_SYSTEM_SETTINGS_PATH) leaves the machine's system settings, which an administrator
 * may rely on, in force; and the machine's own system-defaults file, if any, is copied into ours
 * so nothing of it is lost. The user's and the project's hooks run beside ours.
 *
 * Events and fields read from the bundle of Gemini CLI 0.61.0 (packages/core/src/hooks):
 * every payload has session_id, transcript_path, cwd, hook_event_name, timestamp;
 *   SessionStart {source} · BeforeAgent {prompt} · BeforeTool {tool_name, tool_input}
 *   AfterTool {tool_name, tool_input, tool_response} · Notification {notification_type
 *   ("ToolPermission"), message, details} · AfterAgent {prompt, prompt_response, stop_hook_active}
 *   SessionEnd {reason}
 * Gemini runs hooks with its own (optionally redacted) environment plus the hook's `env`, so the
 * channel's variables go in each hook's `env`: variable redaction cannot drop the token.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HookMessage } from './channel';
import { hookCommand, type HookProgram } from './hook-command';
import { isRecord, stringField, type AgentSignal } from './signal';
import type { UserSettingsLayer } from '../isolation/types';

export const GEMINI_HOOK_EVENTS = ['SessionStart', 'BeforeAgent', 'BeforeTool', 'AfterTool', 'Notification', 'AfterAgent', 'SessionEnd'] as const;
export type GeminiHookEvent = (typeof GEMINI_HOOK_EVENTS)[number];

/** Gemini's limit for our hook, in milliseconds; the hook client gives up on its own after 0.8 s. */
const HOOK_TIMEOUT_MS = 5_000;
const TOOL_EVENTS: ReadonlySet<GeminiHookEvent> = new Set(['BeforeTool', 'AfterTool']);

interface GeminiHookEntry {
  name: string;
  type: 'command';
  command: string;
  timeout: number;
  env: Record<string, string>;
}
interface GeminiHookMatcher {
  matcher?: string;
  hooks: GeminiHookEntry[];
}
export type GeminiSettings = Record<string, unknown> & { hooks?: Record<string, unknown> };

/** Where Gemini looks for system defaults when the variable is not set (same rule as its own). */
export function machineSystemDefaultsPath(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return '/Library/Application Support/GeminiCli/system-defaults.json';
  if (platform === 'win32') return 'C:\\ProgramData\\gemini-cli\\system-defaults.json';
  return '/etc/gemini-cli/system-defaults.json';
}

/** The runtime's hooks, one per event, each carrying the channel variables in its own `env`. */
export function geminiHooks(program: HookProgram, channelEnv: Record<string, string>): Record<GeminiHookEvent, GeminiHookMatcher[]> {
  const hooks = {} as Record<GeminiHookEvent, GeminiHookMatcher[]>;
  for (const event of GEMINI_HOOK_EVENTS) {
    const entry: GeminiHookMatcher = {
      hooks: [{ name: `raven-signal-${event}`, type: 'command', command: hookCommand(program, event), timeout: HOOK_TIMEOUT_MS, env: { ...channelEnv } }],
    };
    if (TOOL_EVENTS.has(event)) entry.matcher = '*';
    hooks[event] = [entry];
  }
  return hooks;
}

/**
 * `base` (the machine's system defaults) with the runtime's hooks appended to each event's list.
 * Unless `base` says otherwise, hook notifications are off: Gemini draws `Executing Hooks: <names>`
 * over its status line while any hook runs, ours on every turn, and the redraw leaves pieces of it
 * in the screen's reply. It is the lowest layer, so a user who set `hooksConfig.notifications` keeps
 * their choice.
 */
export function withGeminiHooks(base: GeminiSettings, program: HookProgram, channelEnv: Record<string, string>): GeminiSettings {
  const existing = isRecord(base.hooks) ? base.hooks : {};
  const hooks: Record<string, unknown> = { ...existing };
  for (const [event, entries] of Object.entries(geminiHooks(program, channelEnv))) {
    const before = existing[event];
    hooks[event] = [...(Array.isArray(before) ? before : []), ...entries];
  }
  const hooksConfig = isRecord(base.hooksConfig) ? base.hooksConfig : {};
  return { ...base, hooks, hooksConfig: { ...hooksConfig, notifications: hooksConfig.notifications ?? false } };
}

function readSettings(file: string): GeminiSettings {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return isRecord(parsed) ? parsed : {};
  } catch {
    // Missing (the usual case) or unreadable: Gemini itself would have nothing from it either.
    return {};
  }
}

/**
 * Why Gemini would skip a system settings file at `file`, or undefined if it would load it.
 * Gemini 0.61.0 (`isFileAndDirectorySecureSync`, POSIX) loads a system layer only if the file and
 * every folder above it are owned by root and writable by neither group nor others. So the layer
 * works when the runtime runs as root, or when an installer has put a root-owned file in place; a
 * file the runtime writes as an ordinary user is skipped (with a warning on Gemini's screen).
 */
export function geminiSystemLayerRefusal(file: string): string | undefined {
  if (process.platform === 'win32') return undefined;
  let current = path.resolve(file);
  for (;;) {
    let stats: fs.Stats;
    try {
      stats = fs.statSync(current);
    } catch (error) {
      return `cannot inspect ${current}: ${(error as Error).message}`;
    }
    if (stats.uid !== 0) return `${current} is not owned by root (uid ${stats.uid})`;
    if ((stats.mode & 0o022) !== 0) return `${current} is writable by group or others (mode ${(stats.mode & 0o7777).toString(8)})`;
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

export interface GeminiLayer {
  file: string;
  /** Variables for the CLI's environment that make Gemini read the layer. */
  env: Record<string, string>;
  /**
   * Set when Gemini would skip the file (see geminiSystemLayerRefusal): its hooks will not run,
   * and the session must rely on the screen alone for this agent.
   */
  refusal?: string;
}

/**
 * Writes the runtime's system-defaults layer into `dir` (the session's 0700 channel folder) and
 * returns the variable that points Gemini at it. `inheritedFrom`: the system-defaults file Gemini
 * would otherwise read (the variable's value in the user's environment, or the machine's).
 */
export function writeGeminiHookSettings(
  dir: string,
  program: HookProgram,
  channelEnv: Record<string, string>,
  inheritedFrom: string = process.env.GEMINI_CLI_SYSTEM_DEFAULTS_PATH ?? machineSystemDefaultsPath(),
): GeminiLayer {
  const file = path.join(dir, 'gemini-system-defaults.json');
  fs.writeFileSync(file, JSON.stringify(withGeminiHooks(readSettings(inheritedFrom), program, channelEnv), null, 2), { mode: 0o600 });
  const layer: GeminiLayer = { file, env: { GEMINI_CLI_SYSTEM_DEFAULTS_PATH: file } };
  const refusal = geminiSystemLayerRefusal(file);
  if (refusal !== undefined) layer.refusal = refusal;
  return layer;
}

/**
 * The runtime's hooks as an addition to Gemini's user settings (`~/.gemini/settings.json`), for an
 * agent whose home is the runtime's own copy (a sandbox's private home): Gemini loads that layer
 * for any user, where the system layer needs root-owned files (docs/signals.md "Gemini CLI").
 */
export function geminiUserSettingsLayer(program: HookProgram, channelEnv: Record<string, string>): UserSettingsLayer {
  return { file: path.join('.gemini', 'settings.json'), merge: (existing) => withGeminiHooks(existing, program, channelEnv) };
}

/** One Gemini hook payload as a signal; undefined for an event this runtime does not use. */
export function parseGeminiHook(message: HookMessage): AgentSignal | undefined {
  const payload = isRecord(message.payload) ? message.payload : {};
  const tool = stringField(payload, 'tool_name') ?? '';
  switch (message.event) {
    case 'SessionStart':
      return { kind: 'session_started', sessionId: stringField(payload, 'session_id'), source: stringField(payload, 'source'), transcriptPath: stringField(payload, 'transcript_path') };
    case 'BeforeAgent':
      return { kind: 'turn_started', prompt: stringField(payload, 'prompt') };
    case 'BeforeTool':
      return { kind: 'tool_starting', tool, input: payload.tool_input ?? null };
    case 'AfterTool':
      return { kind: 'tool_finished', tool, input: payload.tool_input ?? null };
    case 'Notification': {
      const kind = stringField(payload, 'notification_type');
      // Gemini's permission question comes as a notification; its details name the tool.
      if (kind === 'ToolPermission') {
        const details = isRecord(payload.details) ? payload.details : {};
        return { kind: 'permission_requested', tool: stringField(details, 'name') ?? stringField(details, 'title') ?? '', input: details };
      }
      return { kind: 'notification', notificationKind: kind, message: stringField(payload, 'message') ?? '' };
    }
    case 'AfterAgent':
      return { kind: 'turn_ended', reply: stringField(payload, 'prompt_response'), transcriptPath: stringField(payload, 'transcript_path') };
    case 'SessionEnd':
      return { kind: 'session_ended', reason: stringField(payload, 'reason') };
    default:
      return undefined;
  }
}

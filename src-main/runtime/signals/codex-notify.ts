/**
 * Codex's `notify` program as a signal source (docs/signals.md "Codex").
 *
 * Codex runs the program configured as `notify` (an argv array) after every turn, with one JSON
 * argument appended:
 *   {"type":"agent-turn-complete","thread-id","turn-id","cwd","client":"codex-tui","input-messages":[…],"last-assistant-message": string|null}
 * It fires for side threads too: Codex generates a title for the first prompt on a thread of its
 * own and notifies its end as well (input "Generate a concise, single-line task title …", reply
 * `{"title":…}`), sometimes before the session's own turn. CodexThreadFilter tells them apart.
 * The runtime sets it for its own session only, with `-c notify=[…]` on the command line (a
 * per-run override of config.toml; the user's file is not touched). The same names are in the
 * bundled binaries of Codex 0.169.0 and 0.171.0; fixtures captured from both are in
 * test/fixtures/signals/codex-<version>/.
 *
 * A `-c notify` replaces a `notify` the user configured for the length of this run (Codex has one
 * notify program, not a list); docs/signals.md says what that costs and the plan for it.
 */
import type { HookMessage } from './channel';
import { hookArgv, type HookProgram } from './hook-command';
import { isRecord, stringField, type AgentSignal } from './signal';

/** The event name the hook client reports for a notify call. */
export const CODEX_NOTIFY_EVENT = 'notify';

/** A TOML basic string: JSON's string escapes are a subset TOML accepts. */
function tomlString(value: string): string {
  return JSON.stringify(value);
}

/** The arguments that make Codex call the hook client after each turn. */
export function codexNotifyArgs(program: HookProgram): string[] {
  const argv = hookArgv(program, CODEX_NOTIFY_EVENT).map(tomlString).join(',');
  return ['-c', `notify=[${argv}]`];
}

/** A notify payload as a signal; undefined for a notification type other than turn-complete. */
export function parseCodexNotify(message: HookMessage): AgentSignal | undefined {
  if (message.event !== CODEX_NOTIFY_EVENT || !isRecord(message.payload)) return undefined;
  const payload = message.payload;
  if (payload.type !== 'agent-turn-complete') return undefined;
  const inputs = payload['input-messages'];
  return {
    kind: 'turn_ended',
    reply: stringField(payload, 'last-assistant-message'),
    threadId: stringField(payload, 'thread-id'),
    prompts: Array.isArray(inputs) ? inputs.filter((i): i is string => typeof i === 'string') : [],
  };
}

/**
 * Keeps the session's own turns and drops side threads' (title generation). The session's thread
 * is learnt from the first turn whose inputs are exactly what the session typed; after that, only
 * that thread's turns count.
 */
export class CodexThreadFilter {
  private mainThread: string | undefined;

  /** `submitted`: the text the session sent for the turn in progress. */
  isSessionTurn(signal: AgentSignal, submitted: string | undefined): boolean {
    if (signal.kind !== 'turn_ended') return false;
    if (this.mainThread !== undefined) return signal.threadId === this.mainThread;
    if (submitted === undefined || !signal.prompts?.some((p) => p.trim() === submitted.trim())) return false;
    this.mainThread = signal.threadId;
    return true;
  }
}

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
 * notify program, not a list), so the user's program, read from their config.toml, is handed to the
 * hook client, which starts it with the same payload before forwarding (`--then=`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { HookMessage } from './channel';
import { hookArgv, type HookProgram } from './hook-command';
import { isRecord, stringField, type AgentSignal } from './signal';

/** The event name the hook client reports for a notify call. */
export const CODEX_NOTIFY_EVENT = 'notify';

/** A TOML basic string: JSON's string escapes are a subset TOML accepts. */
function tomlString(value: string): string {
  return JSON.stringify(value);
}

/** The hook client's argument that carries the user's own notify program (base64 of its JSON argv). */
export const CHAIN_PREFIX = '--then=';

/**
 * The arguments that make Codex call the hook client after each turn; `userNotify`, the program
 * the user configured, is passed on for the hook client to start with the same payload.
 */
export function codexNotifyArgs(program: HookProgram, userNotify?: readonly string[]): string[] {
  const chain = userNotify && userNotify.length > 0 ? [CHAIN_PREFIX + Buffer.from(JSON.stringify(userNotify), 'utf8').toString('base64')] : [];
  const argv = [...hookArgv(program, CODEX_NOTIFY_EVENT), ...chain].map(tomlString).join(',');
  return ['-c', `notify=[${argv}]`];
}

/** One TOML string (basic `"…"` with escapes, or literal `'…'`) at the start of `text`. */
const TOML_STRING = /^\s*(?:"((?:[^"\\\n]|\\.)*)"|'([^'\n]*)')\s*,?/;

/**
 * The top-level `notify = [ … ]` of a Codex config.toml, or undefined when there is none (or it is
 * not an array of strings). Only the top level counts: a `[profiles.x]` table's notify applies only
 * with that profile, which the runtime does not select.
 */
export function userCodexNotify(configToml: string): string[] | undefined {
  const firstTable = configToml.search(/^\s*\[/m);
  const topLevel = firstTable >= 0 ? configToml.slice(0, firstTable) : configToml;
  const start = /^\s*notify\s*=\s*\[/m.exec(topLevel);
  if (!start) return undefined;
  let rest = topLevel.slice(start.index + start[0].length);
  const argv: string[] = [];
  for (;;) {
    rest = rest.replace(/^(?:\s|#[^\n]*)*/, '');
    if (rest.startsWith(']')) return argv.length > 0 ? argv : undefined;
    const match = TOML_STRING.exec(rest);
    if (!match) return undefined;
    if (match[1] !== undefined) {
      try {
        argv.push(JSON.parse(`"${match[1]}"`) as string);
      } catch {
        return undefined; // a TOML escape JSON lacks (\U…): not worth guessing at
      }
    } else argv.push(match[2]);
    rest = rest.slice(match[0].length);
  }
}

/** The user's notify program from `$CODEX_HOME/config.toml` (default `~/.codex`), in the agent's environment. */
export function readUserCodexNotify(env: Record<string, string | undefined>): string[] | undefined {
  const home = env.CODEX_HOME ?? path.join(env.HOME ?? os.homedir(), '.codex');
  try {
    return userCodexNotify(fs.readFileSync(path.join(home, 'config.toml'), 'utf8'));
  } catch {
    return undefined; // no config: nothing of the user's to keep
  }
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

import type { AgentStatus } from '../../../src-shared/agent';
import { PASTE_END, PASTE_START } from '../../../src-shared/keys';
import type { CliAdapter } from '../adapters/types';
import { RuntimeError } from '../errors';
import type { Logger } from '../logger';
import type { ScreenModel } from '../screen/screen-model';
import { delay, type TerminalInput } from './input';

/**
 * The delivery protocol of a message: type it (bracketed-pasted when it is long or multi-line and
 * the program turned bracketed paste on), wait until the input box shows it, pause, press Enter,
 * and check that the input left the box, pressing Enter once more if not. Codex, for one, takes an
 * Enter that follows typed text too closely as part of a paste and inserts a newline instead of
 * submitting (docs/cli-behaviour.md).
 */

const ECHO_WAIT_MS = 1_500;
const SUBMIT_VERIFY_MS = 1_200;
/** Longer than this, or multi-line: pasted rather than typed. */
const PASTE_OVER_CHARS = 200;

/** The agent being delivered to: delivery stops when it exits or starts stopping. */
export interface DeliveryTarget {
  readonly isExited: boolean;
  readonly status: AgentStatus;
}

export interface DeliveryParts {
  screen: ScreenModel;
  adapter: CliAdapter;
  input: TerminalInput;
  log: Logger;
  target: DeliveryTarget;
}

export async function deliver(text: string, parts: DeliveryParts): Promise<void> {
  const { screen, adapter, input, log, target } = parts;
  const before = adapter.inputText(screen.snapshot());
  const paste = (text.includes('\n') || text.length > PASTE_OVER_CHARS) && screen.modes.bracketedPaste;
  input.write(paste ? PASTE_START + text + PASTE_END : text);
  if (adapter.inputText(screen.snapshot()) !== undefined || before !== undefined) {
    await waitForScreen(parts, () => {
      const now = adapter.inputText(screen.snapshot());
      return now !== undefined && now !== '' && now !== before;
    }, ECHO_WAIT_MS);
  }
  await delay(adapter.enterDelayMs + Math.min(Math.ceil(text.length / 1000) * 25, 300));
  assertDeliverable(target);
  input.write('\r');
  if (await waitForScreen(parts, () => submitted(parts, text), SUBMIT_VERIFY_MS)) return;
  assertDeliverable(target);
  log.info('input still in the box after Enter; pressing Enter again');
  input.write('\r');
  await waitForScreen(parts, () => submitted(parts, text), SUBMIT_VERIFY_MS);
}

function assertDeliverable(target: DeliveryTarget): void {
  if (target.isExited || target.status === 'stopping') throw new RuntimeError('AGENT_NOT_READY', 'The agent stopped while the message was being delivered.');
}

function submitted({ screen, adapter }: DeliveryParts, text: string): boolean {
  const box = adapter.inputText(screen.snapshot());
  if (box === undefined || box === '') return true;
  const probe = text.split('\n')[0].slice(0, 20);
  return !box.includes(probe) && !box.includes('Pasted text');
}

/** True once `predicate` holds on a parsed screen; false at the timeout or when the agent exits. */
function waitForScreen({ screen, target }: DeliveryParts, predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  if (predicate()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const finish = (value: boolean) => {
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    };
    const timer = setTimeout(() => finish(predicate()), timeoutMs);
    const unsubscribe = screen.onChange(() => {
      if (target.isExited || predicate()) finish(!target.isExited);
    });
  });
}

import type { AutoRespondConfig } from '../../../src-shared/agent';
import { Emitter, type Disposable } from '../../../src-shared/emitter';
import type { AutoAnswer, DetectedPrompt } from '../adapters/types';
import { KEY_GAP_MS } from './input';

/**
 * The runtime answering a CLI's routine dialogs itself (trust this folder, use this key, update,
 * telemetry), when the spawn's autoRespond allows that category and no person has taken over.
 * Each dialog (by fingerprint) is answered at most AUTO_ANSWER_MAX_TRIES times, so a dialog that
 * keeps coming back ends up as a question to a person rather than an endless loop of keys.
 */

/** How long an auto-answered prompt may stay on screen before we press its keys again. */
const AUTO_ANSWER_RETRY_MS = 1_500;
const AUTO_ANSWER_MAX_TRIES = 3;

export interface AutoAnswering {
  prompt: DetectedPrompt;
  answer: AutoAnswer;
  /** 1 for the first answer to this dialog. */
  tries: number;
}

/** Presses keys by name into the program (TerminalInput). */
export interface KeyPresser {
  pressKeys(keys: readonly string[]): Promise<void>;
}

/** When the program last printed something other than a resize redraw (SessionOutput). */
export interface OutputClock {
  readonly lastOutputAt: number;
}

export class AutoAnswerer {
  private readonly tries = new Map<string, number>();
  private readonly answering = new Emitter<[answering: AutoAnswering]>();
  private readonly keysLost = new Emitter<[prompt: DetectedPrompt]>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly config: AutoRespondConfig,
    private readonly input: KeyPresser,
    private readonly output: OutputClock,
  ) {}

  /** About to press a dialog's keys (the session reports it as an auto-responded blocking_prompt). */
  onAnswering(listener: (answering: AutoAnswering) => void): Disposable {
    return this.answering.on(listener);
  }

  /**
   * The program printed nothing at all after the keys: they were lost (Codex drops fast input).
   * If the same dialog is still what the screen shows, it should be judged (and answered) again.
   */
  onKeysLost(listener: (prompt: DetectedPrompt) => void): Disposable {
    return this.keysLost.on(listener);
  }

  /** Answers the prompt if the policy allows; false: it is a question for a person. */
  answer(prompt: DetectedPrompt, automationPaused: boolean): boolean {
    const auto = prompt.autoAnswer;
    if (!auto || !this.config[auto.category] || automationPaused) return false;
    const tries = (this.tries.get(prompt.fingerprint) ?? 0) + 1;
    if (tries > AUTO_ANSWER_MAX_TRIES) return false;
    this.tries.set(prompt.fingerprint, tries);
    this.answering.emit({ prompt, answer: auto, tries });
    const answeredAt = Date.now();
    void this.input.pressKeys(auto.keys);
    // Any output means the keys arrived, even if the dialog is still drawn (Gemini leaves an
    // answered dialog on screen while it restarts), and pressing again would land on whatever
    // comes next.
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (this.output.lastOutputAt > answeredAt + KEY_GAP_MS * auto.keys.length) return;
      this.keysLost.emit(prompt);
    }, AUTO_ANSWER_RETRY_MS);
    timer.unref();
    this.retryTimers.add(timer);
    return true;
  }

  /** The program exited: no more retries. */
  dispose(): void {
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    this.answering.dispose();
    this.keysLost.dispose();
  }
}

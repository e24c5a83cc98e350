import type { LoginTrustRules } from '../detect/login-trust';
import type { AgentType, ApprovalPreset, AutoRespondConfig, LoginInfo, ProviderCredentials, QuestionOption } from '../../../src-shared/agent';
import type { ScreenSnapshot } from '../screen/screen-model';

/**
 * A CLI adapter knows one agent CLI: how to launch it, and how to read its screen. It holds no
 * session state; the session and the state tracker call it with a snapshot and get a verdict.
 */

export type PromptKind =
  | 'trust_folder'
  | 'api_key'
  | 'update'
  | 'telemetry'
  | 'survey'
  | 'permission'
  | 'login_choice'
  | 'unknown';

/** A built-in answer to a prompt, and the auto-respond switch that governs it. */
export interface AutoAnswer {
  /** Rule name, reported in `blocking_prompt.rule`. */
  rule: string;
  category: keyof AutoRespondConfig;
  keys: string[];
}

export interface DetectedPrompt {
  kind: PromptKind;
  question: string;
  options: QuestionOption[];
  /** Present when the runtime may answer this prompt itself. */
  autoAnswer?: AutoAnswer;
  /** Identifies "the same prompt" across redraws, so it is answered once. */
  fingerprint: string;
}

/** What the screen says right now. */
export type ScreenState =
  | { kind: 'starting' }
  | { kind: 'ready' }
  | { kind: 'busy' }
  | { kind: 'prompt'; prompt: DetectedPrompt }
  | { kind: 'login'; login: LoginInfo };

export interface ClassifyContext {
  workdir: string;
  /** The spawn supplied the provider key (credentials, a key variable in its own `env`, or settings), not the user's env. */
  keyFromRuntime: boolean;
  /** Set between a submitted message and the end of its turn. */
  turn?: {
    message: string;
    /**
     * Logical lines that passed through the screen since the turn began, ending with the screen.
     * A long reply scrolls the echoed prompt off the screen; this is where to look for it.
     */
    lines: () => readonly string[];
  };
  /** Milliseconds since the CLI last printed anything. */
  quietMs: number;
  /** The agent has not been ready yet (first-start prompts may still be on their way). */
  startup?: boolean;
  /**
   * The agent showed a login screen and has shown no sign of being signed in since. A ready-looking
   * screen then counts only if it is the CLI's idle screen in full (not a menu drawn over it, which
   * can hide a "Not logged in" footer).
   */
  awaitingLogin?: boolean;
}

export interface AdapterLaunchContext {
  workdir: string;
  credentials: ProviderCredentials;
  env: Record<string, string>;
}

export interface ReplyCapture {
  /** The message that started the turn, if the turn came through `send`. */
  message?: string;
  /** Logical lines that passed through the screen during the turn, oldest first, ending with the final screen. */
  lines: string[];
}

export interface CliAdapter {
  readonly type: AgentType;
  readonly displayName: string;
  /** Executable name looked up on the (augmented) PATH. */
  readonly command: string;
  readonly installHint: string;
  readonly versionArgs: readonly string[];
  /**
   * How long a new screen state must hold before it counts. Long enough to reject a redraw flicker,
   * short enough that `ready` follows the idle prompt within 300 ms.
   */
  readonly settleMs: number;
  /**
   * Set by adapters whose classification changes with time alone (quiet output counts as ready
   * after this long): the tracker then looks again that long after the screen last changed.
   */
  readonly quietReadyMs?: number;
  /** Pause between typing a message and pressing Enter. */
  readonly enterDelayMs: number;
  defaultArgs(context: AdapterLaunchContext): string[];
  /** The CLI's flags for an approval preset (Parallax's presets: readonly … autonomous). */
  approvalArgs?(preset: ApprovalPreset): string[];
  /** Variables for the CLI, including provider keys. */
  env(context: AdapterLaunchContext): Record<string, string>;
  classify(screen: ScreenSnapshot, context: ClassifyContext): ScreenState;
  /** The text in the input box, '' if it is empty (or shows its placeholder), undefined if no box is visible. */
  inputText(screen: ScreenSnapshot): string | undefined;
  /** The reply of one turn, without the echoed prompt, input box, spinners, footers or status lines. */
  extractReply(capture: ReplyCapture): string;
  /** Login needed, judged from the last screen of a CLI that exited (Claude exits when logged out). */
  loginOnExit?(screen: ScreenSnapshot): LoginInfo | undefined;
  /**
   * Where this CLI's own login screens send people. Absent (shell, custom): login URLs come from
   * generic detection, which any program's output can trigger, so they are never trusted.
   */
  readonly loginTrust?: LoginTrustRules;
}

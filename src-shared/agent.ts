import type { AgentIsolation, IsolationSpec } from './isolation';

/**
 * The agent handle and everything a client needs to describe or spawn an agent.
 * Shaped after the Parallax runtime-interface `AgentHandle`/`AgentConfig` (docs/compatibility.md "Shapes shared with Parallax"),
 * with the extra fields Raven Docs reads (`runtimeSessionId`, `runtimeEndpoint`) and a few of our own.
 */

/** Canonical agent types. Aliases (see {@link AGENT_TYPE_ALIASES}) resolve to one of these. */
export const AGENT_TYPES = ['claude-code', 'codex', 'gemini-cli', 'aider', 'custom', 'shell', 'echo'] as const;
export type AgentType = (typeof AGENT_TYPES)[number];

/**
 * Every spelling a client may send. Raven's UI sends `claude-code`/`gemini-cli`; its swarm code
 * normalises to `claude`/`gemini`; Parallax uses `claude`/`codex`/`gemini` (docs/compatibility.md "Agent type names").
 */
export const AGENT_TYPE_ALIASES: Readonly<Record<string, AgentType>> = {
  'claude-code': 'claude-code',
  claude: 'claude-code',
  claudecode: 'claude-code',
  claude_code: 'claude-code',
  codex: 'codex',
  'openai-codex': 'codex',
  'gpt-codex': 'codex',
  'gemini-cli': 'gemini-cli',
  gemini: 'gemini-cli',
  gemini_cli: 'gemini-cli',
  aider: 'aider',
  custom: 'custom',
  shell: 'shell',
  /** Built-in test agent: answers every message with the message (Parallax's scripts spawn it). */
  echo: 'echo',
};

/**
 * Terminal sizes accepted for spawn and resize. Below 20×5 the TUIs cannot draw their input box;
 * above 1000×500 a single screen would hold half a million cells in every viewer and in the
 * runtime's own screen model.
 */
export const MIN_COLS = 20;
export const MAX_COLS = 1000;
export const MIN_ROWS = 5;
export const MAX_ROWS = 500;

export function isValidTerminalSize(cols: unknown, rows: unknown): boolean {
  return Number.isInteger(cols) && Number.isInteger(rows) && (cols as number) >= MIN_COLS && (cols as number) <= MAX_COLS && (rows as number) >= MIN_ROWS && (rows as number) <= MAX_ROWS;
}

/** Resolves a client-supplied type name (case and surrounding space ignored); undefined if unknown. */
export function resolveAgentType(name: string): AgentType | undefined {
  const key = name.trim().toLowerCase();
  return Object.prototype.hasOwnProperty.call(AGENT_TYPE_ALIASES, key) ? AGENT_TYPE_ALIASES[key] : undefined;
}

/**
 * Lifecycle: `pending → starting → (authenticating) → ready ⇄ busy → stopping → stopped`, plus `error`,
 * and `waiting_input` when the agent asked something (a permission question, an unknown prompt) and
 * waits for an answer through keys or raw input.
 */
export const AGENT_STATUSES = [
  'pending',
  'starting',
  'authenticating',
  'ready',
  'busy',
  'waiting_input',
  'stopping',
  'stopped',
  'error',
] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** Statuses in which the agent's process is gone. */
export function isTerminalStatus(status: AgentStatus): boolean {
  return status === 'stopped' || status === 'error';
}

/** How a CLI wants the person to log in (mirrors pty-manager's `auth_required.method`). */
export type LoginMethod = 'device_code' | 'oauth_browser' | 'api_key' | 'cli_auth' | 'unknown';

export interface LoginInfo {
  method: LoginMethod;
  /** A real URL, joined back together when the terminal wrapped it. */
  loginUrl?: string;
  /**
   * Set with `loginUrl`. true: the URL was on the CLI's own login screen and points at its
   * provider (or at a base URL the spawn configured). false: any program could have printed it
   * (shell and custom agents, or an unknown host); show it with a warning, never open it unasked.
   */
  trusted?: boolean;
  deviceCode?: string;
  instructions: string;
  /** When the CLI shows a chooser of sign-in methods, its entries (answered through keys). */
  options?: QuestionOption[];
}

/** One answer to a question on screen, with the keys that choose it. */
export interface QuestionOption {
  label: string;
  /** Key names (see keys.ts) that select this option and confirm it. */
  keys: string[];
}

export interface PendingQuestion {
  question: string;
  options: QuestionOption[];
  /** What kind of prompt the detector recognised, e.g. `permission`, `trust_folder`, `unknown`. */
  kind: string;
  /**
   * For a permission question raised while the CLI's permission hook is pending (docs/signals.md):
   * the tool the CLI asks about, by the CLI's own name (`Write`, `Bash`, `run_shell_command`, …).
   */
  tool?: string;
  /** With `tool`: the tool's input as the CLI's hook gave it (a JSON value: the command, the file and its content, …). */
  input?: unknown;
}

/** Built-in auto-responses, each switchable off per spawn or in settings. */
export interface AutoRespondConfig {
  /** "Do you trust this folder?" — only ever answered for the spawn's own workdir. */
  trustFolder: boolean;
  /** Claude's "Detected a custom API key… use this API key?" — only when the key came from the spawn or settings. */
  apiKey: boolean;
  /** Update offers: declined so the CLI does not restart itself mid-session. */
  update: boolean;
  /** Telemetry / usage-data opt-ins: declined. */
  telemetry: boolean;
  /** In-session feedback surveys: dismissed. */
  survey: boolean;
}

export const DEFAULT_AUTO_RESPOND: Readonly<AutoRespondConfig> = {
  trustFolder: true,
  apiKey: true,
  update: true,
  telemetry: true,
  survey: true,
};

export interface ProviderCredentials {
  anthropicKey?: string;
  openaiKey?: string;
  googleKey?: string;
}

/**
 * How much the CLI may do without asking (Parallax/coding-agent-adapters presets). Each adapter maps
 * it to its CLI's own flags; unset means the CLI's own default.
 */
export const APPROVAL_PRESETS = ['readonly', 'standard', 'permissive', 'autonomous'] as const;
export type ApprovalPreset = (typeof APPROVAL_PRESETS)[number];

/** The spawn request, as `POST /agents` takes it (Parallax `AgentConfig` plus our fields). */
export interface SpawnConfig {
  id?: string;
  name?: string;
  type: string;
  workdir?: string;
  /** For `custom`: the program. */
  command?: string;
  /** For `custom`: its arguments; for the other types: extra arguments after the adapter's own. */
  args?: string[];
  env?: Record<string, string>;
  credentials?: ProviderCredentials;
  cols?: number;
  rows?: number;
  capabilities?: string[];
  role?: string;
  autoRespond?: Partial<AutoRespondConfig>;
  approvalPreset?: ApprovalPreset;
  /** Where the agent runs: `none` (as the user), `sandbox` or `container` (docs/isolation.md). */
  isolation?: IsolationSpec;
}

/**
 * One message to or from an agent, shaped as Parallax's `AgentMessage` (docs/compatibility.md "Shapes shared with Parallax"): `send` answers with one, and `message` events carry one.
 * Replies are `outbound`/`response` (or `question` when the turn stopped at a question); a
 * message delivered without waiting for the reply is `inbound`/`task`.
 */
export interface AgentMessage {
  /** `<agentId>-msg-<n>`, counting per agent. */
  id: string;
  agentId: string;
  direction: 'inbound' | 'outbound';
  type: 'task' | 'response' | 'question';
  content: string;
  timestamp: string;
  /** For a reply: the message that started the turn. */
  inReplyTo?: string;
}

export interface AgentHandle {
  id: string;
  /** Always equal to `id`: Raven keys terminals by it and assumes the two match (docs/compatibility.md "Agent ids"). */
  runtimeSessionId: string;
  runtimeEndpoint?: string;
  name: string;
  type: AgentType;
  status: AgentStatus;
  pid?: number;
  role?: string;
  capabilities: string[];
  workdir: string;
  command: string;
  args: string[];
  cols: number;
  rows: number;
  createdAt: string;
  startedAt?: string;
  lastActivityAt?: string;
  stoppedAt?: string;
  exitCode?: number | null;
  /** Why the process ended: `normal exit`, `exit code 1`, `killed by signal 9`, `stopped` (asked to). */
  reason?: string;
  /**
   * Why the agent failed: it could not be started, or it exited during start-up (then with the
   * CLI's last words, or the login it was waiting for). Kept after it stopped.
   */
  error?: string;
  /** The CLI's version as its `--version` printed it, when known. */
  version?: string;
  /** True while a person has taken over: no auto-responses, no sends. */
  automationPaused: boolean;
  /** Set while status is `waiting_input`. */
  question?: PendingQuestion;
  /** Set while status is `authenticating`. */
  login?: LoginInfo;
  /** The last login the CLI asked for, kept after it signed in or exited: what a person must fix. */
  lastLogin?: LoginInfo;
  /**
   * Set while a busy agent's screen has been still without a recognisable dialog for longer than
   * the stall threshold (ISO time of its last change); see the `agent_stalled` event.
   */
  stalledSince?: string;
  /**
   * The structured signal sources of this agent beside its screen (docs/signals.md "Fused"):
   * present for an agent whose CLI has them (Claude Code, Codex, Gemini CLI) unless signals are
   * switched off; `hooks` false while none has arrived (or the CLI would not load them).
   */
  signals?: AgentSignalSources;
  /** How the agent is isolated (`{mode:"none"}` when it runs as the user). */
  isolation?: AgentIsolation;
}

export interface AgentSignalSources {
  /** True once a hook of this agent has reached the runtime and while its channel is open. */
  hooks: boolean;
  /** When the last hook arrived (ISO time). */
  lastHookAt?: string;
}

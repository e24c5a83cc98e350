import type { AgentHandle, AgentMessage, AgentStatus, LoginMethod, QuestionOption } from './agent';
import type { ErrorCode } from './errors';

/**
 * Runtime events, one discriminated union. Every event names its agent both as `agentId` and as the
 * full `agent` handle, because Raven resolves `data.agent || data` and then `agent.id || data.agentId`
 * (docs/compatibility.md "The event stream").
 */
interface AgentEventBase {
  agentId: string;
  agent: AgentHandle;
}

export interface AgentStartedEvent extends AgentEventBase {
  type: 'agent_started';
}
export interface AgentReadyEvent extends AgentEventBase {
  type: 'agent_ready';
  runtimeSessionId: string;
}
export interface StatusChangedEvent extends AgentEventBase {
  type: 'status_changed';
  status: AgentStatus;
  previous: AgentStatus;
}
export interface LoginRequiredEvent extends AgentEventBase {
  type: 'login_required';
  loginUrl?: string;
  /** See LoginInfo.trusted: false means the URL must not be opened without asking. */
  trusted?: boolean;
  deviceCode?: string;
  instructions: string;
  method: LoginMethod;
}
export interface QuestionEvent extends AgentEventBase {
  type: 'question';
  question: string;
  options: QuestionOption[];
  kind: string;
  /** The tool a permission question is about, from the CLI's permission hook (see PendingQuestion). */
  tool?: string;
  /** With `tool`: the tool's input from the hook. */
  input?: unknown;
}
export interface BlockingPromptEvent extends AgentEventBase {
  type: 'blocking_prompt';
  prompt: string;
  /** Which built-in rule answered it, when one did. */
  rule?: string;
  autoResponded: boolean;
}
export interface MessageEvent extends AgentEventBase {
  type: 'message';
  /** The agent's reply to one turn, cleaned of TUI chrome. */
  content: string;
  /** The message that started the turn, when the turn came through `send`. */
  inReplyTo?: string;
  /**
   * The same reply as Parallax's `AgentMessage`: its client reads `data.message`, and on the
   * legacy `/ws` socket hands a `message` frame to `subscribe(agentId)` only when
   * `data.message.agentId` is set.
   */
  message: AgentMessage;
}
export interface AgentStoppedEvent extends AgentEventBase {
  type: 'agent_stopped';
  reason: string;
  exitCode: number | null;
}
/** The terminal size changed (through the API, a terminal socket, or the desktop app). */
export interface TerminalResizedEvent extends AgentEventBase {
  type: 'terminal_resized';
  cols: number;
  rows: number;
}
/**
 * The agent was forgotten (`DELETE /agents/:id`, or clearing stopped agents): its id now answers
 * AGENT_NOT_FOUND and UIs drop its row. Its recording stays under /transcripts.
 */
export interface AgentRemovedEvent extends AgentEventBase {
  type: 'agent_removed';
}
export interface AgentErrorEvent extends AgentEventBase {
  type: 'agent_error';
  error: string;
  code: ErrorCode;
}

/**
 * A busy agent's screen has been still for `stillForMs` with no spinner and no dialog the runtime can
 * recognise: it may be stuck. The status stays `busy`; the handle's `stalledSince` says since when.
 * A later screen change clears it.
 */
export interface AgentStalledEvent extends AgentEventBase {
  type: 'agent_stalled';
  stillForMs: number;
  /** The last few lines on screen, so a caller can judge without fetching the output. */
  screenTail: string;
}

export type RuntimeEvent =
  | AgentStartedEvent
  | AgentReadyEvent
  | StatusChangedEvent
  | LoginRequiredEvent
  | QuestionEvent
  | BlockingPromptEvent
  | MessageEvent
  | AgentStoppedEvent
  | TerminalResizedEvent
  | AgentErrorEvent
  | AgentRemovedEvent
  | AgentStalledEvent;

export type RuntimeEventType = RuntimeEvent['type'];

export const RUNTIME_EVENT_TYPES: readonly RuntimeEventType[] = [
  'agent_started',
  'agent_ready',
  'status_changed',
  'login_required',
  'question',
  'blocking_prompt',
  'message',
  'agent_stopped',
  'terminal_resized',
  'agent_error',
  'agent_removed',
  'agent_stalled',
];

/** The frame on `/ws/events` and `/events` (SSE): `{event, data, timestamp}` as Parallax sends it. */
export interface EventFrame<E extends RuntimeEvent = RuntimeEvent> {
  event: E['type'];
  data: Omit<E, 'type'>;
  timestamp: string;
}

export function toEventFrame<E extends RuntimeEvent>(event: E, at: Date = new Date()): EventFrame<E> {
  const { type, ...data } = event;
  return { event: type, data, timestamp: at.toISOString() };
}

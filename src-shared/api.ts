import type { AgentHandle, AgentMessage, AgentStatus, AgentType, PendingQuestion, ProviderCredentials, SpawnConfig } from './agent';
import type { ErrorBody, ErrorCode } from './errors';
import type { EventFrame } from './events';
import type { ThreadEventFrame, ThreadHandle } from './threads';
import type { IsolationSpec, IsolationSupport } from './isolation';

/**
 * Request and response bodies of the HTTP + WebSocket API (shared by the server and the UI).
 * Every REST route is served both under `/api` (as Parallax and Raven Docs call it) and without
 * it (as the local-runtime docs show it); WebSockets live at the host root because Raven replaces
 * the whole path when it builds a socket URL (docs/compatibility.md "Ports and URLs").
 */

export const API_PREFIX = '/api';

/** How the runtime names itself in `/`, `/health` (`runtime.name`) and 401 bodies (`service`), so a probe can recognise it. */
export const SERVICE_NAME = 'Raven Agent Runtime';

// ───────────────────────────── service ─────────────────────────────

/** `GET /` for non-browser clients (Parallax's scripts only check for 200). */
export interface ServiceDescription {
  service: string;
  version: string;
  ui: { built: boolean; path: string };
  endpoints: {
    health: string;
    agents: string;
    threads: string;
    spawn: string;
    events: string;
    metrics: string;
    openapi: string;
    websocket: { general: string; events: string; terminal: string };
  };
}

export interface AdapterHealth {
  type: AgentType;
  displayName: string;
  installed: boolean;
  version?: string;
  installHint: string;
}

/** `GET /health`. Always 200: clients read `healthy`, as Parallax's do. */
export interface HealthResponse {
  healthy: boolean;
  version: string;
  /** Agents whose process is alive. */
  activeAgents: number;
  maxAgents: number;
  /** Seconds since the runtime started. */
  uptime: number;
  /** e.g. "2 agents (1 ready, 1 busy)". */
  message: string;
  adapters: AdapterHealth[];
  runtime: { name: string; type: 'local'; activeAgents: number };
  /** Which isolation modes this machine supports, and the default (docs/isolation.md). */
  isolation?: IsolationSupport;
}

// ───────────────────────────── agents ─────────────────────────────

export interface AgentListResponse {
  agents: AgentHandle[];
  count: number;
}

/**
 * `POST /agents`: the runtime's spawn config plus the Parallax `AgentConfig` fields that clients
 * send. `reportsTo`, `resources`, `autoRestart` and `idleTimeout` are accepted and ignored;
 * `executionId` becomes `PARALLAX_EXECUTION_ID` in the agent's environment, as in Parallax.
 */
export interface CreateAgentRequest extends Omit<SpawnConfig, 'credentials'> {
  credentials?: ProviderCredentials & { githubToken?: string; custom?: Record<string, string> };
  reportsTo?: string;
  resources?: { cpu?: number | string; memory?: number | string; timeout?: number };
  autoRestart?: boolean;
  idleTimeout?: number;
  executionId?: string;
}

export interface SendRequest {
  message: string;
  /** Milliseconds to wait for the turn to end (default: the runtime's DEFAULT_TIMEOUT). */
  timeout?: number;
  /** false: return once the message is delivered. */
  expectResponse?: boolean;
}

export interface SendResponse {
  sent: true;
  status: AgentStatus;
  /**
   * The reply (`outbound`, `response`, or `question` when the turn stopped at one). With
   * `expectResponse:false`, the delivered message itself (`inbound`, `task`), as Parallax answers.
   */
  response: AgentMessage;
  /** Set when the turn stopped at a question (status `waiting_input`). */
  question?: PendingQuestion;
}

export interface LogsResponse {
  logs: string[];
  count: number;
}

/** Parallax runtime-interface `AgentLogEntry` (`?format=json`). */
export interface LogEntry {
  timestamp: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  metadata?: Record<string, unknown>;
}

export interface LogEntriesResponse {
  entries: LogEntry[];
}

export interface OutputResponse {
  output: string;
}

export interface KeysRequest {
  keys: string | string[];
}

export interface KeysResponse {
  sent: true;
  keys: string[];
}

export interface InputRequest {
  data: string;
}

export interface InputResponse {
  sent: true;
  length: number;
}

export interface ResizeRequest {
  cols: number;
  rows: number;
}

export interface ResizeResponse {
  cols: number;
  rows: number;
}

/** `POST /agents/:id/stop` (Raven sends no body). */
export interface StopRequest {
  force?: boolean;
  /** SIGTERM → SIGKILL grace in ms. */
  timeout?: number;
}

/** `DELETE /agents?status=stopped`: the ids of the agents forgotten. */
export interface ClearAgentsResponse {
  cleared: string[];
}

export interface StopResponse {
  stopped: true;
  agent: AgentHandle;
}

export interface AgentMetrics {
  agentId: string;
  status: AgentStatus;
  /** Seconds since the process started (until it stopped). */
  uptime: number;
  /** Completed turns (`message` events). */
  messageCount: number;
  questionCount: number;
  autoResponses: number;
  /** UTF-16 code units of terminal output since start. */
  outputChars: number;
  /** Terminal WebSockets attached now. */
  viewers: number;
  startedAt?: string;
  lastActivityAt?: string;
}

export interface RuntimeMetrics {
  version: string;
  uptime: number;
  maxAgents: number;
  agents: { total: number; live: number; byStatus: Partial<Record<AgentStatus, number>> };
  viewers: number;
  /** Output accepted for terminal viewers but not yet sent (bounded by flow control). */
  viewerBufferedBytes: number;
  eventSubscribers: number;
  http: { requests: number };
  process: { rssBytes: number; heapUsedBytes: number; eventLoopLagP50Ms: number; eventLoopLagP99Ms: number; eventLoopLagMaxMs: number };
}

// ───────────────────────────── Raven Docs ─────────────────────────────

/** `POST /api/spawn` as Raven Docs sends it (docs/compatibility.md "Spawning from Raven"). */
export interface RavenSpawnRequest {
  agentType: string;
  count?: number;
  name?: string;
  capabilities?: string[];
  permissions?: string[];
  config?: {
    workdir?: string;
    env?: Record<string, string>;
    adapterConfig?: {
      interactive?: boolean;
      approvalPreset?: 'readonly' | 'standard' | 'permissive' | 'autonomous';
      /** Runtime extension: the agents' isolation, as `POST /agents`'s `isolation`. */
      isolation?: IsolationSpec;
      [key: string]: unknown;
    };
    contextFiles?: { path: string; content: string }[];
    repoUrl?: string;
    branch?: string;
    /** Runtime extension: the program of a `custom` agent and its arguments. */
    command?: string;
    args?: string[];
  };
  workspaceId?: string;
  callbackUrl?: string;
  projectId?: string;
  taskId?: string;
}

export interface RavenSpawnedAgent {
  id: string;
  name: string;
  status: AgentStatus;
  runtimeSessionId: string;
  runtimeEndpoint: string;
}

export interface RavenSpawnResponse {
  agents: RavenSpawnedAgent[];
}

/** What the runtime POSTs to a spawn's `callbackUrl` (docs/compatibility.md "The spawn callback"). */
export interface SpawnCallbackBody {
  workspaceId?: string;
  agentId: string;
  status: 'ready' | 'requires_login' | 'failed';
  error?: string;
  loginUrl?: string;
  runtimeSessionId: string;
  runtimeEndpoint: string;
}

// ───────────────────────────── errors ─────────────────────────────

export type ApiErrorBody = ErrorBody;

// ───────────────────────────── terminal socket ─────────────────────────────

/**
 * Close codes of `/ws/agents/:id/terminal` and `/ws/events`. 4404 is Parallax's; the others are ours,
 * in the 4000–4999 range the WebSocket spec leaves to applications.
 */
export const WS_CLOSE = {
  /** No agent with that id. */
  AGENT_NOT_FOUND: 4404,
  /** The viewer could not keep up; reconnect to get a fresh snapshot of the screen. */
  TOO_SLOW: 4408,
  /** The agent's process ended. */
  AGENT_STOPPED: 4410,
  /** Bad query parameters on the socket URL. */
  BAD_REQUEST: 4400,
  /** The server is shutting down. */
  GOING_AWAY: 1001,
  /** The server hit an unexpected error handling this socket; other sockets are unaffected. */
  INTERNAL_ERROR: 1011,
} as const;

export type TerminalMode = 'control' | 'read-only';

/**
 * First frame on a terminal socket that asked for control frames (`?frames=1`). Without it a
 * terminal socket carries terminal bytes only, as Raven Docs' gateway needs.
 */
export interface TerminalConnectedFrame {
  type: 'connected';
  agentId: string;
  viewerId: number;
  mode: TerminalMode;
  cols: number;
  rows: number;
  timestamp: string;
}

/** The viewer is read-only (it connected with `?mode=view`); every other viewer may type. */
export interface TerminalModeFrame {
  type: 'mode';
  mode: TerminalMode;
  reason: string;
}

/** The PTY was resized (by another viewer or the HTTP API). */
export interface TerminalResizedFrame {
  type: 'resized';
  cols: number;
  rows: number;
}

export interface SocketErrorFrame {
  type: 'error';
  code: ErrorBody['code'];
  error: string;
}

export interface PongFrame {
  type: 'pong';
  timestamp: string;
}

export type TerminalServerFrame = TerminalConnectedFrame | TerminalModeFrame | TerminalResizedFrame | SocketErrorFrame | PongFrame;

/** JSON control frames a terminal client may send; any other text frame is raw input. */
export type TerminalClientFrame = { type: 'resize'; cols: number; rows: number } | { type: 'ping' };

// ───────────────────────────── events socket / SSE ─────────────────────────────

/**
 * First frame on `/ws/events`, `/ws` and `GET /events`: every agent's and thread's current state
 * (filtered by `?agentId=` / `?threadId=`), so a client that reconnects misses nothing.
 */
export interface EventsSnapshotFrame {
  event: 'snapshot';
  data: { agents: AgentHandle[]; count: number; threads: ThreadHandle[] };
  timestamp: string;
}

/**
 * The runtime is shutting down: sent first, before its agents are stopped (each then sends its
 * `agent_stopped`) and before the sockets close. A UI shows "the runtime stopped" rather than a
 * lost connection, and reconciles with the next snapshot when it comes back.
 */
export interface RuntimeStoppingFrame {
  event: 'runtime_stopping';
  data: { reason: string; agents: number };
  timestamp: string;
}

export type EventsServerFrame = EventFrame | ThreadEventFrame | EventsSnapshotFrame | RuntimeStoppingFrame | PongFrame | SocketErrorFrame;

/** Agent events as the legacy `/ws` socket also names them for a `?agentId=` subscriber (docs/compatibility.md "Parallax's general socket"). */
export const LEGACY_AGENT_EVENT_NAMES = {
  agent_ready: 'ready',
  agent_stopped: 'stopped',
  agent_error: 'error',
  login_required: 'login_required',
  message: 'message',
  question: 'question',
} as const;

/** A client command on the legacy `/ws` socket. */
export type LegacyClientFrame = { type: 'send'; agentId: string; message: string } | { type: 'ping' };
/** The answer to a legacy `send` command. */
export type LegacySendResultFrame = { type: 'sent'; agentId: string; timestamp: string } | { type: 'error'; agentId?: string; code: ErrorCode; error: string; timestamp: string };

/** `GET /agents/:id/stream` with `Accept: text/event-stream`: the `data` of each message. */
export type StreamMessage = { type: 'output'; data: string } | { type: 'end'; reason: string; status: AgentStatus };

// ───────────────────────────── recordings ─────────────────────────────

/** One recorded session (`GET /transcripts`): the `meta.json` next to its asciicast parts. */
export interface TranscriptMeta {
  id: string;
  name: string;
  type: string;
  workdir: string;
  command: string;
  args: string[];
  createdAt: string;
  stoppedAt?: string;
  exitCode?: number | null;
  /** Part files (`0001.cast`, …), oldest first; rotated-out parts are gone. */
  parts: string[];
}

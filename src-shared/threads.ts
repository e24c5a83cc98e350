import type { AgentStatus } from './agent';

/**
 * Parallax threads (docs/compatibility.md "Parallax threads"): a thread is an agent spawned for one
 * objective of an orchestration run (`executionId`), seen through a coarser status vocabulary. The
 * Parallax control plane drives threads through `/api/threads`; every thread owns exactly one agent.
 */

export const THREAD_STATUSES = [
  'pending',
  'preparing',
  'starting',
  'ready',
  'running',
  'blocked',
  'idle',
  'waiting',
  'completed',
  'failed',
  'stopped',
] as const;
export type ThreadStatus = (typeof THREAD_STATUSES)[number];

/**
 * Agent status → thread status, as Parallax's local runtime maps it, except for the two states it
 * lacks: `waiting_input` (a question) and `authenticating` are `blocked`, because here both end
 * when a person answers or signs in, and the agent moves on by itself. Parallax calls a login
 * `failed` since its threads could never recover from one.
 */
export function threadStatusFor(status: AgentStatus): ThreadStatus {
  switch (status) {
    case 'pending':
      return 'pending';
    case 'starting':
      return 'starting';
    case 'authenticating':
    case 'waiting_input':
      return 'blocked';
    case 'ready':
      return 'ready';
    case 'busy':
      return 'running';
    case 'stopping':
    case 'stopped':
      return 'stopped';
    case 'error':
      return 'failed';
  }
}

export interface ThreadWorkspace {
  workspaceId?: string;
  /** The folder the agent works in. */
  path: string;
  repo?: string;
  branch?: string;
  worktreeId?: string;
}

export interface ThreadCompletion {
  /** `partial`: a turn ended; whether the objective is met is the orchestrator's call. */
  state: 'partial';
  /** The last few lines of the turn's reply. */
  summary: string;
}

export interface ThreadHandle {
  id: string;
  executionId: string;
  /** Which runtime holds the thread (Parallax routes follow-up calls by it). */
  runtimeName: string;
  agentId?: string;
  agentType: string;
  name: string;
  role?: string;
  status: ThreadStatus;
  workspace?: ThreadWorkspace;
  objective: string;
  createdAt: string;
  updatedAt: string;
  lastActivityAt?: string;
  summary?: string;
  completion?: ThreadCompletion;
  metadata?: Record<string, unknown>;
}

export const THREAD_EVENT_TYPES = [
  'thread_started',
  'thread_ready',
  'thread_blocked',
  'thread_auth_required',
  'thread_turn_complete',
  'thread_stopped',
  'thread_failed',
] as const;
export type ThreadEventType = (typeof THREAD_EVENT_TYPES)[number];

export interface ThreadEvent {
  threadId: string;
  executionId: string;
  type: ThreadEventType;
  timestamp: string;
  data?: Record<string, unknown>;
}

/** `thread_event` on `/ws/events`, `/ws` and `GET /events`. */
export interface ThreadEventFrame {
  event: 'thread_event';
  data: { thread: ThreadHandle; event: ThreadEvent };
  timestamp: string;
}

export interface ThreadListResponse {
  threads: ThreadHandle[];
  count: number;
}

/** `POST /threads/:id/send`: at least one of the three; they are delivered in this order. */
export interface ThreadSendRequest {
  message?: string;
  raw?: string;
  keys?: string[];
  metadata?: Record<string, unknown>;
}

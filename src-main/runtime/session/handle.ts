import type { AgentIsolation } from '../../../src-shared/isolation';
import type { AgentHandle, AgentSignalSources, AgentStatus, AgentType, LoginInfo, PendingQuestion } from '../../../src-shared/agent';

/**
 * The AgentHandle: the snapshot of a session every API answer and event carries. Built from plain
 * facts, so what the wire shows (ISO times, a question only while waiting_input, a login only while
 * authenticating) is decided here and nowhere else.
 */

export interface HandleFacts {
  id: string;
  name: string;
  type: AgentType;
  status: AgentStatus;
  pid: number | undefined;
  role: string | undefined;
  capabilities: readonly string[];
  workdir: string;
  command: string;
  args: readonly string[];
  cols: number;
  rows: number;
  version: string | undefined;
  createdAt: Date;
  startedAt: Date | undefined;
  /** Last output or input (ms); 0 before start. */
  lastActivityMs: number;
  stoppedAt: Date | undefined;
  exitCode: number | null | undefined;
  reason: string | undefined;
  error: string | undefined;
  automationPaused: boolean;
  question: PendingQuestion | undefined;
  login: LoginInfo | undefined;
  lastLogin: LoginInfo | undefined;
  /** Last screen change of a busy agent reported as stalled (ms), while it lasts. */
  stalledSince: number | undefined;
  signals?: AgentSignalSources;
  /** Absent means no isolation: the handle still says `{mode:"none"}`, so clients can rely on the field. */
  isolation?: AgentIsolation;
}

export function buildHandle(facts: HandleFacts): AgentHandle {
  return {
    id: facts.id,
    runtimeSessionId: facts.id,
    name: facts.name,
    type: facts.type,
    status: facts.status,
    pid: facts.pid,
    role: facts.role,
    capabilities: [...facts.capabilities],
    workdir: facts.workdir,
    command: facts.command,
    args: [...facts.args],
    cols: facts.cols,
    rows: facts.rows,
    createdAt: facts.createdAt.toISOString(),
    startedAt: facts.startedAt?.toISOString(),
    lastActivityAt: facts.lastActivityMs > 0 ? new Date(facts.lastActivityMs).toISOString() : undefined,
    stoppedAt: facts.stoppedAt?.toISOString(),
    exitCode: facts.exitCode,
    reason: facts.reason,
    error: facts.error,
    version: facts.version,
    automationPaused: facts.automationPaused,
    question: facts.status === 'waiting_input' ? facts.question : undefined,
    login: facts.status === 'authenticating' ? facts.login : undefined,
    lastLogin: facts.lastLogin,
    stalledSince: facts.stalledSince !== undefined ? new Date(facts.stalledSince).toISOString() : undefined,
    signals: facts.signals,
    isolation: facts.isolation ?? { mode: 'none' },
  };
}

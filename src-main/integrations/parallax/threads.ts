import * as fs from 'node:fs';
import type { AgentHandle, ApprovalPreset } from '../../../src-shared/agent';
import type { IsolationSpec } from '../../../src-shared/isolation';
import type { RuntimeEvent } from '../../../src-shared/events';
import { Emitter } from '../../../src-shared/emitter';
import {
  threadStatusFor,
  type ThreadEvent,
  type ThreadEventType,
  type ThreadHandle,
  type ThreadSendRequest,
  type ThreadStatus,
  type ThreadWorkspace,
} from '../../../src-shared/threads';
import { newAgentId, timeOrderedId, type AgentManager } from '../../runtime/agent-manager';
import { RuntimeError } from '../../runtime/errors';
import type { Logger } from '../../runtime/logger';
import { writeContextFiles, type ContextFile } from '../../workspace/context-files';
import { scratchWorkdir } from '../../workspace/scratch';

/**
 * Parallax threads on top of agents (docs/compatibility.md "Parallax threads"): spawning a thread
 * prepares its folder, writes its context files and spawns one agent with the thread's variables;
 * from then on the agent's events are projected onto the thread (status, summary, completion) and
 * re-published as thread events. Like Parallax's local runtime, spawning does not send the
 * objective: the orchestrator sends the first message itself, and sending it here would deliver
 * it twice.
 */

export interface SpawnThreadInput {
  executionId: string;
  agentType: string;
  name: string;
  objective: string;
  role?: string;
  workspace?: Partial<ThreadWorkspace>;
  contextFiles?: ContextFile[];
  env?: Record<string, string>;
  metadata?: Record<string, unknown>;
  approvalPreset?: ApprovalPreset;
  isolation?: IsolationSpec;
  /** For `custom` agents. */
  command?: string;
  args?: string[];
}

export interface ThreadFilter {
  executionId?: string;
  status?: ThreadStatus[];
  role?: string[];
  agentType?: string[];
}

export type ThreadListener = (thread: ThreadHandle, event: ThreadEvent) => void;

/** What the orchestrator's `completion.summary` holds: Parallax takes the last 5 non-empty lines, ≤ 1000 chars. */
const SUMMARY_LINES = 5;
const SUMMARY_CHARS = 1_000;
/** `thread_turn_complete.data.output` is the reply's tail, as in Parallax: enough for a review, bounded per event. */
const TURN_OUTPUT_CHARS = 8_000;
/** Finished threads kept for `GET /threads` (an orchestrator reads the outcome after the stop), oldest dropped first. */
const KEEP_FINISHED = 100;

interface ThreadRecord {
  handle: ThreadHandle;
  agentId: string;
  finished: boolean;
}

function summarize(reply: string): string {
  const lines = reply
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '')
    .slice(-SUMMARY_LINES)
    .join('\n');
  return lines.length > SUMMARY_CHARS ? lines.slice(-SUMMARY_CHARS) : lines;
}

export class ThreadRegistry {
  private readonly threads = new Map<string, ThreadRecord>();
  private readonly byAgent = new Map<string, ThreadRecord>();
  private readonly listeners: Emitter<Parameters<ThreadListener>>;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly manager: AgentManager,
    private readonly logger: Logger,
    private readonly options: { runtimeName: string; scratchRoot: string },
  ) {
    this.listeners = new Emitter({ onListenerError: (error) => this.logger.error('thread listener failed', { error: (error as Error).message }) });
    this.unsubscribe = manager.on((event) => this.onAgentEvent(event));
  }

  on(listener: ThreadListener): () => void {
    const subscription = this.listeners.on(listener);
    return () => subscription.dispose();
  }

  /** The agent behind a thread (for filtering events by thread). */
  agentOf(threadId: string): string | undefined {
    return this.threads.get(threadId)?.agentId;
  }

  async spawn(input: SpawnThreadInput): Promise<ThreadHandle> {
    // Checked again by the manager, but first here: a thread refused for lack of room must not
    // have written its context files into the workspace.
    const { maxAgents } = this.manager.config;
    if (this.manager.liveCount() >= maxAgents) {
      throw new RuntimeError('MAX_AGENTS', `Maximum agent limit reached (${maxAgents}). Stop an agent first.`, { maxAgents });
    }
    const id = timeOrderedId('thread');
    const agentId = newAgentId();
    const now = new Date().toISOString();
    let scratch: string | undefined;
    let workdir = input.workspace?.path;
    if (workdir === undefined) {
      scratch = scratchWorkdir(this.options.scratchRoot, id);
      workdir = scratch;
    }
    const handle: ThreadHandle = {
      id,
      executionId: input.executionId,
      runtimeName: this.options.runtimeName,
      agentId,
      agentType: input.agentType,
      name: input.name,
      ...(input.role !== undefined ? { role: input.role } : {}),
      status: 'preparing',
      workspace: { ...input.workspace, path: workdir },
      objective: input.objective,
      createdAt: now,
      updatedAt: now,
      ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
    };
    const record: ThreadRecord = { handle, agentId, finished: false };
    try {
      const written = input.contextFiles && input.contextFiles.length > 0 ? this.writeFiles(workdir, input.contextFiles) : [];
      // Registered before the spawn: the agent's first events arrive while spawn() is still running.
      this.threads.set(id, record);
      this.byAgent.set(agentId, record);
      const agent = await this.manager.spawn({
        id: agentId,
        name: input.name,
        type: input.agentType,
        workdir,
        command: input.command,
        args: input.args,
        role: input.role,
        approvalPreset: input.approvalPreset,
        isolation: input.isolation,
        env: {
          ...input.env,
          PARALLAX_EXECUTION_ID: input.executionId,
          PARALLAX_THREAD_ID: id,
          PARALLAX_THREAD_OBJECTIVE: input.objective,
          ...(written.length > 0 ? { PARALLAX_THREAD_MEMORY_FILE: written[0] } : {}),
        },
      });
      this.touch(record, threadStatusFor(agent.status));
      this.prune();
      return { ...record.handle };
    } catch (error) {
      this.threads.delete(id);
      this.byAgent.delete(agentId);
      if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
      throw error;
    }
  }

  private writeFiles(workdir: string, files: readonly ContextFile[]): string[] {
    try {
      if (!fs.statSync(workdir).isDirectory()) throw new Error('not a folder');
    } catch {
      throw new RuntimeError('VALIDATION_ERROR', `workspace.path "${workdir}" is not an existing folder.`, { field: 'workspace.path' });
    }
    return writeContextFiles(workdir, files, 'contextFiles');
  }

  list(filter: ThreadFilter = {}): ThreadHandle[] {
    return [...this.threads.values()]
      .map((r) => r.handle)
      .filter((t) => filter.executionId === undefined || t.executionId === filter.executionId)
      .filter((t) => !filter.status || filter.status.includes(t.status))
      .filter((t) => !filter.role || (t.role !== undefined && filter.role.includes(t.role)))
      .filter((t) => !filter.agentType || filter.agentType.includes(t.agentType))
      .map((t) => ({ ...t }));
  }

  get(id: string): ThreadHandle {
    return { ...this.record(id).handle };
  }

  private record(id: string): ThreadRecord {
    const record = this.threads.get(id);
    if (!record) throw new RuntimeError('THREAD_NOT_FOUND', `No thread with id "${id}".`, { id });
    return record;
  }

  /** Delivers a message, raw input and/or keys, in that order; returns once delivered (not when the turn ends). */
  async send(id: string, input: ThreadSendRequest): Promise<void> {
    const { agentId } = this.record(id);
    if (input.message !== undefined) await this.manager.send(agentId, input.message, { expectResponse: false });
    if (input.raw !== undefined) this.manager.write(agentId, input.raw);
    if (input.keys !== undefined) await this.manager.sendKeys(agentId, input.keys);
  }

  /** Stops the thread's agent and forgets the thread (its agent's logs stay with the agent). */
  async stop(id: string, options: { force?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const record = this.record(id);
    if (this.manager.has(record.agentId)) await this.manager.stop(record.agentId, options);
    this.forget(record);
  }

  /** A scratch folder stays (under the data folder, like Raven's): it holds the agent's work. */
  private forget(record: ThreadRecord): void {
    this.threads.delete(record.handle.id);
    this.byAgent.delete(record.agentId);
  }

  private prune(): void {
    const finished = [...this.threads.values()].filter((r) => r.finished);
    for (const record of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.forget(record);
  }

  private touch(record: ThreadRecord, status: ThreadStatus, patch: Partial<ThreadHandle> = {}): void {
    const now = new Date().toISOString();
    // A failed thread stays failed while its agent winds down: the orchestrator must see the failure.
    const next = record.handle.status === 'failed' && status === 'stopped' ? 'failed' : status;
    record.handle = { ...record.handle, ...patch, status: next, updatedAt: now, lastActivityAt: now };
  }

  private emit(record: ThreadRecord, type: ThreadEventType, data?: Record<string, unknown>): void {
    const event: ThreadEvent = {
      threadId: record.handle.id,
      executionId: record.handle.executionId,
      type,
      timestamp: new Date().toISOString(),
      ...(data !== undefined ? { data } : {}),
    };
    const thread = { ...record.handle };
    this.listeners.emit(thread, event);
  }

  private onAgentEvent(event: RuntimeEvent): void {
    const record = this.byAgent.get(event.agentId);
    if (!record) return;
    const status = threadStatusFor(event.agent.status);
    switch (event.type) {
      case 'agent_started':
        this.touch(record, status);
        this.emit(record, 'thread_started', { agentId: event.agentId });
        return;
      case 'agent_ready':
        this.touch(record, 'ready');
        this.emit(record, 'thread_ready', { agentId: event.agentId });
        return;
      case 'status_changed':
        this.touch(record, threadStatusFor(event.status));
        return;
      case 'question':
        this.touch(record, 'blocked');
        this.emit(record, 'thread_blocked', { question: event.question, options: event.options });
        return;
      case 'login_required':
        this.touch(record, 'blocked');
        this.emit(record, 'thread_auth_required', {
          instructions: event.instructions,
          method: event.method,
          ...(event.loginUrl !== undefined ? { loginUrl: event.loginUrl } : {}),
          ...(event.deviceCode !== undefined ? { deviceCode: event.deviceCode } : {}),
        });
        return;
      case 'message': {
        const summary = summarize(event.content);
        this.touch(record, status, { summary, completion: { state: 'partial', summary } });
        this.emit(record, 'thread_turn_complete', { output: event.content.slice(-TURN_OUTPUT_CHARS), summary });
        return;
      }
      case 'agent_error':
        this.touch(record, 'failed');
        this.emit(record, 'thread_failed', { error: event.error, code: event.code });
        return;
      case 'agent_stopped':
        this.onAgentStopped(record, event.agent, event.reason, event.exitCode);
        return;
      default:
        return;
    }
  }

  private onAgentStopped(record: ThreadRecord, agent: AgentHandle, reason: string, exitCode: number | null): void {
    record.finished = true;
    // A thread whose agent failed stays `failed`; a stop after that is not news.
    if (record.handle.status === 'failed') return;
    this.touch(record, 'stopped');
    this.emit(record, 'thread_stopped', { reason, exitCode, agentId: agent.id });
    this.prune();
  }

  dispose(): void {
    this.unsubscribe();
    this.listeners.dispose();
  }
}

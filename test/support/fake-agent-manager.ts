import type { AgentHandle, AgentStatus, SpawnConfig } from '../../src-shared/agent';
import type { RuntimeEvent } from '../../src-shared/events';
import type { AgentManager } from '../../src-main/runtime/agent-manager';
import type { RuntimeListener } from '../../src-main/runtime/agent-manager';

/**
 * The part of AgentManager that the server's fan-out (EventBroadcaster) and Parallax threads
 * (ThreadRegistry) use, with no processes behind it: the test emits the events an agent would
 * cause, and every control call is recorded. `asManager()` hands it over where an AgentManager is
 * typed; a method the code under test calls and this fake lacks fails the test with a TypeError.
 */
export class FakeAgentManager {
  readonly config = { maxAgents: 10 };
  readonly agents = new Map<string, AgentHandle>();
  readonly listeners = new Set<RuntimeListener>();
  /** Every control call, in order, e.g. `send:<id>:<message>`. */
  readonly calls: string[] = [];
  readonly spawned: SpawnConfig[] = [];
  /** Makes the next spawn() fail with this error (after recording it). */
  failNextSpawn: Error | undefined;
  /** Called inside spawn() before it resolves, as a real session emits its first events then. */
  duringSpawn: ((handle: AgentHandle) => void) | undefined;

  asManager(): AgentManager {
    return this as unknown as AgentManager;
  }

  on(listener: RuntimeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(): AgentHandle[] {
    return [...this.agents.values()];
  }

  liveCount(): number {
    return [...this.agents.values()].filter((a) => a.status !== 'stopped' && a.status !== 'error').length;
  }

  has(id: string): boolean {
    return this.agents.has(id);
  }

  async spawn(request: SpawnConfig): Promise<AgentHandle> {
    this.spawned.push(request);
    const failure = this.failNextSpawn;
    this.failNextSpawn = undefined;
    if (failure) throw failure;
    const handle = fakeHandle(request.id ?? `agent-${this.spawned.length}`, 'starting', { name: request.name, workdir: request.workdir, role: request.role });
    this.agents.set(handle.id, handle);
    this.duringSpawn?.(handle);
    return handle;
  }

  async send(id: string, message: string, options: { expectResponse?: boolean } = {}): Promise<void> {
    this.calls.push(`send:${id}:${message}:${String(options.expectResponse)}`);
  }

  write(id: string, data: string): void {
    this.calls.push(`write:${id}:${data}`);
  }

  async sendKeys(id: string, keys: string | readonly string[]): Promise<void> {
    this.calls.push(`keys:${id}:${[keys].flat().join(',')}`);
  }

  async stop(id: string, options: { force?: boolean } = {}): Promise<void> {
    this.calls.push(`stop:${id}:${String(options.force)}`);
    this.setStatus(id, 'stopped');
  }

  setStatus(id: string, status: AgentStatus): AgentHandle {
    const handle = { ...this.handle(id), status };
    this.agents.set(id, handle);
    return handle;
  }

  handle(id: string): AgentHandle {
    const handle = this.agents.get(id);
    if (!handle) throw new Error(`fake manager: no agent ${id}`);
    return handle;
  }

  /** Delivers an event to every listener, as the manager does. */
  emit(event: RuntimeEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

export function fakeHandle(id: string, status: AgentStatus, extra: Partial<AgentHandle> = {}): AgentHandle {
  return {
    id,
    runtimeSessionId: id,
    name: id,
    type: 'shell',
    status,
    capabilities: [],
    workdir: '/tmp',
    command: '/bin/sh',
    args: [],
    cols: 80,
    rows: 24,
    createdAt: '2026-01-01T00:00:00.000Z',
    automationPaused: false,
    ...Object.fromEntries(Object.entries(extra).filter(([, value]) => value !== undefined)),
  };
}

import type { AgentHandle } from '../../src-shared/agent';
import type { HealthResponse } from '../../src-shared/api';
import type { RuntimeEvent } from '../../src-shared/events';

/**
 * The UI's view of the runtime: the agents (kept current by /ws/events), the connection state and
 * the runtime's health. Components subscribe and update their own DOM.
 */

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'unauthorized';

export type StoreChange =
  | { kind: 'agents' }
  | { kind: 'agent'; id: string; previous?: AgentHandle }
  | { kind: 'event'; event: RuntimeEvent }
  | { kind: 'connection' }
  | { kind: 'health' };

export class Store {
  private readonly agentsById = new Map<string, AgentHandle>();
  connection: ConnectionState = 'connecting';
  connectionDetail: string | undefined;
  health: HealthResponse | undefined;
  /** The snapshot arrived at least once: before that, "no agents" would be a lie. */
  loaded = false;
  private readonly listeners = new Set<(change: StoreChange) => void>();

  subscribe(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: StoreChange): void {
    for (const listener of [...this.listeners]) listener(change);
  }

  get(id: string): AgentHandle | undefined {
    return this.agentsById.get(id);
  }

  /** Newest first: the agent you just spawned is at the top. */
  list(): AgentHandle[] {
    return [...this.agentsById.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
  }

  setSnapshot(agents: readonly AgentHandle[]): void {
    this.agentsById.clear();
    for (const agent of agents) this.agentsById.set(agent.id, agent);
    this.loaded = true;
    this.emit({ kind: 'agents' });
  }

  /** From an event: always the newest state. */
  upsert(agent: AgentHandle): void {
    const previous = this.agentsById.get(agent.id);
    this.agentsById.set(agent.id, agent);
    if (!previous) this.emit({ kind: 'agents' });
    this.emit({ kind: 'agent', id: agent.id, previous });
  }

  /**
   * From an HTTP reply (spawn, get): events may already have moved the agent on (the spawn reply
   * says `starting` after `agent_ready` arrived), so a known agent is left alone.
   */
  addIfMissing(agent: AgentHandle): void {
    if (!this.agentsById.has(agent.id)) this.upsert(agent);
  }

  applyEvent(event: RuntimeEvent): void {
    if (event.type === 'agent_removed') this.remove(event.agentId);
    else this.upsert(event.agent);
    this.emit({ kind: 'event', event });
  }

  /** The runtime forgot the agent (DELETE, "Clear", or a restart replaced it): its row goes. */
  remove(id: string): void {
    if (!this.agentsById.delete(id)) return;
    this.emit({ kind: 'agents' });
  }

  setConnection(state: ConnectionState, detail?: string): void {
    if (this.connection === state && this.connectionDetail === detail) return;
    this.connection = state;
    this.connectionDetail = detail;
    this.emit({ kind: 'connection' });
  }

  setHealth(health: HealthResponse): void {
    this.health = health;
    this.emit({ kind: 'health' });
  }
}

import type { AgentHandle } from '../../src-shared/agent';
import type { EventsSnapshotFrame } from '../../src-shared/api';
import { toEventFrame, type RuntimeEvent } from '../../src-shared/events';
import type { AgentManager } from '../runtime/agent-manager';

/**
 * Fans runtime events out to `/ws/events` sockets and `GET /events` streams. Each event is
 * serialised once, however many subscribers there are; a subscriber with `agentId` only gets that
 * agent's events.
 */

export interface EventSubscriber {
  agentId?: string;
  send(frame: string): void;
}

export class EventBroadcaster {
  private readonly subscribers = new Set<EventSubscriber>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly manager: AgentManager,
    private readonly decorate: (handle: AgentHandle) => AgentHandle,
  ) {
    this.unsubscribe = manager.on((event) => this.publish(event));
  }

  get size(): number {
    return this.subscribers.size;
  }

  /**
   * Registers a subscriber after handing it the snapshot frame. Both happen in one synchronous
   * step, so no event can fall between the snapshot and the live stream.
   */
  subscribe(subscriber: EventSubscriber): () => void {
    subscriber.send(JSON.stringify(this.snapshot(subscriber.agentId)));
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  snapshot(agentId?: string): EventsSnapshotFrame {
    const agents = this.manager
      .list()
      .filter((agent) => agentId === undefined || agent.id === agentId)
      .map((agent) => this.decorate(agent));
    return { event: 'snapshot', data: { agents, count: agents.length }, timestamp: new Date().toISOString() };
  }

  private publish(event: RuntimeEvent): void {
    if (this.subscribers.size === 0) return;
    let frame: string | undefined;
    for (const subscriber of this.subscribers) {
      if (subscriber.agentId !== undefined && subscriber.agentId !== event.agentId) continue;
      frame ??= JSON.stringify(toEventFrame({ ...event, agent: this.decorate(event.agent) } as RuntimeEvent));
      subscriber.send(frame);
    }
  }

  dispose(): void {
    this.unsubscribe();
    this.subscribers.clear();
  }
}

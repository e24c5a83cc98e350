import type { AgentHandle } from '../../src-shared/agent';
import { LEGACY_AGENT_EVENT_NAMES, type EventsSnapshotFrame, type RuntimeStoppingFrame } from '../../src-shared/api';
import { toEventFrame, type RuntimeEvent } from '../../src-shared/events';
import type { ThreadEvent, ThreadEventFrame, ThreadHandle } from '../../src-shared/threads';
import type { AgentManager } from '../runtime/agent-manager';
import type { ThreadRegistry } from '../integrations/parallax/threads';

/**
 * Fans runtime and thread events out to `/ws/events`, `/ws` (legacy) and `GET /events`. Each event
 * is serialised once per wire format, however many subscribers there are.
 *
 * Filters: `agentId` keeps one agent's events (and its thread's); `threadId` keeps one thread's
 * events and those of its agent. The legacy `/ws` socket keeps Parallax's behaviour instead: every
 * subscriber gets every event, and an `agentId` subscriber additionally gets that agent's events
 * under their short names (`ready`, `stopped`, …).
 */

export interface EventSubscriber {
  agentId?: string;
  threadId?: string;
  /** `legacy`: Parallax's general `/ws` socket (docs/compatibility.md "Parallax's general socket"). */
  format?: 'events' | 'legacy';
  send(frame: string): void;
}

type LegacyName = (typeof LEGACY_AGENT_EVENT_NAMES)[keyof typeof LEGACY_AGENT_EVENT_NAMES];

function legacyName(type: RuntimeEvent['type']): LegacyName | undefined {
  return (LEGACY_AGENT_EVENT_NAMES as Readonly<Record<string, LegacyName>>)[type];
}

export class EventBroadcaster {
  private readonly subscribers = new Set<EventSubscriber>();
  private readonly unsubscribers: (() => void)[];

  constructor(
    private readonly manager: AgentManager,
    private readonly decorate: (handle: AgentHandle) => AgentHandle,
    private readonly threads?: ThreadRegistry,
  ) {
    this.unsubscribers = [manager.on((event) => this.publish(event))];
    if (threads) this.unsubscribers.push(threads.on((thread, event) => this.publishThread(thread, event)));
  }

  get size(): number {
    return this.subscribers.size;
  }

  /**
   * Registers a subscriber after handing it the snapshot frame. Both happen in one synchronous
   * step, so no event can fall between the snapshot and the live stream.
   */
  subscribe(subscriber: EventSubscriber): () => void {
    subscriber.send(this.snapshotText(subscriber));
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  /**
   * The snapshot as sent. Cannot throw: request limits keep thread metadata shallow, but should a
   * value still refuse to serialise, the snapshot goes out without metadata rather than not at all.
   */
  snapshotText(filter: { agentId?: string; threadId?: string } = {}): string {
    const frame = this.snapshot(filter);
    try {
      return JSON.stringify(frame);
    } catch {
      const threads = frame.data.threads.map(({ metadata: _dropped, ...thread }) => thread);
      return JSON.stringify({ ...frame, data: { ...frame.data, threads } });
    }
  }

  snapshot(filter: { agentId?: string; threadId?: string } = {}): EventsSnapshotFrame {
    const agents = this.manager
      .list()
      .filter((agent) => this.agentMatches(filter, agent.id))
      .map((agent) => this.decorate(agent));
    const threads = (this.threads?.list() ?? []).filter((thread) => this.threadMatches(filter, thread));
    return { event: 'snapshot', data: { agents, count: agents.length, threads }, timestamp: new Date().toISOString() };
  }

  private agentMatches(filter: { agentId?: string; threadId?: string }, agentId: string): boolean {
    if (filter.agentId !== undefined && filter.agentId !== agentId) return false;
    if (filter.threadId !== undefined && this.threads?.agentOf(filter.threadId) !== agentId) return false;
    return true;
  }

  private threadMatches(filter: { agentId?: string; threadId?: string }, thread: ThreadHandle): boolean {
    if (filter.agentId !== undefined && filter.agentId !== thread.agentId) return false;
    if (filter.threadId !== undefined && filter.threadId !== thread.id) return false;
    return true;
  }

  private publish(event: RuntimeEvent): void {
    if (this.subscribers.size === 0) return;
    let decorated: RuntimeEvent | undefined;
    let frame: string | undefined;
    let legacyFrame: string | undefined;
    let legacyShortFrame: string | undefined;
    const at = new Date();
    for (const subscriber of this.subscribers) {
      decorated ??= { ...event, agent: this.decorate(event.agent) } as RuntimeEvent;
      if (subscriber.format === 'legacy') {
        legacyFrame ??= JSON.stringify(legacyEventFrame(decorated, decorated.type, at));
        subscriber.send(legacyFrame);
        const short = legacyName(event.type);
        if (short !== undefined && subscriber.agentId === event.agentId) {
          legacyShortFrame ??= JSON.stringify(legacyEventFrame(decorated, short, at));
          subscriber.send(legacyShortFrame);
        }
        continue;
      }
      if (!this.agentMatches(subscriber, event.agentId)) continue;
      frame ??= JSON.stringify(toEventFrame(decorated, at));
      subscriber.send(frame);
    }
  }

  /** `runtime_stopping` to every subscriber, whatever its filter: the whole runtime is going. */
  publishRuntimeStopping(reason: string): void {
    const frame: RuntimeStoppingFrame = { event: 'runtime_stopping', data: { reason, agents: this.manager.liveCount() }, timestamp: new Date().toISOString() };
    const text = JSON.stringify(frame);
    for (const subscriber of this.subscribers) subscriber.send(text);
  }

  private publishThread(thread: ThreadHandle, event: ThreadEvent): void {
    if (this.subscribers.size === 0) return;
    const wire: ThreadEventFrame = { event: 'thread_event', data: { thread, event }, timestamp: event.timestamp };
    let frame: string | undefined;
    for (const subscriber of this.subscribers) {
      if (subscriber.format !== 'legacy' && !this.threadMatches(subscriber, thread)) continue;
      frame ??= JSON.stringify(wire);
      subscriber.send(frame);
    }
  }

  dispose(): void {
    for (const unsubscribe of this.unsubscribers) unsubscribe();
    this.subscribers.clear();
  }
}

/**
 * The legacy socket's frame: the same `{event, data, timestamp}`, except that `login_required`
 * names the URL `url` (as Parallax's `/ws` does) as well as `loginUrl`.
 */
function legacyEventFrame(event: RuntimeEvent, name: string, at: Date): { event: string; data: Record<string, unknown>; timestamp: string } {
  const { data } = toEventFrame(event, at);
  const extra = event.type === 'login_required' && event.loginUrl !== undefined ? { url: event.loginUrl } : {};
  return { event: name, data: { ...data, ...extra }, timestamp: at.toISOString() };
}

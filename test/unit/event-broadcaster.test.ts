import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AgentHandle } from '../../src-shared/agent';
import type { RuntimeEvent } from '../../src-shared/events';
import { silentLogger } from '../../src-main/runtime/logger';
import { EventBroadcaster, type EventSubscriber } from '../../src-main/server/event-broadcaster';
import { ThreadRegistry } from '../../src-main/integrations/parallax/threads';
import { FakeAgentManager, fakeHandle } from '../support/fake-agent-manager';

/**
 * EventBroadcaster against a fake manager and a real ThreadRegistry: who gets which frame, in
 * which wire format, and that each event is serialised once however many subscribers listen.
 */

interface Frame {
  event: string;
  data: Record<string, unknown> & { agentId?: string; agent?: AgentHandle };
  timestamp: string;
}

/** A subscriber recording the frames it was sent, parsed. */
function subscriber(filter: Omit<EventSubscriber, 'send'> = {}): EventSubscriber & { frames: Frame[]; texts: string[] } {
  const texts: string[] = [];
  const frames: Frame[] = [];
  return {
    ...filter,
    texts,
    frames,
    send(text: string) {
      texts.push(text);
      frames.push(JSON.parse(text) as Frame);
    },
  };
}

let manager: FakeAgentManager;
let threads: ThreadRegistry;
let broadcaster: EventBroadcaster;
let decorations: number;
let scratch: string;

/** What the server adds to every handle it sends (here: a marker that proves it was applied). */
function decorate(handle: AgentHandle): AgentHandle {
  decorations++;
  return { ...handle, runtimeEndpoint: 'http://127.0.0.1:8765' };
}

function ready(id: string): RuntimeEvent {
  return { type: 'agent_ready', agentId: id, agent: manager.setStatus(id, 'ready'), runtimeSessionId: id };
}

beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'broadcaster-'));
  manager = new FakeAgentManager();
  manager.agents.set('a1', fakeHandle('a1', 'starting'));
  manager.agents.set('a2', fakeHandle('a2', 'starting'));
  threads = new ThreadRegistry(manager.asManager(), silentLogger, { runtimeName: 'test-runtime', scratchRoot: scratch });
  decorations = 0;
  broadcaster = new EventBroadcaster(manager.asManager(), decorate, threads);
});

afterEach(() => {
  broadcaster.dispose();
  threads.dispose();
  vi.restoreAllMocks();
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('EventBroadcaster: snapshot', () => {
  it('sends the snapshot first, decorated and filtered, then live events', () => {
    const all = subscriber();
    const one = subscriber({ agentId: 'a2' });
    broadcaster.subscribe(all);
    broadcaster.subscribe(one);
    expect(all.frames[0]).toMatchObject({ event: 'snapshot', data: { count: 2, threads: [] } });
    expect((all.frames[0].data.agents as AgentHandle[]).map((a) => [a.id, a.runtimeEndpoint])).toEqual([
      ['a1', 'http://127.0.0.1:8765'],
      ['a2', 'http://127.0.0.1:8765'],
    ]);
    expect(one.frames[0]).toMatchObject({ event: 'snapshot', data: { count: 1, agents: [{ id: 'a2' }] } });
    manager.emit(ready('a2'));
    expect(all.frames.map((f) => f.event)).toEqual(['snapshot', 'agent_ready']);
    expect(one.frames.map((f) => f.event)).toEqual(['snapshot', 'agent_ready']);
    expect(broadcaster.size).toBe(2);
  });

  it('a snapshot whose thread metadata cannot be serialised goes out without the metadata', async () => {
    const thread = await threads.spawn({ executionId: 'exec-1', agentType: 'shell', name: 't', objective: 'o', workspace: { path: scratch }, metadata: { big: 10n } });
    const s = subscriber();
    broadcaster.subscribe(s);
    const listed = s.frames[0].data.threads as { id: string; metadata?: unknown }[];
    expect(listed.map((t) => t.id)).toEqual([thread.id]);
    expect(listed[0].metadata).toBeUndefined();
  });
});

describe('EventBroadcaster: filters per subscriber', () => {
  it('an agentId subscriber gets only its agent’s events; an unfiltered one gets all', () => {
    const all = subscriber();
    const a1 = subscriber({ agentId: 'a1' });
    broadcaster.subscribe(all);
    broadcaster.subscribe(a1);
    manager.emit(ready('a1'));
    manager.emit(ready('a2'));
    manager.emit({ type: 'terminal_resized', agentId: 'a2', agent: manager.handle('a2'), cols: 100, rows: 30 });
    expect(all.frames.slice(1).map((f) => `${f.event}:${f.data.agentId}`)).toEqual(['agent_ready:a1', 'agent_ready:a2', 'terminal_resized:a2']);
    expect(a1.frames.slice(1).map((f) => `${f.event}:${f.data.agentId}`)).toEqual(['agent_ready:a1']);
    // Events carry the decorated handle.
    expect(a1.frames[1].data.agent?.runtimeEndpoint).toBe('http://127.0.0.1:8765');
  });

  it('a threadId subscriber gets its thread’s events and its agent’s, nothing of other threads or agents', async () => {
    const t1 = await threads.spawn({ executionId: 'exec-1', agentType: 'shell', name: 'one', objective: 'o', workspace: { path: scratch } });
    const t2 = await threads.spawn({ executionId: 'exec-1', agentType: 'shell', name: 'two', objective: 'o', workspace: { path: scratch } });
    const agent1 = t1.agentId as string;
    const agent2 = t2.agentId as string;
    const byThread = subscriber({ threadId: t1.id });
    broadcaster.subscribe(byThread);
    expect(byThread.frames[0].data).toMatchObject({ count: 1, agents: [{ id: agent1 }], threads: [{ id: t1.id }] });
    manager.emit(ready(agent2));
    manager.emit(ready(agent1));
    manager.emit(ready('a1'));
    const seen = byThread.frames.slice(1).map((f) => (f.event === 'thread_event' ? `thread_event:${(f.data.event as { type: string; threadId: string }).type}:${(f.data.event as { threadId: string }).threadId}` : `${f.event}:${f.data.agentId}`));
    // The registry subscribed to the manager before the broadcaster, so it projects the event first.
    expect(seen).toEqual([`thread_event:thread_ready:${t1.id}`, `agent_ready:${agent1}`]);
  });

  it('the legacy socket gets every event; an agentId subscriber there also gets its agent’s under the short name', () => {
    const legacy = subscriber({ format: 'legacy' });
    const legacyA1 = subscriber({ format: 'legacy', agentId: 'a1' });
    broadcaster.subscribe(legacy);
    broadcaster.subscribe(legacyA1);
    manager.emit(ready('a1'));
    manager.emit(ready('a2'));
    manager.emit({ type: 'login_required', agentId: 'a1', agent: manager.handle('a1'), loginUrl: 'https://example.test/login', instructions: 'Sign in', method: 'oauth_browser' });
    manager.emit({ type: 'terminal_resized', agentId: 'a1', agent: manager.handle('a1'), cols: 90, rows: 20 });
    expect(legacy.frames.slice(1).map((f) => `${f.event}:${f.data.agentId}`)).toEqual(['agent_ready:a1', 'agent_ready:a2', 'login_required:a1', 'terminal_resized:a1']);
    expect(legacyA1.frames.slice(1).map((f) => `${f.event}:${f.data.agentId}`)).toEqual([
      'agent_ready:a1',
      'ready:a1',
      'agent_ready:a2',
      'login_required:a1',
      'login_required:a1',
      'terminal_resized:a1',
    ]);
    // Parallax's /ws names the login URL `url`.
    const login = legacy.frames.find((f) => f.event === 'login_required');
    expect(login?.data).toMatchObject({ url: 'https://example.test/login', loginUrl: 'https://example.test/login' });
  });

  it('thread events reach every legacy subscriber and, on /ws/events, only subscribers whose filter matches the thread', async () => {
    const t1 = await threads.spawn({ executionId: 'exec-1', agentType: 'shell', name: 'one', objective: 'o', workspace: { path: scratch } });
    const legacy = subscriber({ format: 'legacy', agentId: 'a2' });
    const other = subscriber({ agentId: 'a2' });
    const mine = subscriber({ agentId: t1.agentId });
    for (const s of [legacy, other, mine]) broadcaster.subscribe(s);
    manager.emit({ type: 'agent_stopped', agentId: t1.agentId as string, agent: manager.setStatus(t1.agentId as string, 'stopped'), reason: 'normal exit', exitCode: 0 });
    const threadFrames = (s: { frames: Frame[] }) => s.frames.filter((f) => f.event === 'thread_event').map((f) => (f.data.event as { type: string }).type);
    expect(threadFrames(legacy)).toEqual(['thread_stopped']);
    expect(threadFrames(mine)).toEqual(['thread_stopped']);
    expect(threadFrames(other)).toEqual([]);
  });
});

describe('EventBroadcaster: serialise once, subscribe and dispose', () => {
  it('serialises and decorates an event once per wire format, however many subscribers', () => {
    const subscribers = Array.from({ length: 5 }, () => subscriber());
    const legacies = Array.from({ length: 3 }, () => subscriber({ format: 'legacy' }));
    for (const s of [...subscribers, ...legacies]) broadcaster.subscribe(s);
    decorations = 0;
    const stringify = vi.spyOn(JSON, 'stringify');
    manager.emit(ready('a1'));
    expect(decorations).toBe(1);
    expect(stringify).toHaveBeenCalledTimes(2); // one `/ws/events` frame, one legacy frame
    const texts = subscribers.map((s) => s.texts[1]);
    expect(new Set(texts).size).toBe(1);
    expect(legacies.every((s) => s.texts[1] === legacies[0].texts[1])).toBe(true);
  });

  it('does no work for an event nobody listens to', () => {
    decorations = 0;
    const stringify = vi.spyOn(JSON, 'stringify');
    manager.emit(ready('a1'));
    expect(decorations).toBe(0);
    expect(stringify).not.toHaveBeenCalled();
  });

  it('runtime_stopping goes to every subscriber whatever its filter, with the live agent count', () => {
    const subscribers = [subscriber(), subscriber({ agentId: 'a1' }), subscriber({ threadId: 'none' }), subscriber({ format: 'legacy' })];
    for (const s of subscribers) broadcaster.subscribe(s);
    manager.setStatus('a2', 'stopped');
    broadcaster.publishRuntimeStopping('quit');
    for (const s of subscribers) expect(s.frames.at(-1)).toMatchObject({ event: 'runtime_stopping', data: { reason: 'quit', agents: 1 } });
  });

  it('an unsubscribed subscriber gets nothing more; after dispose() nobody does and the sources are let go', () => {
    const gone = subscriber();
    const stays = subscriber();
    const unsubscribe = broadcaster.subscribe(gone);
    broadcaster.subscribe(stays);
    unsubscribe();
    manager.emit(ready('a1'));
    expect(gone.frames.map((f) => f.event)).toEqual(['snapshot']);
    expect(stays.frames.map((f) => f.event)).toEqual(['snapshot', 'agent_ready']);
    const listenersBefore = manager.listeners.size;
    broadcaster.dispose();
    expect(broadcaster.size).toBe(0);
    expect(manager.listeners.size).toBe(listenersBefore - 1);
    manager.emit(ready('a2'));
    expect(stays.frames).toHaveLength(2);
  });
});

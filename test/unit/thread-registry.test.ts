import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RuntimeEvent } from '../../src-shared/events';
import type { ThreadEvent, ThreadHandle } from '../../src-shared/threads';
import { createLogger, type LogRecord } from '../../src-main/runtime/logger';
import { RuntimeError } from '../../src-main/runtime/errors';
import { ThreadRegistry, type SpawnThreadInput } from '../../src-main/integrations/parallax/threads';
import { FakeAgentManager } from '../support/fake-agent-manager';

/**
 * ThreadRegistry (Parallax threads) against a fake manager: what a spawn prepares and hands the
 * manager, how agent events become thread status and thread events, and when threads are forgotten.
 */

let manager: FakeAgentManager;
let registry: ThreadRegistry;
let scratch: string;
let workspace: string;
let logged: LogRecord[];
/** Every thread event, as `type` with the thread's status at that moment. */
let heard: { thread: ThreadHandle; event: ThreadEvent }[];

function input(overrides: Partial<SpawnThreadInput> = {}): SpawnThreadInput {
  return { executionId: 'exec-1', agentType: 'claude', name: 'worker', objective: 'Fix the tests', workspace: { path: workspace }, ...overrides };
}

function agentOf(thread: ThreadHandle): string {
  if (thread.agentId === undefined) throw new Error('thread without an agent');
  return thread.agentId;
}

function emit(event: RuntimeEvent): void {
  manager.emit(event);
}

beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'threads-scratch-'));
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'threads-workspace-'));
  manager = new FakeAgentManager();
  logged = [];
  registry = new ThreadRegistry(manager.asManager(), createLogger('error', (record) => logged.push(record)), { runtimeName: 'raven-test', scratchRoot: scratch });
  heard = [];
  registry.on((thread, event) => heard.push({ thread, event }));
});

afterEach(() => {
  registry.dispose();
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.rmSync(workspace, { recursive: true, force: true });
});

describe('ThreadRegistry: spawn', () => {
  it('spawns one agent with the thread’s variables and context files, and does not send the objective', async () => {
    const thread = await registry.spawn(
      input({ role: 'reviewer', metadata: { ticket: 7 }, env: { EXTRA: '1' }, contextFiles: [{ path: 'MEMORY.md', content: 'remember' }] }),
    );
    expect(thread).toMatchObject({ executionId: 'exec-1', runtimeName: 'raven-test', agentType: 'claude', name: 'worker', role: 'reviewer', status: 'starting', objective: 'Fix the tests', metadata: { ticket: 7 } });
    expect(thread.id).toMatch(/^thread/);
    expect(thread.workspace?.path).toBe(workspace);
    expect(fs.readFileSync(path.join(workspace, 'MEMORY.md'), 'utf8')).toBe('remember');
    expect(manager.spawned).toHaveLength(1);
    const request = manager.spawned[0];
    expect(request).toMatchObject({ id: thread.agentId, name: 'worker', type: 'claude', workdir: workspace, role: 'reviewer' });
    expect(request.env).toMatchObject({ EXTRA: '1', PARALLAX_EXECUTION_ID: 'exec-1', PARALLAX_THREAD_ID: thread.id, PARALLAX_THREAD_OBJECTIVE: 'Fix the tests' });
    expect(request.env?.PARALLAX_THREAD_MEMORY_FILE).toBe(path.join(workspace, 'MEMORY.md'));
    expect(manager.calls).toEqual([]);
    expect(registry.agentOf(thread.id)).toBe(thread.agentId);
  });

  it('without a workspace path, works in a scratch folder of its own under the scratch root', async () => {
    const thread = await registry.spawn(input({ workspace: undefined }));
    expect(thread.workspace?.path).toBe(path.join(scratch, thread.id));
    expect(fs.statSync(path.join(scratch, thread.id)).isDirectory()).toBe(true);
    expect(manager.spawned[0].env?.PARALLAX_THREAD_MEMORY_FILE).toBeUndefined();
  });

  it('a thread refused for lack of room writes nothing and spawns nothing', async () => {
    manager.config.maxAgents = 1;
    await registry.spawn(input({ name: 'first' }));
    const refused = registry.spawn(input({ name: 'second', contextFiles: [{ path: 'SECOND.md', content: 'x' }] }));
    await expect(refused).rejects.toMatchObject({ code: 'MAX_AGENTS' });
    expect(fs.existsSync(path.join(workspace, 'SECOND.md'))).toBe(false);
    expect(manager.spawned).toHaveLength(1);
    expect(registry.list().map((t) => t.name)).toEqual(['first']);
  });

  it('a failed spawn forgets the thread and removes its scratch folder', async () => {
    manager.failNextSpawn = new RuntimeError('SPAWN_FAILED', 'no such program');
    await expect(registry.spawn(input({ workspace: undefined }))).rejects.toMatchObject({ code: 'SPAWN_FAILED' });
    expect(registry.list()).toEqual([]);
    expect(fs.readdirSync(scratch)).toEqual([]);
  });

  it('context files for a workspace that is not a folder are refused with a field', async () => {
    const missing = path.join(workspace, 'nope');
    await expect(registry.spawn(input({ workspace: { path: missing }, contextFiles: [{ path: 'A.md', content: 'a' }] }))).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      details: { field: 'workspace.path' },
    });
    expect(manager.spawned).toEqual([]);
  });

  it('events the agent emits while spawn() is still running are projected onto the thread', async () => {
    manager.duringSpawn = (handle) => emit({ type: 'agent_started', agentId: handle.id, agent: handle });
    const thread = await registry.spawn(input());
    expect(heard.map((h) => h.event.type)).toEqual(['thread_started']);
    expect(heard[0].event).toMatchObject({ threadId: thread.id, executionId: 'exec-1', data: { agentId: thread.agentId } });
  });
});

describe('ThreadRegistry: lifecycle', () => {
  it('projects agent events onto status and thread events: started, ready, blocked, turn complete, stopped', async () => {
    const thread = await registry.spawn(input());
    const id = agentOf(thread);
    emit({ type: 'agent_started', agentId: id, agent: manager.setStatus(id, 'starting') });
    emit({ type: 'agent_ready', agentId: id, agent: manager.setStatus(id, 'ready'), runtimeSessionId: id });
    expect(registry.get(thread.id).status).toBe('ready');
    emit({ type: 'question', agentId: id, agent: manager.setStatus(id, 'waiting_input'), question: 'Proceed?', options: [], kind: 'confirm' });
    expect(registry.get(thread.id).status).toBe('blocked');
    emit({ type: 'status_changed', agentId: id, agent: manager.setStatus(id, 'busy'), status: 'busy', previous: 'waiting_input' });
    expect(registry.get(thread.id).status).toBe('running');
    const reply = ['', 'line 1', 'line 2  ', '', 'line 3', 'line 4', 'line 5', 'line 6', ''].join('\n');
    const agent = manager.setStatus(id, 'ready');
    emit({ type: 'message', agentId: id, agent, content: reply, message: { id: `${id}-msg-1`, agentId: id, direction: 'outbound', type: 'response', content: reply, timestamp: new Date().toISOString() } });
    const summary = 'line 2\nline 3\nline 4\nline 5\nline 6';
    expect(registry.get(thread.id)).toMatchObject({ status: 'ready', summary, completion: { state: 'partial', summary } });
    emit({ type: 'agent_stopped', agentId: id, agent: manager.setStatus(id, 'stopped'), reason: 'normal exit', exitCode: 0 });
    expect(registry.get(thread.id).status).toBe('stopped');
    expect(heard.map((h) => `${h.event.type}:${h.thread.status}`)).toEqual([
      'thread_started:starting',
      'thread_ready:ready',
      'thread_blocked:blocked',
      'thread_turn_complete:ready',
      'thread_stopped:stopped',
    ]);
    expect(heard[2].event.data).toEqual({ question: 'Proceed?', options: [] });
    expect(heard[3].event.data).toEqual({ output: reply, summary });
    expect(heard[4].event.data).toEqual({ reason: 'normal exit', exitCode: 0, agentId: id });
  });

  it('a login is a blocked thread with the login’s details', async () => {
    const thread = await registry.spawn(input());
    const id = agentOf(thread);
    emit({ type: 'login_required', agentId: id, agent: manager.setStatus(id, 'authenticating'), instructions: 'Open the link', method: 'device_code', loginUrl: 'https://example.test/device', deviceCode: 'ABCD-1234' });
    expect(registry.get(thread.id).status).toBe('blocked');
    expect(heard.at(-1)?.event).toMatchObject({ type: 'thread_auth_required', data: { instructions: 'Open the link', method: 'device_code', loginUrl: 'https://example.test/device', deviceCode: 'ABCD-1234' } });
  });

  it('a failed thread stays failed while its agent winds down, and its stop is not news', async () => {
    const thread = await registry.spawn(input());
    const id = agentOf(thread);
    emit({ type: 'agent_error', agentId: id, agent: manager.setStatus(id, 'error'), error: 'crashed', code: 'SPAWN_FAILED' });
    emit({ type: 'status_changed', agentId: id, agent: manager.setStatus(id, 'stopped'), status: 'stopped', previous: 'error' });
    emit({ type: 'agent_stopped', agentId: id, agent: manager.handle(id), reason: 'exit code 1', exitCode: 1 });
    expect(registry.get(thread.id).status).toBe('failed');
    expect(heard.map((h) => h.event.type)).toEqual(['thread_failed']);
    expect(heard[0].event.data).toEqual({ error: 'crashed', code: 'SPAWN_FAILED' });
  });

  it('ignores events of agents that are not behind a thread', async () => {
    await registry.spawn(input());
    manager.agents.set('loner', { ...manager.list()[0], id: 'loner' });
    emit({ type: 'agent_ready', agentId: 'loner', agent: manager.setStatus('loner', 'ready'), runtimeSessionId: 'loner' });
    expect(heard).toEqual([]);
  });

  it('a listener that throws is logged; the other listeners still hear the event', async () => {
    registry.on(() => {
      throw new Error('listener broke');
    });
    const after: string[] = [];
    registry.on((_thread, event) => after.push(event.type));
    const thread = await registry.spawn(input());
    const id = agentOf(thread);
    emit({ type: 'agent_ready', agentId: id, agent: manager.setStatus(id, 'ready'), runtimeSessionId: id });
    expect(after).toEqual(['thread_ready']);
    expect(heard.map((h) => h.event.type)).toEqual(['thread_ready']);
    expect(logged).toMatchObject([{ msg: 'thread listener failed', error: 'listener broke' }]);
  });
});

describe('ThreadRegistry: send, stop, list and forgetting', () => {
  it('delivers a message without waiting for the reply, then raw input, then keys; an unknown thread is THREAD_NOT_FOUND', async () => {
    const thread = await registry.spawn(input());
    const id = agentOf(thread);
    await registry.send(thread.id, { message: 'hello', raw: 'y', keys: ['enter'] });
    expect(manager.calls).toEqual([`send:${id}:hello:false`, `write:${id}:y`, `keys:${id}:enter`]);
    await expect(registry.send('thread-missing', { message: 'x' })).rejects.toMatchObject({ code: 'THREAD_NOT_FOUND' });
  });

  it('stop() stops the agent and forgets the thread', async () => {
    const thread = await registry.spawn(input());
    await registry.stop(thread.id, { force: true });
    expect(manager.calls).toEqual([`stop:${agentOf(thread)}:true`]);
    expect(() => registry.get(thread.id)).toThrow(RuntimeError);
    expect(registry.agentOf(thread.id)).toBeUndefined();
    expect(registry.list()).toEqual([]);
  });

  it('lists by execution, status, role and agent type; handles are copies', async () => {
    const a = await registry.spawn(input({ name: 'a', role: 'coder' }));
    const b = await registry.spawn(input({ name: 'b', executionId: 'exec-2', agentType: 'codex', role: 'reviewer' }));
    emit({ type: 'agent_ready', agentId: agentOf(b), agent: manager.setStatus(agentOf(b), 'ready'), runtimeSessionId: agentOf(b) });
    const names = (list: ThreadHandle[]) => list.map((t) => t.name).sort();
    expect(names(registry.list())).toEqual(['a', 'b']);
    expect(names(registry.list({ executionId: 'exec-2' }))).toEqual(['b']);
    expect(names(registry.list({ status: ['ready'] }))).toEqual(['b']);
    expect(names(registry.list({ status: ['starting', 'ready'] }))).toEqual(['a', 'b']);
    expect(names(registry.list({ role: ['coder'] }))).toEqual(['a']);
    expect(names(registry.list({ agentType: ['codex'] }))).toEqual(['b']);
    const copy = registry.get(a.id);
    copy.status = 'failed';
    expect(registry.get(a.id).status).toBe('starting');
  });

  it('keeps the newest 100 finished threads for GET /threads and forgets older ones', async () => {
    manager.config.maxAgents = 1_000;
    const spawned: ThreadHandle[] = [];
    for (let i = 0; i < 102; i++) {
      const thread = await registry.spawn(input({ name: `t${i}` }));
      spawned.push(thread);
      const id = agentOf(thread);
      emit({ type: 'agent_stopped', agentId: id, agent: manager.setStatus(id, 'stopped'), reason: 'normal exit', exitCode: 0 });
    }
    const kept = registry.list();
    expect(kept).toHaveLength(100);
    expect(kept.every((t) => t.status === 'stopped')).toBe(true);
    expect(() => registry.get(spawned[0].id)).toThrow(RuntimeError);
    expect(() => registry.get(spawned[1].id)).toThrow(RuntimeError);
    expect(registry.get(spawned[2].id).name).toBe('t2');
  });

  it('after dispose(), hears nothing from the manager and tells nobody', async () => {
    const thread = await registry.spawn(input());
    const listenersBefore = manager.listeners.size;
    registry.dispose();
    expect(manager.listeners.size).toBe(listenersBefore - 1);
    emit({ type: 'agent_ready', agentId: agentOf(thread), agent: manager.setStatus(agentOf(thread), 'ready'), runtimeSessionId: agentOf(thread) });
    expect(heard).toEqual([]);
    expect(registry.get(thread.id).status).toBe('starting');
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentHandle } from '../../src-shared/agent';
import type { ThreadEvent, ThreadHandle, ThreadListResponse } from '../../src-shared/threads';
import { connectWs, startTestServer, until, wsUrl, type TestServer, type WsClient } from './support';

/**
 * Parallax's thread routes and its legacy general socket (docs/compatibility.md "Parallax threads", "Parallax's general socket"),
 * driven over real HTTP and WebSockets against real shell agents.
 */

let t: TestServer;
const clients: WsClient[] = [];

function socket(urlPath: string): WsClient {
  const client = connectWs(wsUrl(t.url, urlPath));
  clients.push(client);
  return client;
}

type Frame = { event?: string; type?: string; data?: Record<string, unknown> & { thread?: ThreadHandle; event?: ThreadEvent; agent?: AgentHandle }; [key: string]: unknown };
const frames = (c: WsClient) => c.frames() as Frame[];
const threadEvents = (c: WsClient, threadId: string) =>
  frames(c)
    .filter((f) => f.event === 'thread_event' && f.data?.thread?.id === threadId)
    .map((f) => f.data!.event!);

/** A shell agent: `bash` as a custom command, so the test controls its environment reads. */
const SHELL_THREAD = { agentType: 'custom', command: '/bin/bash', args: ['--norc', '--noprofile', '-i'] };

beforeEach(async () => {
  t = await startTestServer();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await t.close();
});

describe('Parallax threads (/api/threads)', () => {
  it('answers 400 with Parallax\'s "… is required" messages, and 404 THREAD_NOT_FOUND for unknown ids', async () => {
    const base = { executionId: 'exec-1', agentType: 'shell', name: 'n', objective: 'o' };
    for (const [field, message] of [
      ['executionId', 'executionId is required'],
      ['agentType', 'agentType is required'],
      ['name', 'thread name is required'],
      ['objective', 'objective is required'],
    ] as const) {
      const body: Record<string, unknown> = { ...base };
      delete body[field];
      const res = await t.request('POST', '/api/threads', { body });
      expect(res.status, field).toBe(400);
      expect(res.json, field).toMatchObject({ code: 'VALIDATION_ERROR', error: expect.stringContaining(message) });
    }
    expect((await t.request('POST', '/api/threads', { body: { ...base, agentType: 'nope' } })).status).toBe(400);
    expect((await t.request('POST', '/api/threads', { body: { ...base, agentType: 'custom' } })).json).toMatchObject({ code: 'VALIDATION_ERROR' });
    const escape = await t.request('POST', '/api/threads', { body: { ...base, contextFiles: [{ path: '../out.md', content: 'x' }] } });
    expect(escape.json).toMatchObject({ code: 'VALIDATION_ERROR', error: expect.stringContaining('contextFiles[0].path') });
    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['DELETE', '', undefined],
      ['POST', '/send', { message: 'hi' }],
    ] as const) {
      const res = await t.request(method, `/api/threads/thread-missing${suffix}`, { body });
      expect(res.status, `${method} ${suffix}`).toBe(404);
      expect(res.json).toMatchObject({ code: 'THREAD_NOT_FOUND' });
    }
    expect(t.h.manager.list()).toEqual([]);
  });

  it('spawns an agent with the thread variables and context files, projects its events, and stops it on DELETE', async () => {
    const workspace = path.join(t.h.scratch, 'thread-ws');
    fs.mkdirSync(workspace);
    const events = socket('/ws/events');
    await events.waitFor((c) => frames(c).length > 0, 5_000, 'snapshot');

    const created = await t.request('POST', '/api/threads', {
      body: {
        ...SHELL_THREAD,
        executionId: 'exec-42',
        name: 'reviewer',
        objective: 'Review the change',
        role: 'qa',
        workspace: { path: workspace, workspaceId: 'w-1', branch: 'main' },
        contextFiles: [{ path: 'memory/THREAD.md', content: 'remember: MEMORY_OK\n' }],
        environment: { FROM_CLIENT: 'client-env' },
        metadata: { ticket: 7 },
        someFutureField: true,
      },
    });
    expect(created.status).toBe(201);
    const thread = created.json as ThreadHandle;
    expect(thread).toMatchObject({ executionId: 'exec-42', agentType: 'custom', name: 'reviewer', role: 'qa', objective: 'Review the change', metadata: { ticket: 7 } });
    expect(thread.id).toMatch(/^thread-/);
    expect(thread.workspace).toMatchObject({ path: workspace, workspaceId: 'w-1', branch: 'main' });
    expect(fs.readFileSync(path.join(workspace, 'memory', 'THREAD.md'), 'utf8')).toBe('remember: MEMORY_OK\n');
    const agentId = thread.agentId!;
    expect(t.h.manager.get(agentId)).toMatchObject({ workdir: workspace, role: 'qa', name: 'reviewer' });

    await t.h.waitFor('agent_ready', agentId);
    await events.waitFor((c) => threadEvents(c, thread.id).some((e) => e.type === 'thread_ready'), 5_000, 'thread_ready');
    expect(((await t.request('GET', `/api/threads/${thread.id}`)).json as ThreadHandle).status).toBe('ready');

    // The objective is not typed in: the orchestrator sends the first message.
    const sent = await t.request('POST', `/api/threads/${thread.id}/send`, {
      body: { message: 'echo "$PARALLAX_THREAD_ID|$PARALLAX_EXECUTION_ID|$PARALLAX_THREAD_OBJECTIVE|$FROM_CLIENT"; cat "$PARALLAX_THREAD_MEMORY_FILE"' },
    });
    expect(sent.status).toBe(200);
    expect(sent.json).toEqual({ sent: true });
    await events.waitFor((c) => threadEvents(c, thread.id).some((e) => e.type === 'thread_turn_complete'), 10_000, 'turn complete');
    const turn = threadEvents(events, thread.id).find((e) => e.type === 'thread_turn_complete')!;
    expect(turn).toMatchObject({ threadId: thread.id, executionId: 'exec-42' });
    expect(turn.data?.output).toContain(`${thread.id}|exec-42|Review the change|client-env`);
    expect(turn.data?.output).toContain('remember: MEMORY_OK');
    const after = (await t.request('GET', `/api/threads/${thread.id}`)).json as ThreadHandle;
    expect(after.completion).toEqual({ state: 'partial', summary: expect.stringContaining('remember: MEMORY_OK') });
    expect(after.summary).toBe(after.completion?.summary);

    // raw and keys go to the same terminal.
    expect((await t.request('POST', `/api/threads/${thread.id}/send`, { body: { raw: 'echo RAW_', keys: ['O', 'K', 'enter'] } })).status).toBe(200);
    await until(() => t.h.manager.logs(agentId, 20).some((line) => line.trim() === 'RAW_OK'), 10_000, 'RAW_OK echoed');
    expect((await t.request('POST', `/api/threads/${thread.id}/send`, { body: {} })).json).toMatchObject({
      code: 'VALIDATION_ERROR',
      error: expect.stringContaining('message, raw, or keys is required'),
    });

    // Filters.
    const list = async (query: string) => ((await t.request('GET', `/api/threads${query}`)).json as ThreadListResponse).threads.map((x) => x.id);
    expect(await list('')).toEqual([thread.id]);
    expect(await list('?executionId=exec-42&role=qa&status=ready&agentType=custom')).toEqual([thread.id]);
    expect(await list('?executionId=other')).toEqual([]);
    expect(await list('?status=running,failed')).toEqual([]);
    expect((await t.request('GET', '/api/threads?status=bogus')).status).toBe(400);

    const deleted = await t.request('DELETE', `/api/threads/${thread.id}`);
    expect(deleted.status).toBe(204);
    expect(t.h.manager.get(agentId).status).toBe('stopped');
    await events.waitFor((c) => threadEvents(c, thread.id).some((e) => e.type === 'thread_stopped'), 5_000, 'thread_stopped');
    expect(threadEvents(events, thread.id).map((e) => e.type)).toEqual(['thread_started', 'thread_ready', 'thread_turn_complete', 'thread_stopped']);
    expect((await t.request('GET', `/api/threads/${thread.id}`)).status).toBe(404);
  });

  it('a question blocks the thread; a failed start fails it; ?threadId= filters the events socket', async () => {
    const asker = await t.request('POST', '/api/threads', {
      body: { agentType: 'custom', command: 'bash', args: ['-c', 'read -p "Do you want to proceed? (y/n) " a; echo "answer=$a"; exec bash --norc --noprofile -i'], executionId: 'e', name: 'asker', objective: 'ask' },
    });
    const doomed = await t.request('POST', '/api/threads', { body: { agentType: 'custom', command: 'bash', args: ['-c', 'echo "fatal: no config"; exit 4'], executionId: 'e', name: 'doomed', objective: 'die' } });
    const a = asker.json as ThreadHandle;
    const d = doomed.json as ThreadHandle;
    // A scratch folder stands in for a missing workspace.
    expect(a.workspace?.path).toContain(a.id);
    const onlyA = socket(`/ws/events?threadId=${a.id}`);
    await onlyA.waitFor((c) => frames(c).length > 0, 5_000, 'snapshot');
    const snapshot = frames(onlyA)[0].data as { agents: AgentHandle[]; threads: ThreadHandle[] };
    expect(snapshot.threads.map((x) => x.id)).toEqual([a.id]);
    expect(snapshot.agents.map((x) => x.id)).toEqual([a.agentId]);

    await t.h.waitFor('agent_stopped', d.agentId!, 10_000);
    const failed = (await t.request('GET', `/api/threads/${d.id}`)).json as ThreadHandle;
    expect(failed.status).toBe('failed');

    await t.h.waitFor('question', a.agentId!, 10_000);
    expect(((await t.request('GET', `/api/threads/${a.id}`)).json as ThreadHandle).status).toBe('blocked');
    await onlyA.waitFor((c) => threadEvents(c, a.id).some((e) => e.type === 'thread_blocked'), 5_000, 'thread_blocked');
    const blocked = threadEvents(onlyA, a.id).find((e) => e.type === 'thread_blocked')!;
    expect(String(blocked.data?.question)).toContain('Do you want to proceed?');
    // Nothing about the other thread or its agent reached the filtered socket.
    expect(frames(onlyA).some((f) => f.data?.thread?.id === d.id || f.data?.agent?.id === d.agentId)).toBe(false);
  });
});

describe("Parallax's legacy general socket (/ws)", () => {
  it('broadcasts every event, adds short names for ?agentId=, names the login URL `url`, and sends messages', async () => {
    const login = await t.request('POST', '/api/agents', {
      body: {
        type: 'custom',
        command: 'bash',
        args: ['-c', 'echo "To sign in, open https://login.example.com/device and enter the code WXYZ-1234"; read x; printf "\\033[2J\\033[H"; exec bash --norc --noprofile -i'],
      },
    });
    const agent = login.json as AgentHandle;
    const general = socket('/ws');
    const mine = socket(`/ws?agentId=${agent.id}`);
    await general.waitFor((c) => frames(c).length > 0, 5_000, 'snapshot');
    await mine.waitFor((c) => frames(c).some((f) => f.event === 'login_required'), 10_000, 'login_required');
    await mine.waitFor((c) => frames(c).some((f) => f.event === 'login_required' && f.data?.agent?.id === agent.id), 10_000, 'login_required');
    const logins = frames(mine).filter((f) => f.event === 'login_required');
    // Once as the broadcast, once as the per-agent subscription, both with `url` and `loginUrl`.
    expect(logins).toHaveLength(2);
    for (const f of logins) expect(f.data).toMatchObject({ url: 'https://login.example.com/device', loginUrl: 'https://login.example.com/device', deviceCode: 'WXYZ-1234' });

    await t.request('POST', `/api/agents/${agent.id}/keys`, { body: { keys: 'enter' } });
    await mine.waitFor((c) => frames(c).some((f) => f.event === 'ready'), 10_000, 'short ready');
    expect(frames(mine).some((f) => f.event === 'agent_ready')).toBe(true);

    mine.send(JSON.stringify({ type: 'send', agentId: agent.id, message: 'echo LEGACY_SEND_OK' }));
    await mine.waitFor((c) => frames(c).some((f) => f.type === 'sent'), 10_000, 'sent');
    await mine.waitFor((c) => frames(c).some((f) => f.event === 'message' && String(f.data?.content).includes('LEGACY_SEND_OK')), 10_000, 'reply');
    mine.send(JSON.stringify({ type: 'send', agentId: 'agent-nope', message: 'hi' }));
    mine.send(JSON.stringify({ type: 'ping' }));
    mine.send('not json');
    await mine.waitFor((c) => frames(c).some((f) => f.type === 'error') && frames(c).some((f) => f.type === 'pong'), 5_000, 'error and pong');
    expect(frames(mine).find((f) => f.type === 'error')).toMatchObject({ agentId: 'agent-nope', code: 'AGENT_NOT_FOUND' });

    // The unfiltered socket saw the same agent's events, under their full names only.
    const names = frames(general).map((f) => f.event);
    expect(names).toContain('agent_ready');
    expect(names).toContain('login_required');
    expect(names).not.toContain('ready');
    // The service description lists both sockets.
    expect((await t.request('GET', '/')).json).toMatchObject({ endpoints: { threads: '/api/threads', websocket: { general: '/ws', events: '/ws/events' } } });
  });
});

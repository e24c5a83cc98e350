import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentHandle } from '../../src-shared/agent';
import type { ErrorBody } from '../../src-shared/errors';
import { startTestServer, type TestServer } from './support';

/**
 * Bad input of every kind gets a clear 4xx with a machine-readable code, and the server (and the
 * agent it drives) keeps working afterwards.
 */

interface Ctx {
  id: string;
  workdir: string;
  outside: string;
}

interface BadCase {
  name: string;
  method: string;
  path: (c: Ctx) => string;
  /** An object is sent as JSON; a string is sent raw. */
  body?: (c: Ctx) => unknown;
  headers?: Record<string, string>;
  status: number;
  code: string;
  /** Part of the error message, to check it says what is wrong. */
  mentions?: string;
}

const agents = () => '/api/agents';
const agent = (suffix = '') => (c: Ctx) => `/api/agents/${c.id}${suffix}`;
const spawnBody = (extra: Record<string, unknown>) => (c: Ctx) => ({ type: 'shell', workdir: c.workdir, ...extra });
const raven = (extra: Record<string, unknown>, config: Record<string, unknown> = {}) => (c: Ctx) => ({ agentType: 'shell', ...extra, config: { workdir: c.workdir, ...config } });
const file = (p: string) => ({ contextFiles: [{ path: p, content: 'x' }] });

const V = 'VALIDATION_ERROR';
const CASES: BadCase[] = [
  // Malformed bodies.
  { name: 'malformed JSON', method: 'POST', path: agents, body: () => '{bad', status: 400, code: V, mentions: 'not valid JSON' },
  { name: 'trailing garbage after JSON', method: 'POST', path: agents, body: () => '{"type":"shell"} x', status: 400, code: V },
  { name: 'a JSON string instead of an object', method: 'POST', path: agents, body: () => '"shell"', status: 400, code: V },
  { name: 'a JSON array instead of an object', method: 'POST', path: agents, body: () => '[{"type":"shell"}]', status: 400, code: V },
  { name: 'an unsupported charset', method: 'POST', path: agents, body: () => '{"type":"shell"}', headers: { 'Content-Type': 'application/json; charset=latin-9' }, status: 400, code: V },
  // Spawn fields.
  { name: 'empty spawn body', method: 'POST', path: agents, body: () => ({}), status: 400, code: V, mentions: 'type' },
  { name: 'spawn without type (Parallax script)', method: 'POST', path: agents, body: () => ({ name: 'test' }), status: 400, code: V },
  { name: 'unknown type "hermes"', method: 'POST', path: agents, body: () => ({ type: 'hermes' }), status: 400, code: V, mentions: 'unknown agent type' },
  { name: 'echo without a name (Parallax script)', method: 'POST', path: agents, body: () => ({ type: 'echo' }), status: 400, code: V, mentions: 'Agent name is required' },
  { name: 'type as a number', method: 'POST', path: agents, body: () => ({ type: 5 }), status: 400, code: V },
  { name: 'full-width unicode type name', method: 'POST', path: agents, body: () => ({ type: 'ｓｈｅｌｌ' }), status: 400, code: V },
  { name: 'unknown field', method: 'POST', path: agents, body: spawnBody({ bogus: 1 }), status: 400, code: V, mentions: 'Unrecognized key' },
  { name: 'huge cols', method: 'POST', path: agents, body: spawnBody({ cols: 1e9 }), status: 400, code: V, mentions: 'cols' },
  { name: 'fractional cols', method: 'POST', path: agents, body: spawnBody({ cols: 80.5 }), status: 400, code: V },
  { name: 'negative rows', method: 'POST', path: agents, body: spawnBody({ rows: -4 }), status: 400, code: V },
  { name: 'env value not a string', method: 'POST', path: agents, body: spawnBody({ env: { A: 1 } }), status: 400, code: V },
  { name: 'env name with "="', method: 'POST', path: agents, body: spawnBody({ env: { 'A=B': 'x' } }), status: 400, code: V },
  { name: 'env value with NUL', method: 'POST', path: agents, body: spawnBody({ env: { A: 'x\u0000y' } }), status: 400, code: V },
  { name: 'missing workdir', method: 'POST', path: agents, body: () => ({ type: 'shell', workdir: '/definitely/not/here' }), status: 400, code: V, mentions: 'does not exist' },
  { name: 'workdir with NUL', method: 'POST', path: agents, body: () => ({ type: 'shell', workdir: '/tmp\u0000/x' }), status: 400, code: V },
  { name: 'custom agent without command', method: 'POST', path: agents, body: spawnBody({ type: 'custom' }), status: 400, code: V, mentions: 'command' },
  { name: 'id with path characters', method: 'POST', path: agents, body: spawnBody({ id: '../etc' }), status: 400, code: V },
  { name: 'id already in use', method: 'POST', path: agents, body: (c) => ({ type: 'shell', workdir: c.workdir, id: c.id }), status: 400, code: V, mentions: 'already exists' },
  { name: 'name of 201 characters', method: 'POST', path: agents, body: spawnBody({ name: 'n'.repeat(201) }), status: 400, code: V },
  { name: 'capabilities not an array', method: 'POST', path: agents, body: spawnBody({ capabilities: 'all' }), status: 400, code: V },
  { name: 'unknown autoRespond switch', method: 'POST', path: agents, body: spawnBody({ autoRespond: { everything: true } }), status: 400, code: V },
  { name: 'unknown credentials field', method: 'POST', path: agents, body: spawnBody({ credentials: { awsKey: 'x' } }), status: 400, code: V },
  // Send.
  { name: 'send without message', method: 'POST', path: agent('/send'), body: () => ({}), status: 400, code: V, mentions: 'message' },
  { name: 'message as a number', method: 'POST', path: agent('/send'), body: () => ({ message: 42 }), status: 400, code: V },
  { name: 'blank message', method: 'POST', path: agent('/send'), body: () => ({ message: ' \n\t ' }), status: 400, code: V, mentions: 'empty' },
  { name: 'timeout 0', method: 'POST', path: agent('/send'), body: () => ({ message: 'hi', timeout: 0 }), status: 400, code: V },
  { name: 'timeout as a string', method: 'POST', path: agent('/send'), body: () => ({ message: 'hi', timeout: '100' }), status: 400, code: V },
  { name: 'timeout beyond an hour', method: 'POST', path: agent('/send'), body: () => ({ message: 'hi', timeout: 3_600_001 }), status: 400, code: V },
  { name: 'timeout 1e309 (Infinity)', method: 'POST', path: agent('/send'), body: () => '{"message":"hi","timeout":1e309}', status: 400, code: V },
  { name: 'expectResponse not a boolean', method: 'POST', path: agent('/send'), body: () => ({ message: 'hi', expectResponse: 'yes' }), status: 400, code: V },
  { name: 'send with an unknown field', method: 'POST', path: agent('/send'), body: () => ({ message: 'hi', priority: 'high' }), status: 400, code: V },
  // Keys, input, resize, stop.
  { name: 'unknown key name', method: 'POST', path: agent('/keys'), body: () => ({ keys: 'hyperkey' }), status: 400, code: V, mentions: 'unknown key' },
  { name: 'empty key list', method: 'POST', path: agent('/keys'), body: () => ({ keys: [] }), status: 400, code: V },
  { name: 'keys as a number', method: 'POST', path: agent('/keys'), body: () => ({ keys: 13 }), status: 400, code: V },
  { name: 'a trailing bare modifier', method: 'POST', path: agent('/keys'), body: () => ({ keys: ['ctrl'] }), status: 400, code: V },
  { name: 'empty raw input', method: 'POST', path: agent('/input'), body: () => ({ data: '' }), status: 400, code: V },
  { name: 'raw input as an object', method: 'POST', path: agent('/input'), body: () => ({ data: { text: 'x' } }), status: 400, code: V },
  { name: 'resize below the minimum', method: 'POST', path: agent('/resize'), body: () => ({ cols: 10, rows: 24 }), status: 400, code: V },
  { name: 'resize rows as a string', method: 'POST', path: agent('/resize'), body: () => ({ cols: 80, rows: '24' }), status: 400, code: V },
  { name: 'stop with a bogus body', method: 'POST', path: agent('/stop'), body: () => ({ now: true }), status: 400, code: V },
  { name: 'pause with a body', method: 'POST', path: agent('/pause'), body: () => ({ reason: 'x' }), status: 400, code: V },
  // Queries and paths.
  { name: 'lines=abc', method: 'GET', path: agent('/logs?lines=abc'), status: 400, code: V, mentions: 'lines' },
  { name: 'tail=0', method: 'GET', path: agent('/logs?tail=0'), status: 400, code: V },
  { name: 'tail beyond 10 000', method: 'GET', path: agent('/logs?tail=99999999999'), status: 400, code: V },
  { name: 'format=xml', method: 'GET', path: agent('/logs?format=xml'), status: 400, code: V },
  { name: 'repeated tail', method: 'GET', path: agent('/logs?tail=1&tail=2'), status: 400, code: V },
  { name: 'unknown query parameter', method: 'GET', path: agent('/logs?follow=1'), status: 400, code: V },
  { name: 'unknown status filter', method: 'GET', path: () => '/api/agents?status=sleeping', status: 400, code: V },
  { name: 'force=maybe on DELETE', method: 'DELETE', path: () => '/api/agents/ghost?force=maybe', status: 400, code: V },
  { name: 'negative DELETE timeout', method: 'DELETE', path: () => '/api/agents/ghost?timeout=-5', status: 400, code: V },
  { name: 'malformed %-escape in the path', method: 'GET', path: () => '/api/agents/%E0%A4%A/logs', status: 400, code: V },
  { name: 'an id of 300 characters', method: 'GET', path: () => `/api/agents/${'a'.repeat(300)}`, status: 400, code: V },
  { name: 'stream format=html', method: 'GET', path: agent('/stream?format=html'), status: 400, code: V },
  // Raven spawn and context files.
  { name: 'contextFiles with ..', method: 'POST', path: () => '/api/spawn', body: raven({}, file('../escape.txt')), status: 400, code: V, mentions: '..' },
  { name: 'contextFiles hidden .. in the middle', method: 'POST', path: () => '/api/spawn', body: raven({}, file('a/../../b.txt')), status: 400, code: V },
  { name: 'contextFiles absolute path', method: 'POST', path: () => '/api/spawn', body: raven({}, file('/etc/passwd')), status: 400, code: V, mentions: 'relative' },
  { name: 'contextFiles Windows drive path', method: 'POST', path: () => '/api/spawn', body: raven({}, file('C:\\Windows\\evil.txt')), status: 400, code: V },
  { name: 'contextFiles backslash traversal', method: 'POST', path: () => '/api/spawn', body: raven({}, file('..\\escape.txt')), status: 400, code: V },
  { name: 'contextFiles through a symlink out of the workdir', method: 'POST', path: () => '/api/spawn', body: raven({}, file('link-out/evil.txt')), status: 400, code: V, mentions: 'symbolic link' },
  { name: 'contextFiles onto a symlink', method: 'POST', path: () => '/api/spawn', body: raven({}, file('file-link')), status: 400, code: V, mentions: 'symbolic link' },
  { name: 'contextFiles path with NUL', method: 'POST', path: () => '/api/spawn', body: raven({}, file('a\u0000b')), status: 400, code: V },
  { name: 'contextFiles content not a string', method: 'POST', path: () => '/api/spawn', body: raven({}, { contextFiles: [{ path: 'a.md', content: 7 }] }), status: 400, code: V },
  { name: 'count 0', method: 'POST', path: () => '/api/spawn', body: raven({ count: 0 }), status: 400, code: V },
  { name: 'count 11', method: 'POST', path: () => '/api/spawn', body: raven({ count: 11 }), status: 400, code: V },
  { name: 'callbackUrl with ftp:', method: 'POST', path: () => '/api/spawn', body: raven({ callbackUrl: 'ftp://raven.example/cb' }), status: 400, code: V },
  { name: 'callbackUrl javascript:', method: 'POST', path: () => '/api/spawn', body: raven({ callbackUrl: 'javascript:alert(1)' }), status: 400, code: V },
  // Repository URLs reach `git clone`: only plain transports, nothing git could read as an option or a command.
  { name: 'repoUrl with the ext:: remote helper', method: 'POST', path: () => '/api/spawn', body: raven({}, { repoUrl: 'ext::sh -c touch% /tmp/raven-pwned' }), status: 400, code: V, mentions: 'remote helper' },
  { name: 'repoUrl with the fd:: remote helper', method: 'POST', path: () => '/api/spawn', body: raven({}, { repoUrl: 'fd::17' }), status: 400, code: V, mentions: 'remote helper' },
  { name: 'repoUrl that is an option', method: 'POST', path: () => '/api/spawn', body: raven({}, { repoUrl: '--upload-pack=touch /tmp/raven-pwned' }), status: 400, code: V, mentions: 'must not start with "-"' },
  { name: 'repoUrl with a newline', method: 'POST', path: () => '/api/spawn', body: raven({}, { repoUrl: 'https://github.com/x/y\n--upload-pack=x' }), status: 400, code: V, mentions: 'control characters' },
  { name: 'repoUrl with NUL', method: 'POST', path: () => '/api/spawn', body: raven({}, { repoUrl: 'https://github.com/x/y\u0000' }), status: 400, code: V, mentions: 'control characters' },
  { name: 'repoUrl with ftp:', method: 'POST', path: () => '/api/spawn', body: raven({}, { repoUrl: 'ftp://example.com/x.git' }), status: 400, code: V, mentions: 'only https, http, ssh, git and file' },
  { name: 'repoUrl that is a bare path', method: 'POST', path: () => '/api/spawn', body: raven({}, { repoUrl: '/srv/repo.git' }), status: 400, code: V, mentions: 'file:///path' },
  { name: 'repoUrl with a host that is an ssh option', method: 'POST', path: () => '/api/spawn', body: raven({}, { repoUrl: 'ssh://-oProxyCommand=touch%20x/y' }), status: 400, code: V, mentions: 'starting with "-"' },
  { name: 'scp-like repoUrl with a host that is an option', method: 'POST', path: () => '/api/spawn', body: raven({}, { repoUrl: 'git@-oProxyCommand:y' }), status: 400, code: V, mentions: 'starting with "-"' },
  { name: 'branch that is an option', method: 'POST', path: () => '/api/spawn', body: raven({}, { repoUrl: 'https://example.invalid/x.git', branch: '--orphan' }), status: 400, code: V, mentions: 'config.branch' },
  { name: 'branch with ".."', method: 'POST', path: () => '/api/spawn', body: raven({}, { repoUrl: 'https://example.invalid/x.git', branch: 'a..b' }), status: 400, code: V, mentions: 'config.branch' },
  { name: 'repoUrl into a non-empty workdir', method: 'POST', path: () => '/api/spawn', body: raven({}, { repoUrl: 'https://example.invalid/x.git' }), status: 400, code: V, mentions: 'not empty' },
  { name: 'workdir that is another URL than repoUrl', method: 'POST', path: () => '/api/spawn', body: () => ({ agentType: 'shell', config: { repoUrl: 'https://example.invalid/x.git', workdir: 'https://example.invalid/other.git' } }), status: 400, code: V, mentions: 'local absolute path' },
  { name: 'relative workdir', method: 'POST', path: () => '/api/spawn', body: () => ({ agentType: 'shell', config: { workdir: 'rel/dir' } }), status: 400, code: V, mentions: 'absolute' },
  { name: 'workdir that is a URL', method: 'POST', path: () => '/api/spawn', body: () => ({ agentType: 'shell', config: { workdir: 'https://github.com/x/y.git' } }), status: 400, code: V },
  { name: 'spawn without agentType', method: 'POST', path: () => '/api/spawn', body: () => ({ count: 1 }), status: 400, code: V, mentions: 'agentType' },
  { name: 'unknown config field', method: 'POST', path: () => '/api/spawn', body: raven({}, { dockerImage: 'x' }), status: 400, code: V },
  // Routes and methods that do not exist.
  { name: 'unknown route', method: 'GET', path: () => '/api/agents/x/explode', status: 404, code: 'NOT_FOUND' },
  { name: 'wrong method', method: 'PUT', path: agent(), body: () => ({}), status: 404, code: 'NOT_FOUND' },
];

let t: TestServer;
let live: AgentHandle;
const ctx: Ctx = { id: '', workdir: '', outside: '' };
beforeAll(async () => {
  t = await startTestServer();
  live = await t.spawnShell();
  ctx.id = live.id;
  ctx.workdir = path.join(t.h.scratch, 'work');
  ctx.outside = path.join(t.h.scratch, 'outside');
  fs.mkdirSync(ctx.outside, { recursive: true });
  fs.symlinkSync(ctx.outside, path.join(ctx.workdir, 'link-out'));
  fs.writeFileSync(path.join(ctx.outside, 'target.txt'), 'original');
  fs.symlinkSync(path.join(ctx.outside, 'target.txt'), path.join(ctx.workdir, 'file-link'));
});
afterAll(async () => {
  await t.close();
});

describe('bad input', () => {
  it(`has at least 40 cases (${CASES.length})`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  for (const c of CASES) {
    it(`${c.name} → ${c.status} ${c.code}`, async () => {
      const res = await t.request(c.method, c.path(ctx), { body: c.body?.(ctx), headers: c.headers });
      expect(res.status).toBe(c.status);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.json as ErrorBody;
      expect(body.code).toBe(c.code);
      expect(body.error.length).toBeGreaterThan(5);
      if (c.mentions) expect(body.error).toContain(c.mentions);
    });
  }

  it('wrote nothing outside the workdir and left the symlink target alone', () => {
    expect(fs.readdirSync(ctx.outside)).toEqual(['target.txt']);
    expect(fs.readFileSync(path.join(ctx.outside, 'target.txt'), 'utf8')).toBe('original');
    expect(fs.existsSync(path.join(t.h.scratch, 'escape.txt'))).toBe(false);
  });

  it('checks every context file before writing any', async () => {
    const res = await t.request('POST', '/api/spawn', {
      body: { agentType: 'shell', config: { workdir: ctx.workdir, contextFiles: [{ path: 'first.md', content: 'a' }, { path: '../second.md', content: 'b' }] } },
    });
    expect(res.status).toBe(400);
    expect((res.json as ErrorBody).details).toMatchObject({ field: 'config.contextFiles[1].path' });
    expect(fs.existsSync(path.join(ctx.workdir, 'first.md'))).toBe(false);
  });

  it('reports every issue with its location', async () => {
    const res = await t.request('POST', '/api/agents', { body: { type: 7, cols: 'wide', extra: true } });
    const details = (res.json as ErrorBody).details as { location: string; issues: { path: string; message: string }[] };
    expect(details.location).toBe('body');
    expect(details.issues.map((i) => i.path).sort()).toEqual(['', 'cols', 'type']);
  });

  it('keeps serving, and the agent keeps working, after all of it', async () => {
    expect((await t.request('GET', '/api/health')).status).toBe(200);
    expect(t.h.manager.list().filter((a) => a.status !== 'stopped').map((a) => a.id)).toEqual([live.id]);
    const res = await t.request('POST', `/api/agents/${live.id}/send`, { body: { message: 'echo "still $((40+2))"' } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ response: { content: 'still 42' } });
  });
});

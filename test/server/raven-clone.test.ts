import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { RavenSpawnResponse } from '../../src-shared/api';
import type { ErrorBody } from '../../src-shared/errors';
import { createLogger, type LogRecord } from '../../src-main/runtime/logger';
import { startCallbackReceiver, startTestServer, type TestServer } from './support';

/**
 * `config.repoUrl` / `config.branch` on Raven's `POST /api/spawn`, with the real `git` against real
 * repositories made here (and a real HTTP server that asks for credentials).
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Works on a machine with no git identity or config of its own. */
const GIT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Raven Test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Raven Test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'init.defaultBranch=trunk', '-c', 'commit.gpgsign=false', ...args], { cwd, env: GIT_ENV, encoding: 'utf8' }).trim();
}

interface SourceRepo {
  dir: string;
  url: string;
  trunkHead: string;
  featureHead: string;
}

/**
 * A repository whose default branch is `trunk` (neither main nor master, so no default passes by
 * accident) holding README.md, with a branch `feature` that adds FEATURE.md.
 */
function sourceRepo(root: string): SourceRepo {
  const dir = path.join(root, 'source-repo');
  fs.mkdirSync(dir, { recursive: true });
  git(dir, 'init', '--quiet');
  fs.writeFileSync(path.join(dir, 'README.md'), '# from the repository\n');
  git(dir, 'add', 'README.md');
  git(dir, 'commit', '--quiet', '-m', 'initial');
  const trunkHead = git(dir, 'rev-parse', 'HEAD');
  git(dir, 'checkout', '--quiet', '-b', 'feature');
  fs.writeFileSync(path.join(dir, 'FEATURE.md'), 'feature work\n');
  git(dir, 'add', 'FEATURE.md');
  git(dir, 'commit', '--quiet', '-m', 'feature');
  const featureHead = git(dir, 'rev-parse', 'HEAD');
  git(dir, 'checkout', '--quiet', 'trunk');
  return { dir, url: pathToFileURL(dir).href, trunkHead, featureHead };
}

async function server(records?: LogRecord[]): Promise<TestServer> {
  const t = await startTestServer(records ? { server: { logger: createLogger('debug', (r) => records.push(r)) } } : {});
  cleanups.push(() => t.close());
  return t;
}

const scratchRoot = (t: TestServer) => path.join(t.h.dataDir, 'workspaces');
const entries = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);

/** A real HTTP server that asks for credentials on every request, as a private repository host does. */
async function authServer(): Promise<{ url: string; requests: number }> {
  const state = { requests: 0 };
  const srv = http.createServer((_req, res) => {
    state.requests++;
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"', 'Content-Type': 'text/plain' });
    res.end('authentication required\n');
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => srv.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${(srv.address() as { port: number }).port}`,
    get requests() {
      return state.requests;
    },
  };
}

describe('Raven spawn with config.repoUrl', () => {
  it('clones into a scratch folder when workdir is the repo URL; count 2 share it; the branch is checked out; contextFiles land in the clone', async () => {
    const t = await server();
    const repo = sourceRepo(t.h.scratch);
    const res = await t.request('POST', '/api/spawn', {
      body: {
        agentType: 'shell',
        count: 2,
        name: 'swarm-1a2b3c4d',
        // What Raven's swarm sends: workdir = repoUrl.
        config: { workdir: repo.url, repoUrl: repo.url, branch: 'feature', contextFiles: [{ path: 'AGENT_CONTEXT.md', content: 'context ✓\n' }] },
      },
    });
    expect(res.status).toBe(201);
    const { agents } = res.json as RavenSpawnResponse;
    expect(agents).toHaveLength(2);
    const workdirs = agents.map((a) => t.h.manager.get(a.id).workdir);
    expect(workdirs[1]).toBe(workdirs[0]);
    expect(workdirs[0]).toBe(path.join(scratchRoot(t), agents[0].id));
    const dir = workdirs[0];
    expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe('# from the repository\n');
    expect(fs.readFileSync(path.join(dir, 'FEATURE.md'), 'utf8')).toBe('feature work\n');
    expect(git(dir, 'symbolic-ref', '--short', 'HEAD')).toBe('feature');
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(repo.featureHead);
    expect(git(dir, 'rev-parse', '--abbrev-ref', 'feature@{upstream}')).toBe('origin/feature');
    expect(fs.readFileSync(path.join(dir, 'AGENT_CONTEXT.md'), 'utf8')).toBe('context ✓\n');
    // The agents really run in the clone.
    for (const agent of agents) {
      await t.h.waitFor('agent_ready', agent.id);
      const sent = await t.request('POST', `/api/agents/${agent.id}/send`, { body: { message: 'cat FEATURE.md AGENT_CONTEXT.md' } });
      expect(sent.json).toMatchObject({ response: { content: 'feature work\ncontext ✓' } });
    }
  });

  it('creates a branch the remote lacks from its default HEAD (Raven’s default "main" on a "trunk" repository), in a missing local workdir', async () => {
    const t = await server();
    const repo = sourceRepo(t.h.scratch);
    const workdir = path.join(t.h.scratch, 'not-yet', 'clone');
    const res = await t.request('POST', '/api/spawn', { body: { agentType: 'shell', config: { workdir, repoUrl: repo.url, branch: 'main' } } });
    expect(res.status).toBe(201);
    const id = (res.json as RavenSpawnResponse).agents[0].id;
    expect(t.h.manager.get(id).workdir).toBe(workdir);
    expect(git(workdir, 'symbolic-ref', '--short', 'HEAD')).toBe('main');
    expect(git(workdir, 'rev-parse', 'HEAD')).toBe(repo.trunkHead);
    expect(fs.existsSync(path.join(workdir, 'README.md'))).toBe(true);
    expect(fs.existsSync(path.join(workdir, 'FEATURE.md'))).toBe(false);
    // Nothing named main on the remote; the remote's branches are all still there to switch to.
    expect(git(workdir, 'branch', '--remotes').split('\n').map((b) => b.trim()).sort()).toEqual(['origin/HEAD -> origin/trunk', 'origin/feature', 'origin/trunk']);
    expect(entries(scratchRoot(t))).toEqual([]);
  });

  it('clones into an existing empty folder and stays on the default branch without config.branch', async () => {
    const t = await server();
    const repo = sourceRepo(t.h.scratch);
    const workdir = path.join(t.h.scratch, 'empty');
    fs.mkdirSync(workdir);
    const res = await t.request('POST', '/api/spawn', { body: { agentType: 'shell', config: { workdir, repoUrl: repo.url } } });
    expect(res.status).toBe(201);
    expect(git(workdir, 'symbolic-ref', '--short', 'HEAD')).toBe('trunk');
    expect(git(workdir, 'rev-parse', 'HEAD')).toBe(repo.trunkHead);
  });

  it('answers 500 SPAWN_FAILED with git’s message for a missing repository, and leaves no folder behind', async () => {
    const t = await server();
    const callbacks = await startCallbackReceiver();
    cleanups.push(() => callbacks.close());
    const missing = pathToFileURL(path.join(t.h.scratch, 'no-such-repo')).href;
    fs.mkdirSync(scratchRoot(t), { recursive: true });

    const scratch = await t.request('POST', '/api/spawn', { body: { agentType: 'shell', config: { repoUrl: missing }, workspaceId: 'ws-1', callbackUrl: callbacks.url } });
    expect(scratch.status).toBe(500);
    const body = scratch.json as ErrorBody;
    expect(body.code).toBe('SPAWN_FAILED');
    expect(body.error).toContain(`Could not clone ${missing}`);
    expect(body.error).toMatch(/does not appear to be a git repository|not found/);
    expect(body.details).toMatchObject({ field: 'config.repoUrl', repoUrl: missing, timedOut: false });
    expect(entries(scratchRoot(t))).toEqual([]);

    const workdir = path.join(t.h.scratch, 'wanted', 'here');
    const local = await t.request('POST', '/api/spawn', { body: { agentType: 'shell', config: { workdir, repoUrl: missing, branch: 'main' } } });
    expect(local.status).toBe(500);
    expect((local.json as ErrorBody).code).toBe('SPAWN_FAILED');
    expect(fs.existsSync(path.join(t.h.scratch, 'wanted'))).toBe(false);

    const empty = path.join(t.h.scratch, 'kept-empty');
    fs.mkdirSync(empty);
    expect((await t.request('POST', '/api/spawn', { body: { agentType: 'shell', config: { workdir: empty, repoUrl: missing } } })).status).toBe(500);
    expect(entries(empty)).toEqual([]);

    expect(t.h.manager.list()).toEqual([]);
    expect(callbacks.requests).toEqual([]);
  });

  it('masks credentials in the URL from the error and the logs', async () => {
    const records: LogRecord[] = [];
    const t = await server(records);
    const host = await authServer();
    const withPassword = `${host.url.replace('http://', 'http://alice:s3cr3t-pass-42@')}/private.git`;
    const tokenAsUser = `${host.url.replace('http://', 'http://ghp_t0kenvalue123456@')}/private.git`;
    for (const repoUrl of [withPassword, tokenAsUser]) {
      const res = await t.request('POST', '/api/spawn', { body: { agentType: 'shell', config: { repoUrl } } });
      expect(res.status).toBe(500);
      expect((res.json as ErrorBody).code).toBe('SPAWN_FAILED');
      expect((res.json as ErrorBody).error).toContain(`Could not clone ${host.url.replace('http://', 'http://***@')}/private.git`);
      expect(res.text).not.toMatch(/s3cr3t|t0kenvalue|alice/);
    }
    expect(host.requests).toBeGreaterThan(0);
    const logged = JSON.stringify(records);
    expect(logged).toContain('cloning repository');
    expect(logged).not.toMatch(/s3cr3t|t0kenvalue|alice/);
    expect(entries(scratchRoot(t))).toEqual([]);
  });

  it('never waits for a password: a host that asks for one fails the spawn at once', async () => {
    const t = await server();
    const host = await authServer();
    const started = Date.now();
    const res = await t.request('POST', '/api/spawn', { body: { agentType: 'shell', config: { repoUrl: `${host.url}/private.git` } } });
    expect(res.status).toBe(500);
    expect((res.json as ErrorBody).error).toContain('terminal prompts disabled');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(entries(scratchRoot(t))).toEqual([]);
  });

  it('removes the clone again when the agent cannot start (all or nothing), so a retry finds the folder empty', async () => {
    const t = await server();
    const repo = sourceRepo(t.h.scratch);
    const workdir = path.join(t.h.scratch, 'retry-me');
    const failed = await t.request('POST', '/api/spawn', { body: { agentType: 'custom', config: { workdir, repoUrl: repo.url, command: '/nonexistent/agent-cli' } } });
    expect(failed.status).toBeGreaterThanOrEqual(400);
    expect(fs.existsSync(workdir)).toBe(false);
    const scratchFailed = await t.request('POST', '/api/spawn', { body: { agentType: 'custom', config: { repoUrl: repo.url, command: '/nonexistent/agent-cli' } } });
    expect(scratchFailed.status).toBeGreaterThanOrEqual(400);
    expect(entries(scratchRoot(t))).toEqual([]);
    // The retry Raven would make.
    const retried = await t.request('POST', '/api/spawn', { body: { agentType: 'shell', config: { workdir, repoUrl: repo.url } } });
    expect(retried.status).toBe(201);
    expect(fs.existsSync(path.join(workdir, 'README.md'))).toBe(true);
  });
});

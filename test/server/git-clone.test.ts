import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src-main/runtime/errors';
import { createLogger } from '../../src-main/runtime/logger';
import { cloneRepository } from '../../src-main/workspace/git-clone';
import { parseRepoUrl } from '../../src-main/workspace/repo-url';
import { until } from './support';

/** The clone deadline, against a real git talking to a real server that never answers. */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('cloneRepository', () => {
  it('kills git at the deadline (its connection is cut) and reports SPAWN_FAILED with timedOut', async () => {
    const sockets: net.Socket[] = [];
    let closed = 0;
    // Accepts git:// connections and never says a word: a stalled server git would wait on forever.
    const silent = net.createServer((socket) => {
      sockets.push(socket);
      // Read (and drop) git's request, so the peer's end of the connection is noticed.
      socket.resume();
      socket.on('close', () => closed++);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    cleanups.push(() => sockets.forEach((s) => s.destroy()));
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-clone-'));
    cleanups.push(() => fs.rmSync(root, { recursive: true, force: true }));
    const dest = path.join(root, 'dest');
    const repo = parseRepoUrl(`git://127.0.0.1:${(silent.address() as net.AddressInfo).port}/stalled.git`);

    const started = Date.now();
    const error = await cloneRepository({ repo, dest, timeoutMs: 700 }, createLogger('silent')).then(
      () => undefined,
      (e: unknown) => e,
    );
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as RuntimeError).code).toBe('SPAWN_FAILED');
    expect((error as RuntimeError).message).toContain('did not finish within 0.7 s');
    expect((error as RuntimeError).details).toMatchObject({ timedOut: true, repoUrl: repo.display });
    expect(elapsed).toBeGreaterThanOrEqual(650);
    expect(elapsed).toBeLessThan(5_000);
    expect(sockets.length).toBeGreaterThan(0);
    // git held the connection open; killing it closes it.
    await until(() => closed === sockets.length, 5_000, 'git’s connection closed');
  });
});

import { describe, expect, it } from 'vitest';
import { ServerSupervisor } from '../../src-main/desktop/app/server-supervisor';
import { FakeRuntime, fakeWorld, type FakeWorld } from './fake-electron-ports';

/** The server supervisor alone, on the fake ports: starts, restarts and status reports. */

function supervisor(world: FakeWorld = fakeWorld(), options: { runtime?: FakeRuntime | null } = {}) {
  const runtime = options.runtime === null ? undefined : (options.runtime ?? new FakeRuntime());
  let quitting = false;
  const statusChanges: (string | undefined)[] = [];
  const server = new ServerSupervisor(world.deps, () => runtime, () => quitting);
  server.onStatusChange(() => statusChanges.push(server.handle ? `running:${server.handle.port}` : `error:${server.error}`));
  return { world, server, statusChanges, quit: () => (quitting = true) };
}

describe('ServerSupervisor', () => {
  it('does nothing without a runtime', async () => {
    const { world, server } = supervisor(fakeWorld(), { runtime: null });
    expect(await server.start()).toBe(false);
    expect(world.servers.started).toEqual([]);
  });

  it('joins a start already under way instead of starting twice', async () => {
    const { world, server, statusChanges } = supervisor();
    const [first, second] = await Promise.all([server.start(), server.start()]);
    expect([first, second]).toEqual([true, true]);
    expect(world.servers.started).toHaveLength(1);
    expect(statusChanges).toEqual(['running:8765']);
    expect(server.origin).toBe('http://127.0.0.1:8765');
  });

  it('brackets an IPv6 host in the origin, and allows it with the configured origins', async () => {
    const { world, server } = supervisor(fakeWorld({ settings: { bindHost: '::1', allowedOrigins: ['https://docs.example.com'] } }));
    expect(await server.start()).toBe(true);
    expect(server.origin).toBe('http://[::1]:8765');
    expect(world.servers.started[0]?.allowedOrigins).toEqual(['http://[::1]:8765', 'https://docs.example.com']);
  });

  it('restarts only when a server setting really changed', async () => {
    const { world, server } = supervisor();
    await server.start();
    // Font size is not a server setting; the signature is unchanged.
    expect(await server.restartIfChanged({ ...world.settings.get(), fontSize: 20 })).toBe(false);
    expect(world.servers.closed).toEqual([]);

    expect((await world.settings.update({ port: 9300 })).ok).toBe(true);
    expect(await server.restartIfChanged(world.settings.get())).toBe(true);
    expect(world.servers.closed).toEqual([8765]);
    expect(world.servers.started.map((o) => o.port)).toEqual([8765, 9300]);
    expect(server.origin).toBe('http://127.0.0.1:9300');

    // The key is a server setting too: the server authorises with the one it started with.
    expect((await world.settings.update({ apiKey: 'k'.repeat(24) })).ok).toBe(true);
    expect(await server.restartIfChanged(world.settings.get())).toBe(true);
    expect(world.servers.started.at(-1)?.apiKey).toBe('k'.repeat(24));
  });

  it('does not restart a server that is not running', async () => {
    const { world, server } = supervisor();
    expect((await world.settings.update({ port: 9301 })).ok).toBe(true);
    expect(await server.restartIfChanged(world.settings.get())).toBe(false);
    expect(world.servers.started).toEqual([]);
  });

  it('reports a failure through its status and an error box', async () => {
    const { world, server, statusChanges } = supervisor();
    world.servers.failWith = new Error('EACCES: permission denied');
    expect(await server.start()).toBe(false);
    expect(server.error).toBe('The API server failed: EACCES: permission denied');
    expect(statusChanges).toEqual(['error:The API server failed: EACCES: permission denied']);
    expect(world.dialog.errors).toEqual([{ title: 'Raven Agent Runtime could not start', content: 'The API server failed: EACCES: permission denied' }]);
  });

  it('stays quiet about a failure while quitting', async () => {
    const { world, server, statusChanges, quit } = supervisor();
    world.servers.failWith = new Error('boom');
    quit();
    expect(await server.start()).toBe(false);
    expect(statusChanges).toEqual([]);
    expect(world.dialog.errors).toEqual([]);
  });

  it('announces stopping to the running server and closes it once', async () => {
    const { world, server } = supervisor();
    await server.start();
    const announced: string[] = [];
    const handle = server.handle;
    if (!handle) throw new Error('not running');
    handle.announceStopping = (reason) => void announced.push(reason);
    server.announceStopping('quit');
    await server.close();
    await server.close();
    expect(announced).toEqual(['quit']);
    expect(world.servers.closed).toEqual([8765]);
    expect(server.handle).toBeUndefined();
  });
});

/**
 * The container mode against the engines this machine really has. The docker client is installed
 * without a daemon: that must be a clear ISOLATION_UNAVAILABLE. Where podman works, a shell agent
 * runs in a real container in a real PTY, built from a tiny image of the host's own binaries.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as pty from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerBackend, ContainerLaunch, type ContainerBackendOptions } from '../../src-main/runtime/isolation/container';
import { detectContainerEngine } from '../../src-main/runtime/isolation/container-engine';
import { containerEgress } from '../../src-main/runtime/isolation/sandbox-egress';
import type { IsolatedLaunch, IsolationContext, LaunchSpec, LimitHit, ResolvedIsolation } from '../../src-main/runtime/isolation/types';
import { silentLogger } from '../../src-main/runtime/logger';
import { until } from '../support/until';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-container-'));
let counter = 0;

function context(): IsolationContext {
  const agentId = `ctest-${process.pid}-${++counter}`;
  const stateDir = path.join(tmp, 'state', agentId);
  fs.mkdirSync(stateDir, { recursive: true });
  return { agentId, type: 'custom', stateDir, runtimePaths: [], log: silentLogger };
}

function policy(overrides: Partial<ResolvedIsolation> = {}): ResolvedIsolation {
  return { mode: 'container', network: 'none', allow: [], writable: [], readOnly: [], limits: {}, ...overrides };
}

function launchSpec(executable: string, args: string[], cwd: string): LaunchSpec {
  return { executable, args, cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm-256color', RAVEN_TEST_VALUE: 'passed-in' } };
}

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const dockerInstalled = spawnSync('docker', ['--version']).status === 0;
const dockerAnswers = dockerInstalled && spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 5000 }).status === 0;

describe.runIf(dockerInstalled && !dockerAnswers)('docker client without a daemon', () => {
  it('spawning through the backend fails with ISOLATION_UNAVAILABLE and says the daemon is not running', async () => {
    const backend = new ContainerBackend({ engine: 'docker' });
    const failure = backend.prepare(launchSpec('/bin/bash', [], tmp), policy(), context());
    await expect(failure).rejects.toMatchObject({ code: 'ISOLATION_UNAVAILABLE' });
    await expect(failure).rejects.toThrow(/docker is installed but its daemon is not running: .*Cannot connect to the Docker daemon/);
  });
});

describe('requests the backend refuses before asking an engine', () => {
  it('network allowlist', async () => {
    await expect(new ContainerBackend().prepare(launchSpec('/bin/bash', [], tmp), policy({ network: 'allowlist' }), context())).rejects.toMatchObject({
      code: 'ISOLATION_UNAVAILABLE',
      message: expect.stringContaining('allowlist'),
    });
  });

  it('a folder a volume flag cannot carry', async () => {
    await expect(new ContainerBackend().prepare(launchSpec('/bin/bash', [], tmp), policy({ writable: ['/tmp/a:b'] }), context())).rejects.toMatchObject({
      code: 'ISOLATION_UNAVAILABLE',
    });
  });
});

/**
 * What podman needs on these machines (docs/isolation-limits.md): crun refuses the hybrid cgroup
 * layout, so runc with cgroupfs; and its default file and process rlimits exceed what the runtime
 * may raise, so explicit ones.
 */
const PODMAN_OPTIONS: ContainerBackendOptions = {
  engine: 'podman',
  engineArgs: { podman: ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs'] },
  runArgs: { podman: ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=4096:4096'] },
};
const podmanArgs = PODMAN_OPTIONS.engineArgs?.podman ?? [];
const podmanAnswers = (await detectContainerEngine(PODMAN_OPTIONS)).engine === 'podman';
const IMAGE = `localhost/raven-test-shell:${process.pid}`;

/** A root filesystem of host binaries and their libraries, imported as an image. */
function buildShellImage(): void {
  const rootfs = path.join(tmp, 'rootfs');
  fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(rootfs, 'tmp'), { recursive: true, mode: 0o1777 });
  fs.mkdirSync(path.join(rootfs, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(rootfs, 'etc/passwd'), 'root:x:0:0::/:/bin/sh\n');
  for (const program of ['bash', 'sh', 'cat', 'sleep', 'stty', 'id']) {
    const hostPath = execFileSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).trim();
    fs.copyFileSync(fs.realpathSync(hostPath), path.join(rootfs, 'bin', program));
    fs.chmodSync(path.join(rootfs, 'bin', program), 0o755);
    for (const lib of execFileSync('ldd', [hostPath], { encoding: 'utf8' }).match(/\/[^\s)]+/g) ?? []) {
      const target = path.join(rootfs, lib);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      if (!fs.existsSync(target)) fs.copyFileSync(fs.realpathSync(lib), target);
    }
  }
  // The runtime's Node is mounted in for the egress bridge (network allowlist): its libraries must be in the image.
  for (const lib of execFileSync('ldd', [process.execPath], { encoding: 'utf8' }).match(/\/[^\s)]+/g) ?? []) {
    const target = path.join(rootfs, lib);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (!fs.existsSync(target)) fs.copyFileSync(fs.realpathSync(lib), target);
  }
  const tarball = path.join(tmp, 'rootfs.tar');
  execFileSync('tar', ['-C', rootfs, '-cf', tarball, '.']);
  execFileSync('podman', [...podmanArgs, 'import', tarball, IMAGE], { stdio: 'ignore' });
}

interface Running {
  launch: IsolatedLaunch;
  child: pty.IPty;
  output(): string;
  exited: Promise<{ exitCode: number; signal?: number }>;
}

function run(launch: IsolatedLaunch): Running {
  let output = '';
  const child = pty.spawn(launch.executable, launch.args, { name: 'xterm-256color', cols: 80, rows: 24, cwd: launch.cwd, env: launch.env });
  child.onData((data) => {
    output += data;
  });
  const exited = new Promise<{ exitCode: number; signal?: number }>((resolve) => child.onExit(resolve));
  launch.attach(child.pid);
  return { launch, child, output: () => output, exited };
}

function containerExists(name: string): boolean {
  return spawnSync('podman', [...podmanArgs, 'container', 'exists', name]).status === 0;
}

describe.runIf(podmanAnswers)('podman container agent', () => {
  const workdir = path.join(tmp, 'work');
  const launches: IsolatedLaunch[] = [];

  beforeAll(() => {
    fs.mkdirSync(workdir, { recursive: true });
    buildShellImage();
  });

  afterAll(async () => {
    await Promise.all(launches.map((launch) => launch.dispose()));
    spawnSync('podman', [...podmanArgs, 'rmi', '-f', IMAGE]);
  });

  async function prepare(program: string, args: string[], overrides: Partial<ResolvedIsolation> = {}, ctx = context()): Promise<IsolatedLaunch> {
    const launch = await new ContainerBackend({ ...PODMAN_OPTIONS, defaultImage: IMAGE }).prepare(launchSpec(program, args, workdir), policy(overrides), ctx);
    launches.push(launch);
    return launch;
  }

  it('runs a shell agent in a PTY: input, output, the workdir, the variables, the exit code', async () => {
    const launch = await prepare('/bin/bash', ['--norc', '--noprofile', '-i'], { limits: { memoryMb: 128 } });
    expect(launch.describe()).toMatchObject({ mode: 'container', network: 'none', engine: 'podman', image: IMAGE, limits: { memoryMb: 128 } });
    const agent = run(launch);
    agent.child.write('echo "sum=$((6*7)) uid=$(id -u) home=$HOME value=$RAVEN_TEST_VALUE"; echo hi > from-container.txt; stty size\r');
    await until(() => /sum=42 uid=\d+ home=\/home\/raven value=passed-in/.test(agent.output()) && agent.output().includes('24 80'), 30_000, 'the shell to answer');
    expect(agent.output()).toContain(`uid=${process.getuid?.()}`);
    expect(fs.readFileSync(path.join(workdir, 'from-container.txt'), 'utf8')).toBe('hi\n');
    agent.child.write('exit 7\r');
    expect((await agent.exited).exitCode).toBe(7);
  });

  it('a resize of the PTY reaches the program in the container as SIGWINCH with the new size', async () => {
    // The engine forwards the size asynchronously: the program learns it by SIGWINCH, as TUIs do.
    const launch = await prepare('/bin/bash', ['-c', "trap 'stty size' WINCH; echo armed; while :; do sleep 0.1; done"]);
    const agent = run(launch);
    await until(() => agent.output().includes('armed'), 30_000, 'the trap to be set');
    agent.child.resize(100, 30);
    await until(() => agent.output().includes('30 100'), 10_000, 'the new size inside');
    agent.child.kill('SIGKILL');
    await agent.exited;
  });

  it("mounts the runtime's own files read-only at their paths, so a runtime program runs by its path", async () => {
    const runtimeDir = path.join(tmp, 'runtime-files');
    fs.mkdirSync(runtimeDir, { recursive: true });
    const script = path.join(runtimeDir, 'hello.sh');
    fs.writeFileSync(script, '#!/bin/bash\necho "hello from $0"\necho x > "$(dirname "$0")/written" 2>/dev/null && echo wrote || echo read-only\n', { mode: 0o755 });
    const ctx = { ...context(), runtimePaths: [runtimeDir] };
    const agent = run(await prepare(script, [], {}, ctx));
    await agent.exited;
    expect(agent.output()).toContain(`hello from ${script}`);
    expect(agent.output()).toContain('read-only');
    expect(fs.existsSync(path.join(runtimeDir, 'written'))).toBe(false);
  });

  it('has no network but loopback under network none', async () => {
    const launch = await prepare('/bin/sh', ['-c', 'cat /proc/net/dev']);
    const agent = run(launch);
    await agent.exited;
    const interfaces = agent.output().split(/\r?\n/).filter((line) => line.includes(':')).map((line) => line.split(':')[0].trim());
    expect(interfaces).toEqual(['lo']);
  });

  it('dispose stops the container even though killing the client does not', async () => {
    const ctx = context();
    const launch = await prepare('/bin/sleep', ['300'], {}, ctx);
    const agent = run(launch);
    const name = `raven-${ctx.agentId}`;
    await until(() => spawnSync('podman', [...podmanArgs, 'inspect', '--format', '{{.State.Running}}', name], { encoding: 'utf8' }).stdout.trim() === 'true', 30_000, 'the container to run');
    agent.child.kill('SIGKILL');
    await agent.exited;
    expect(containerExists(name)).toBe(true);
    await launch.dispose();
    expect(containerExists(name)).toBe(false);
  });

  it('memoryMb 64: an allocation of 200 MB is OOM-killed inside and reported as a memory hit', async () => {
    // The program waits for a line, so the allocation starts only once the runtime watches the container's cgroup.
    const launch = await prepare('/bin/bash', ['-c', 'echo waiting; read go; a=$(printf "%*s" 200000000 ""); echo survived ${#a}'], { limits: { memoryMb: 64 } });
    expect(launch).toBeInstanceOf(ContainerLaunch);
    const hit = new Promise<LimitHit>((resolve) => launch.onLimit(resolve));
    const agent = run(launch);
    expect(await (launch as ContainerLaunch).watching()).toBe(true);
    await until(() => agent.output().includes('waiting'), 30_000, 'the program to wait for its line');
    agent.child.write('go\r');
    await agent.exited;
    expect(agent.output()).not.toContain('survived');
    const reported = await Promise.race([hit, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no memory hit within 10 s')), 10_000))]);
    expect(reported.limit).toBe('memory');
  });

  it('maxProcesses 8: forking 50 sleeps inside is refused and reported as a processes hit', async () => {
    const launch = await prepare('/bin/bash', ['-c', 'echo waiting; read go; for ((i = 0; i < 50; i++)); do sleep 1 2>/dev/null & done; wait; echo done-forking'], { limits: { maxProcesses: 8 } });
    const hit = new Promise<LimitHit>((resolve) => launch.onLimit(resolve));
    const agent = run(launch);
    expect(await (launch as ContainerLaunch).watching()).toBe(true);
    await until(() => agent.output().includes('waiting'), 30_000, 'the program to wait for its line');
    agent.child.write('go\r');
    const reported = await Promise.race([hit, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no processes hit within 10 s')), 10_000))]);
    expect(reported).toMatchObject({ limit: 'processes', detail: expect.stringContaining('process limit of 8') });
    await agent.exited;
  });

  it('network allowlist through the egress seam: loopback only, the bridge runs first and gets its mounts and variables', async () => {
    const bridgeDir = path.join(tmp, 'bridge');
    const socketDir = path.join(tmp, 'egress-sockets');
    fs.mkdirSync(bridgeDir, { recursive: true });
    fs.mkdirSync(socketDir, { recursive: true });
    const bridge = path.join(bridgeDir, 'bridge.sh');
    // Stands in for sandbox-init: proves it ran first, saw the proxy variable and its socket folder, then execs the program.
    fs.writeFileSync(bridge, '#!/bin/bash\necho "bridge proxy=$HTTPS_PROXY"; echo ok > "$EGRESS_DIR/bridge-was-here"; shift; exec "$@"\n', { mode: 0o755 });
    const calls: string[] = [];
    const backend = new ContainerBackend({
      ...PODMAN_OPTIONS,
      defaultImage: IMAGE,
      egress: async ({ program }) => {
        calls.push(`create ${program.join(' ')}`);
        return {
          readOnly: [bridgeDir],
          writable: [socketDir],
          program: [bridge, '--', ...program],
          env: { HTTPS_PROXY: 'http://127.0.0.1:3128', EGRESS_DIR: socketDir },
          allowedHosts: ['api.anthropic.com'],
          refusedConnections: () => 3,
          dispose: async () => {
            calls.push('dispose');
          },
        };
      },
    });
    const launch = await backend.prepare(launchSpec('/bin/sh', ['-c', 'echo program-ran; cat /proc/net/dev'], workdir), policy({ network: 'allowlist' }), context());
    launches.push(launch);
    expect(launch.describe()).toMatchObject({ network: 'allowlist', allowedHosts: ['api.anthropic.com'], refusedConnections: 3 });
    expect(launch.args.join(' ')).not.toContain('http://127.0.0.1:3128');
    const agent = run(launch);
    await agent.exited;
    expect(agent.output()).toContain('bridge proxy=http://127.0.0.1:3128');
    expect(agent.output()).toContain('program-ran');
    const interfaces = agent.output().split(/\r?\n/).filter((line) => /^\s*\w+:/.test(line) && !line.includes('bridge')).map((line) => line.split(':')[0].trim());
    expect(interfaces).toEqual(['lo']);
    expect(fs.readFileSync(path.join(socketDir, 'bridge-was-here'), 'utf8')).toBe('ok\n');
    await launch.dispose();
    expect(calls).toEqual(['create sh -c echo program-ran; cat /proc/net/dev', 'dispose']);
  });

  it('network allowlist with the real proxy and bridge: an allowlisted loopback server is reached, another is refused and counted', async () => {
    const hits = { allowed: 0, other: 0 };
    const servers = await Promise.all(
      (['allowed', 'other'] as const).map(
        (name) =>
          new Promise<http.Server>((resolve) => {
            const server = http.createServer((_req, res) => {
              hits[name]++;
              res.end(`hello from ${name}`);
            });
            server.listen(0, '127.0.0.1', () => resolve(server));
          }),
      ),
    );
    const [allowedPort, otherPort] = servers.map((server) => (server.address() as AddressInfo).port);
    try {
      const backend = new ContainerBackend({ ...PODMAN_OPTIONS, defaultImage: IMAGE, egress: containerEgress });
      const get = (port: number) => `(exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3) 2>&1; echo`;
      const connect = `exec 4<>/dev/tcp/127.0.0.1/3128 && printf 'CONNECT 127.0.0.1:${otherPort} HTTP/1.1\\r\\n\\r\\n' >&4 && read -r line <&4 && echo "$line"`;
      const script = `${get(allowedPort)}; ${get(otherPort)}; ${connect}`;
      const launch = await backend.prepare(launchSpec('/bin/bash', ['-c', script], workdir), policy({ network: 'allowlist', allow: [`127.0.0.1:${allowedPort}`] }), context());
      launches.push(launch);
      expect(launch.describe()).toMatchObject({ mode: 'container', network: 'allowlist', refusedConnections: 0 });
      const agent = run(launch);
      await agent.exited;
      const out = agent.output();
      expect(out).toContain('hello from allowed');
      expect(out).toMatch(/Connection refused/);
      expect(out).toMatch(/HTTP\/1\.1 403/);
      expect(hits).toEqual({ allowed: 1, other: 0 });
      expect(launch.describe().refusedConnections).toBe(1);
    } finally {
      for (const server of servers) server.close();
    }
  });

  it('a missing image is ISOLATION_UNAVAILABLE naming it and how to get it', async () => {
    const failure = prepare('/bin/bash', [], { image: 'localhost/raven-no-such-image:1' });
    await expect(failure).rejects.toMatchObject({ code: 'ISOLATION_UNAVAILABLE' });
    await expect(failure).rejects.toThrow(/localhost\/raven-no-such-image:1 is not on this machine for podman: pull it .*build it/);
  });
});

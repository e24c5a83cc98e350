import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SpawnConfig } from '../../src-shared/agent';
import { SESSION_MARKER_VARIABLE } from '../../src-main/runtime/env';
import { isAlive, processesWithEnvMarker } from '../../src-main/runtime/process/process-tree';
import { createHarness, scratchDir, type Harness } from '../support/runtime-harness';
import { until } from '../support/until';

/**
 * The `sandbox` mode for real: shell agents spawned through the manager, inside bubblewrap, in a
 * real PTY (docs/isolation.md). The data folder lies outside /tmp and the home, so hiding it is
 * checked on its own and not as a side effect of the private /tmp.
 */

let h: Harness;
let dataRoot: string;
/** The runtime's data folder (outside /tmp and the home). */
let dataDir: string;
let home: string;
const SECRET = `secret-${randomBytes(6).toString('hex')}`;

beforeEach(() => {
  dataRoot = fs.mkdtempSync(path.join('/var/tmp', 'raven-sandbox-test-'));
  // The agent's would-be HOME, with a file the sandbox must not show.
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-sandbox-home-'));
  fs.writeFileSync(path.join(home, 'secret.txt'), SECRET);
  dataDir = path.join(dataRoot, 'data');
  h = createHarness({ dataDir }, { ...process.env, SHELL: '/bin/bash', HOME: home });
});

afterEach(async () => {
  await h.close();
  fs.rmSync(dataRoot, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
});

async function sandboxShell(extra: Partial<SpawnConfig> = {}): Promise<string> {
  const workdir = scratchDir(h, `work-${randomBytes(3).toString('hex')}`);
  const agent = await h.manager.spawn({ type: 'shell', workdir, isolation: { mode: 'sandbox', network: 'none' }, ...extra });
  await h.waitFor('agent_ready', agent.id);
  return agent.id;
}

function readCmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

async function run(id: string, command: string): Promise<string> {
  const result = await h.manager.send(id, command, { timeoutMs: 10_000 });
  return result.response;
}

describe('sandbox isolation (bubblewrap, real PTY)', () => {
  it('reports itself on the handle, writes only its workdir, and sees neither the home nor the data folder', async () => {
    // The sandbox starts first, on a fresh data folder: what other agents write there later must
    // stay hidden too.
    expect(fs.existsSync(dataDir)).toBe(false);
    const id = await sandboxShell();
    const plain = await h.manager.spawn({ type: 'shell', workdir: scratchDir(h, 'plain') });
    await h.waitFor('agent_ready', plain.id);
    const otherTranscripts = path.join(dataDir, 'transcripts', plain.id);
    // Stopped, so its recording is complete on disk.
    await h.manager.stop(plain.id);
    expect(fs.readdirSync(otherTranscripts)).toContain('meta.json');

    const handle = h.manager.get(id);
    expect(handle.isolation).toEqual({ mode: 'sandbox', network: 'none', limitsEnforcedBy: 'none' });
    expect(handle.command).toBe('/bin/bash'); // the program, not bwrap
    const workdir = handle.workdir;

    expect(await run(id, 'echo made > inside.txt && cat inside.txt')).toBe('made');
    expect(fs.readFileSync(path.join(workdir, 'inside.txt'), 'utf8')).toBe('made\n');

    expect(await run(id, 'cat "$HOME/secret.txt" >/dev/null 2>&1; echo "rc=$?"')).toBe('rc=1');
    expect(await run(id, 'echo "home=$HOME"; ls -A "$HOME" | wc -l')).toBe(`home=${home}\n0`);
    // The real home is empty but for the way to the runtime's own files, when they live in it
    // (CI's Node 22 sits under ~/.cache): those are bound back read-only.
    const runtimeEntries = [process.execPath, path.resolve(__dirname, '../..')]
      .filter((p) => p.startsWith(os.homedir() + path.sep))
      .map((p) => path.relative(os.homedir(), p).split(path.sep)[0]);
    const listed = (await run(id, `ls -A ${os.homedir()}`)).split('\n').filter((line) => line !== '');
    expect(listed.filter((entry) => !runtimeEntries.includes(entry))).toEqual([]);
    expect(await run(id, `ls ${otherTranscripts} >/dev/null 2>&1; echo "rc=$?"`)).not.toBe('rc=0');
    expect(await run(id, `ls -A ${dataDir} 2>/dev/null | wc -l`)).toBe('0');

    const sibling = scratchDir(h, 'sibling');
    expect(await run(id, `touch ${sibling}/x 2>/dev/null; echo "rc=$?"`)).toBe('rc=1');
    expect(fs.existsSync(path.join(sibling, 'x'))).toBe(false);
    expect(await run(id, 'touch /etc/raven-sandbox-probe 2>&1; echo "rc=$?"')).toMatch(/Read-only file system[\s\S]*rc=1/);
    expect(fs.existsSync('/etc/raven-sandbox-probe')).toBe(false);
    // The private /tmp holds only the mount points of the workdir and the home (both under /tmp
    // here), and of the runtime's own files when it runs from under /tmp (a CI clone).
    const repo = path.resolve(__dirname, '../..');
    const runtimeUnderTmp = repo.startsWith('/tmp/') ? [repo.split('/')[2]!] : [];
    expect(await run(id, 'echo "tmp=$TMPDIR"; ls -A1 /tmp')).toBe(`tmp=/tmp\n${[path.basename(h.scratch), path.basename(home), ...runtimeUnderTmp].sort().join('\n')}`);
  });

  it('cannot see or signal a process started outside', async () => {
    const tag = `raven-outside-${randomBytes(4).toString('hex')}`;
    // A unique argv: `sleep` accepts several durations and sleeps their sum.
    const outside: ChildProcess = spawn('bash', ['-c', `exec -a ${tag} sleep 1000`], { stdio: 'ignore' });
    try {
      await until(() => fs.existsSync(`/proc/${outside.pid}`) && fs.readFileSync(`/proc/${outside.pid}/cmdline`, 'utf8').includes(tag), 5_000, 'the outside process');
      const id = await sandboxShell();
      // `[r]aven-…` matches the tag but not grep's own command line.
      const pattern = `[${tag[0]}]${tag.slice(1)}`;
      expect(await run(id, `grep -l '${pattern}' /proc/[0-9]*/cmdline 2>/dev/null | wc -l`)).toBe('0');
      expect(await run(id, `ps ax | grep -c '${pattern}'`)).toBe('0');
      expect(await run(id, `kill -0 ${outside.pid} 2>/dev/null; echo "rc=$?"`)).toBe('rc=1');
      expect(isAlive(outside.pid!)).toBe(true);
    } finally {
      outside.kill('SIGKILL');
    }
  });

  it('keeps job control, resize and Ctrl-C working, and passes the exit code back', async () => {
    const id = await sandboxShell();
    expect(await run(id, 'stty size')).toBe('40 120');
    expect(await run(id, 'tty >/dev/null && echo "has tty"')).toBe('has tty');
    // A trap on SIGWINCH proves the signal reaches the program, not only the size.
    await run(id, 'trap "echo got-winch" WINCH');
    h.manager.resize(id, 100, 30);
    await until(() => h.manager.output(id).includes('got-winch'), 5_000, 'SIGWINCH inside the sandbox');
    expect(await run(id, 'stty size')).toBe('30 100');

    await h.manager.send(id, 'sleep 1000', { timeoutMs: 1_000, expectResponse: false });
    const session = h.manager.sessionFor(id);
    const sleeping = () => session.liveProcesses().filter((pid) => readCmdline(pid).startsWith('sleep'));
    await until(() => sleeping().length === 1, 5_000, 'sleep inside');
    const [sleepPid] = sleeping();
    await h.manager.sendKeys(id, ['ctrl+c']);
    await until(() => !isAlive(sleepPid!) && h.manager.get(id).status === 'ready', 5_000, 'sleep interrupted and the shell ready');
    // SIGINT reached the foreground job only: the shell and the sandbox are still there.
    expect(await run(id, 'echo "after=$?"')).toBe('after=130');

    // A background job outlives bash outside a sandbox; here the PID namespace ends with it.
    await run(id, 'sleep 1000 & echo bg');
    await h.manager.send(id, 'exit 7', { timeoutMs: 1_000, expectResponse: false }).catch(() => undefined);
    const stopped = await h.waitFor('agent_stopped', id);
    expect(stopped.exitCode).toBe(7);
    await h.manager.stop(id); // waits until the exit is handled and stragglers are reaped
    expect(processesWithEnvMarker(SESSION_MARKER_VARIABLE, id)).toEqual([]);
  });

  it('stop leaves no process of the agent behind, background jobs included', async () => {
    const id = await sandboxShell();
    await run(id, 'sleep 1000 & echo started');
    const session = h.manager.sessionFor(id);
    await until(() => processesWithEnvMarker(SESSION_MARKER_VARIABLE, id).length >= 4, 5_000, 'bwrap, its init, bash and sleep');
    const before = processesWithEnvMarker(SESSION_MARKER_VARIABLE, id);
    await h.manager.remove(id);
    // Nothing that still runs code carries the marker once remove resolves.
    expect(processesWithEnvMarker(SESSION_MARKER_VARIABLE, id)).toEqual([]);
    // The namespace's init may still be finishing its exit (the kernel kills and reaps the rest of
    // the namespace first; its memory, environment included, is already gone): wait for that.
    await until(() => before.filter(isAlive).length === 0, 3_000, `the sandbox's processes gone (${before.filter(isAlive).join(', ')})`);
    expect(session.liveProcesses()).toEqual([]);
    // The private home (copies of credentials) goes with the agent.
    await until(() => !fs.existsSync(path.join(dataDir, 'sandboxes', id)), 5_000, 'the sandbox folder removed');
  });

  it('reaches a loopback server with network full, and not with none', async () => {
    const server = http.createServer((_req, res) => res.end('pong'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const probe = `(exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null && echo reached || echo refused`;
      const full = await sandboxShell({ isolation: { mode: 'sandbox', network: 'full' } });
      expect(h.manager.get(full).isolation).toMatchObject({ mode: 'sandbox', network: 'full' });
      expect(await run(full, probe)).toBe('reached');
      const none = await sandboxShell({ isolation: { mode: 'sandbox', network: 'none' } });
      expect(await run(none, probe)).toBe('refused');
    } finally {
      server.close();
    }
  });

  it('runs the echo agent (the runtime\'s own Node and script) and answers a send', async () => {
    const workdir = scratchDir(h, 'echo');
    const agent = await h.manager.spawn({ type: 'echo', workdir, isolation: { mode: 'sandbox', network: 'none' } });
    await h.waitFor('agent_ready', agent.id);
    expect((await h.manager.send(agent.id, 'hello from inside', { timeoutMs: 10_000 })).response).toBe('hello from inside');
  });

  it('runs a Node CLI installed under the hidden home (npm -g style), with its own modules', async () => {
    const pkg = path.join(home, '.npm-global/lib/node_modules/fake-cli');
    fs.mkdirSync(pkg, { recursive: true });
    fs.writeFileSync(path.join(pkg, 'package.json'), '{"name":"fake-cli"}');
    fs.writeFileSync(path.join(pkg, 'lib.js'), 'module.exports = "lib loaded";');
    fs.writeFileSync(path.join(pkg, 'cli.js'), '#!/usr/bin/env node\nconsole.log(require("./lib.js"), "home", require("fs").readdirSync(process.env.HOME).length);\n', { mode: 0o755 });
    fs.mkdirSync(path.join(home, '.npm-global/bin'));
    fs.symlinkSync(path.join(pkg, 'cli.js'), path.join(home, '.npm-global/bin/fake-cli'));
    const agent = await h.manager.spawn({ type: 'custom', command: path.join(home, '.npm-global/bin/fake-cli'), workdir: scratchDir(h, 'cli'), isolation: { mode: 'sandbox', network: 'none' } });
    const stopped = await h.waitFor('agent_stopped', agent.id);
    expect(stopped.exitCode).toBe(0);
    // Its package is there; the rest of the home is not (only the mount points of what was re-bound).
    expect(h.manager.logs(agent.id, 5).join('\n')).toContain('lib loaded home 1');
  });

  it('has no capabilities; a nested bubblewrap works for a normal user and fails cleanly for root', async () => {
    const id = await sandboxShell();
    expect(await run(id, "awk '/CapEff/ {print $2}' /proc/self/status")).toBe('0000000000000000');
    const nested = await run(id, 'bwrap --ro-bind / / --dev /dev --proc /proc --unshare-all -- true 2>&1; echo "rc=$?"');
    // docs/isolation.md "Nested sandboxes": a cap-less root cannot map uid 0 into a new user namespace.
    if (process.getuid?.() === 0) expect(nested).toMatch(/setting up uid map: Operation not permitted\s+rc=1/);
    else expect(nested).toBe('rc=0');
  });

  it('restart keeps the policy', async () => {
    const id = await sandboxShell({ isolation: { mode: 'sandbox', network: 'full' } });
    const fresh = await h.manager.restart(id);
    expect(fresh.isolation).toMatchObject({ mode: 'sandbox', network: 'full' });
    await h.waitFor('agent_ready', fresh.id);
    expect(await run(fresh.id, 'ls -A "$HOME" | wc -l')).toBe('0');
  });
});

describe('isolation none and refused policies', () => {
  it('`none` starts the program itself, with the environment it always had', async () => {
    const workdir = scratchDir(h, 'none');
    const agent = await h.manager.spawn({ type: 'custom', command: 'sleep', args: ['1000'], workdir, isolation: 'none' });
    expect(agent.isolation).toEqual({ mode: 'none' });
    // node-pty forks, then execs: wait for the exec before reading.
    await until(() => readCmdline(agent.pid!).startsWith('/usr/bin/sleep'), 5_000, 'the exec of sleep');
    const cmdline = readCmdline(agent.pid!).split('\0').filter(Boolean);
    expect(cmdline).toEqual(['/usr/bin/sleep', '1000']);
    const environ = fs.readFileSync(`/proc/${agent.pid}/environ`, 'utf8').split('\0');
    expect(environ).toContain(`HOME=${home}`);
    expect(environ.some((v) => v.startsWith('TMPDIR='))).toBe(process.env.TMPDIR !== undefined);
    const unset = await h.manager.spawn({ type: 'custom', command: 'sleep', args: ['1000'], workdir });
    expect(unset.isolation).toEqual({ mode: 'none' });
    await until(() => readCmdline(unset.pid!).startsWith('/usr/bin/sleep'), 5_000, 'the exec of sleep');
    expect(readCmdline(unset.pid!).split('\0').filter(Boolean)).toEqual(cmdline);
  });

  it('refuses what it cannot give, with a code, and spawns nothing', async () => {
    const workdir = scratchDir(h, 'refused');
    await expect(h.manager.spawn({ type: 'shell', workdir, isolation: 'container' })).rejects.toMatchObject({ code: 'ISOLATION_UNAVAILABLE' });
    // A wildcard over everything is not an allowlist.
    await expect(h.manager.spawn({ type: 'shell', workdir, isolation: { mode: 'sandbox', network: 'allowlist', allow: ['*'] } })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      details: { field: 'isolation.allow', rule: '*' },
    });
    await expect(h.manager.spawn({ type: 'shell', workdir: os.homedir(), isolation: 'sandbox' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'workdir' } });
    await expect(h.manager.spawn({ type: 'shell', workdir, isolation: { mode: 'sandbox', network: 'none', writable: ['relative/dir'] } })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      details: { field: 'isolation.writable' },
    });
    expect(h.manager.list()).toEqual([]);
    expect(fs.existsSync(path.join(dataDir, 'sandboxes'))).toBe(false);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as pty from 'node-pty';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentHandle } from '../../src-shared/agent';
import { isAlive } from '../../src-main/runtime/process/process-tree';
import { httpRequest, TEST_KEY, until } from './support';

/** `bin/raven-runtime.js` as a user runs it: a child process, no build step. */

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'raven-runtime.js');
const children: ChildProcess[] = [];
const dirs: string[] = [];

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, SHELL: '/bin/bash', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
  };
}

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-cli-'));
  dirs.push(dir);
  return dir;
}

async function urlOf(r: Run): Promise<string> {
  await until(() => /listening on (http:\/\/\S+)/.test(r.stdout()) || r.child.exitCode !== null, 20_000, 'the URL on stdout');
  const match = /listening on (http:\/\/\S+)/.exec(r.stdout());
  if (!match) throw new Error(`no URL; stderr: ${r.stderr()}`);
  return match[1];
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('raven-runtime (headless CLI)', () => {
  it('prints its version and help; rejects bad options with exit 2', async () => {
    // Started together: each is a Node + tsx start-up.
    const version = run(['--version']);
    const word = run(['version']);
    const help = run(['--help']);
    const bad = run(['start', '--port', 'eighty']);
    const unknown = run(['start', '--frobnicate']);
    const none = run([]);
    expect(await version.exited).toEqual({ code: 0, signal: null });
    expect(version.stdout().trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect((await word.exited).code).toBe(0);
    expect(word.stdout()).toBe(version.stdout());
    expect((await help.exited).code).toBe(0);
    for (const flag of ['--port', '--host', '--api-key', '--anthropic-key', '--openai-key', '--google-key', '--max-agents', '--data-dir', '--log-level', '--allow-origin']) {
      expect(help.stdout()).toContain(flag);
    }
    expect((await bad.exited).code).toBe(2);
    expect(bad.stderr()).toContain('--port');
    expect((await unknown.exited).code).toBe(2);
    expect(unknown.stderr()).toContain('frobnicate');
    expect((await none.exited).code).toBe(2);
  });

  it('answers help and --version without loading TypeScript, in under 300 ms', async () => {
    const { HELP, VERSION } = await import('../../src-main/headless/cli');
    for (const [args, expected] of [
      [['help'], HELP],
      [['--help'], HELP],
      [['-h'], HELP],
      [['--version'], `${VERSION}\n`],
      [['version'], `${VERSION}\n`],
      [['-v'], `${VERSION}\n`],
    ] as const) {
      // Best of three: a loaded CI machine may stall any one start; 300 ms is the promise to a person.
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        const r = run([...args]);
        const exit = await r.exited;
        best = Math.min(best, performance.now() - started);
        expect(exit).toEqual({ code: 0, signal: null });
        expect(r.stdout()).toBe(expected);
      }
      expect(best, `raven-runtime ${args.join(' ')}`).toBeLessThan(300);
    }
  });

  it('explains unknown flags and commands, suggesting the likely one', async () => {
    const cases = [
      { args: ['start', '--prot', '9000'], says: 'Unknown option "--prot". Did you mean --port?' },
      { args: ['start', '--api_key', 'x'], says: 'Did you mean --api-key?' },
      { args: ['start', '--log-formt', 'text'], says: 'Did you mean --log-format?' },
      { args: ['strat'], says: 'Unknown command "strat". Did you mean "start"?' },
      { args: ['start', '--port'], says: '--port needs a value.' },
      { args: ['start', '--log-format', 'xml'], says: '--log-format must be one of json, text' },
    ];
    const runs = cases.map((c) => ({ ...c, r: run(c.args) }));
    for (const { args, says, r } of runs) {
      expect((await r.exited).code, args.join(' ')).toBe(2);
      expect(r.stderr()).toContain(says);
      expect(r.stderr()).toContain('raven-runtime --help');
      // Node's own parser wording ("To specify a positional argument...") is not shown.
      expect(r.stderr()).not.toContain('positional');
    }
    const unrelated = run(['start', '--frobnicate']);
    expect((await unrelated.exited).code).toBe(2);
    expect(unrelated.stderr()).toContain('Unknown option "--frobnicate".');
    expect(unrelated.stderr()).not.toContain('Did you mean');
  });

  it('logs JSON lines to a pipe, readable lines with --log-format text (or LOG_FORMAT)', async () => {
    const dir = tempDir();
    const json = run(['start', '--port', '0', '--data-dir', path.join(dir, 'a')], { LOG_LEVEL: 'info' });
    const text = run(['start', '--port', '0', '--data-dir', path.join(dir, 'b'), '--log-format', 'text'], { LOG_LEVEL: 'info' });
    const byEnv = run(['start', '--port', '0', '--data-dir', path.join(dir, 'c')], { LOG_LEVEL: 'info', LOG_FORMAT: 'text' });
    for (const r of [json, text, byEnv]) await urlOf(r);
    await until(() => [json, text, byEnv].every((r) => r.stderr().includes('API server listening')), 10_000, 'the listening log line');

    const jsonLine = json.stderr().split('\n').find((line) => line.includes('API server listening'))!;
    expect(JSON.parse(jsonLine)).toMatchObject({ level: 'info', msg: 'API server listening', component: 'server' });
    for (const r of [text, byEnv]) {
      const line = r.stderr().split('\n').find((l) => l.includes('API server listening'))!;
      expect(line).toMatch(/^\d\d:\d\d:\d\d INFO  server: API server listening url=http:\/\/127\.0\.0\.1:\d+ /);
      expect(() => JSON.parse(line)).toThrow();
    }
    for (const r of [json, text, byEnv]) r.child.kill('SIGTERM');
    for (const r of [json, text, byEnv]) expect((await r.exited).code).toBe(0);
  });

  it('logs readable lines by default when stderr is a terminal (a real PTY)', async () => {
    const dir = tempDir();
    const term = pty.spawn(process.execPath, [BIN, 'start', '--port', '0', '--data-dir', path.join(dir, 'data')], {
      cols: 200,
      rows: 40,
      env: { ...process.env, LOG_LEVEL: 'info', LOG_FORMAT: '' } as Record<string, string>,
    });
    let output = '';
    term.onData((data) => (output += data));
    const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
    try {
      await until(() => output.includes('API server listening'), 20_000, 'the listening log line');
      const line = output.split(/\r?\n/).find((l) => l.includes('API server listening'))!;
      // Coloured level, then the component and the message; no JSON.
      expect(line).toMatch(/^\d\d:\d\d:\d\d \x1b\[36mINFO \x1b\[0m server: API server listening url=/);
      expect(output).not.toContain('{"time"');
    } finally {
      term.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('finds the devDependency CLIs in node_modules/.bin when started as node bin/raven-runtime.js, as npx does', async () => {
    const dir = tempDir();
    // A PATH without the package's bin folder, and a HOME without user installs.
    const r = run(['start', '--port', '0', '--data-dir', path.join(dir, 'data')], { PATH: '/usr/bin:/bin', HOME: dir });
    const url = await urlOf(r);
    let adapters: { type: string; installed: boolean }[] = [];
    await until(async () => {
      adapters = ((await httpRequest(`${url}/api/health`, 'GET')).json as { adapters: typeof adapters }).adapters;
      return adapters.length > 0;
    }, 15_000, 'adapter detection');
    for (const type of ['claude-code', 'codex', 'gemini-cli']) expect(adapters.find((a) => a.type === type), type).toMatchObject({ installed: true });
    r.child.kill('SIGTERM');
    expect((await r.exited).code).toBe(0);
  });

  it('starts, serves the API, and on SIGTERM stops every agent (none orphaned) and exits 0', async () => {
    const dir = tempDir();
    const work = path.join(dir, 'work');
    fs.mkdirSync(work);
    const r = run(['start', '--port', '0', '--data-dir', path.join(dir, 'data'), '--max-agents', '3', '--allow-origin', 'https://raven.example.com'], { HOME: dir });
    const url = await urlOf(r);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const health = await httpRequest(`${url}/api/health`, 'GET');
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ healthy: true, maxAgents: 3 });
    expect((await httpRequest(`${url}/`, 'GET')).json).toMatchObject({ service: 'Raven Agent Runtime' });
    expect((await httpRequest(`${url}/api/agents`, 'GET', { headers: { Origin: 'https://raven.example.com' } })).headers['access-control-allow-origin']).toBe('https://raven.example.com');
    expect((await httpRequest(`${url}/api/agents`, 'GET', { headers: { Origin: 'https://evil.example' } })).status).toBe(403);

    const created = await httpRequest(`${url}/api/agents`, 'POST', { body: { type: 'shell', workdir: work } });
    expect(created.status).toBe(201);
    const agent = created.json as AgentHandle;
    await until(async () => ((await httpRequest(`${url}/api/agents/${agent.id}`, 'GET')).json as AgentHandle).status === 'ready', 10_000, 'ready');
    // A background child of the agent must go too.
    await httpRequest(`${url}/api/agents/${agent.id}/input`, 'POST', { body: { data: 'sleep 300 & echo "bgpid=$!"\r' } });
    let bgPid = 0;
    await until(async () => {
      const match = /bgpid=(\d+)/.exec(((await httpRequest(`${url}/api/agents/${agent.id}/output`, 'GET')).json as { output: string }).output);
      bgPid = match ? Number(match[1]) : 0;
      return bgPid > 0;
    }, 5_000, 'background pid');
    expect(isAlive(agent.pid!)).toBe(true);
    expect(isAlive(bgPid)).toBe(true);

    r.child.kill('SIGTERM');
    expect(await r.exited).toEqual({ code: 0, signal: null });
    expect(isAlive(agent.pid!)).toBe(false);
    expect(isAlive(bgPid)).toBe(false);
    await expect(httpRequest(`${url}/api/health`, 'GET')).rejects.toThrow();
    expect(fs.existsSync(path.join(dir, 'data', 'transcripts', agent.id))).toBe(true);
  });

  it('requires the key given with --api-key, and exits 0 on SIGINT', async () => {
    const dir = tempDir();
    const r = run(['start', '--port', '0', '--data-dir', dir, '--api-key', TEST_KEY]);
    const url = await urlOf(r);
    expect((await httpRequest(`${url}/api/agents`, 'GET')).status).toBe(401);
    expect((await httpRequest(`${url}/api/agents`, 'GET', { headers: { Authorization: `Bearer ${TEST_KEY}` } })).status).toBe(200);
    r.child.kill('SIGINT');
    expect((await r.exited).code).toBe(0);
    expect(r.stdout() + r.stderr()).not.toContain(TEST_KEY);
  });

  it('takes the key from --api-key-file or RAVEN_RUNTIME_API_KEY without a warning; --api-key warns that others can read it', async () => {
    const dir = tempDir();
    const keyFile = path.join(dir, 'key');
    fs.writeFileSync(keyFile, `${TEST_KEY}\n`, { mode: 0o600 });
    const fromFile = run(['start', '--port', '0', '--data-dir', path.join(dir, 'a'), '--api-key-file', keyFile]);
    const fileUrl = await urlOf(fromFile);
    expect((await httpRequest(`${fileUrl}/api/agents`, 'GET')).status).toBe(401);
    expect((await httpRequest(`${fileUrl}/api/agents`, 'GET', { headers: { Authorization: `Bearer ${TEST_KEY}` } })).status).toBe(200);
    // Key mode: only a bare liveness answer without the key.
    expect((await httpRequest(`${fileUrl}/health`, 'GET')).json).toEqual({ healthy: true });
    expect(fromFile.stderr()).not.toMatch(/warning/);
    fromFile.child.kill('SIGTERM');
    expect((await fromFile.exited).code).toBe(0);

    const fromEnv = run(['start', '--port', '0', '--data-dir', path.join(dir, 'b')], { RAVEN_RUNTIME_API_KEY: TEST_KEY });
    const envUrl = await urlOf(fromEnv);
    expect((await httpRequest(`${envUrl}/api/agents`, 'GET', { headers: { 'X-API-Key': TEST_KEY } })).status).toBe(200);
    expect(fromEnv.stderr()).not.toMatch(/warning/);
    fromEnv.child.kill('SIGTERM');
    expect((await fromEnv.exited).code).toBe(0);

    const fromArgv = run(['start', '--port', '0', '--data-dir', path.join(dir, 'c'), '--api-key', TEST_KEY]);
    await urlOf(fromArgv);
    expect(fromArgv.stderr()).toMatch(/warning: --api-key is readable by every local process/);
    expect(fromArgv.stderr()).not.toContain(TEST_KEY);
    fromArgv.child.kill('SIGTERM');
    expect((await fromArgv.exited).code).toBe(0);

    const missing = run(['start', '--port', '0', '--data-dir', path.join(dir, 'd'), '--api-key-file', path.join(dir, 'nope')]);
    expect((await missing.exited).code).toBe(2);
    expect(missing.stderr()).toMatch(/Cannot read the API key file .*nope: ENOENT/);
  });

  it('says which folder is wrong when the data folder cannot be made or holds a file, without a stack trace', async () => {
    const dir = tempDir();
    const blocker = path.join(dir, 'blocker');
    fs.writeFileSync(blocker, 'a file');
    const bad = run(['start', '--port', '0', '--data-dir', path.join(blocker, 'data')]);
    expect((await bad.exited).code).toBe(1);
    expect(bad.stderr()).toMatch(/^raven-runtime: Cannot create the data folder .*blocker\/data: a part of the path is a file, not a folder\. \[ENOTDIR\]\n$/);
    expect(bad.stderr()).not.toMatch(/\n\s+at /);

    const data = path.join(dir, 'data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'transcripts'), 'not a folder');
    const fileInTheWay = run(['start', '--port', '0', '--data-dir', data]);
    expect((await fileInTheWay.exited).code).toBe(1);
    expect(fileInTheWay.stderr()).toMatch(/The transcripts folder .*data\/transcripts is a file, not a folder/);
  });

  it('refuses a non-loopback bind without a key, and reports a port in use, with exit 1', async () => {
    const dir = tempDir();
    const open = run(['start', '--host', '0.0.0.0', '--port', '0', '--data-dir', dir]);
    expect((await open.exited).code).toBe(1);
    expect(open.stderr()).toMatch(/Refusing to listen on 0\.0\.0\.0 without an API key.*\[INSECURE_BIND\]/);

    const first = run(['start', '--port', '0', '--data-dir', dir]);
    const port = new URL(await urlOf(first)).port;
    const second = run(['start', '--port', port, '--data-dir', dir]);
    expect((await second.exited).code).toBe(1);
    expect(second.stderr()).toContain('[EADDRINUSE]');
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
  });
});

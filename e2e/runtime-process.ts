import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Starts `raven-runtime start` (the headless runtime) and waits until it listens. */

export interface RuntimeProcess {
  url: string;
  dataDir: string;
  scratch: string;
  workdir: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

const ROOT = path.resolve(__dirname, '..');
/** tsx compiles the runtime on first start; a cold cache on 2 cores takes a few seconds. */
const START_TIMEOUT_MS = 30_000;

export async function startRuntime(options: { apiKey?: string; name?: string; port?: number } = {}): Promise<RuntimeProcess> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `raven-e2e-${options.name ?? 'rt'}-`));
  const dataDir = path.join(scratch, 'data');
  const home = path.join(scratch, 'home');
  const workdir = path.join(scratch, 'work');
  fs.mkdirSync(home, { recursive: true });
  fs.mkdirSync(workdir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // A plain bash with an empty HOME: a predictable prompt, no user rc files.
    HOME: home,
    SHELL: '/bin/bash',
    LOG_LEVEL: 'warn',
  };
  delete env.RAVEN_RUNTIME_API_KEY;
  if (options.apiKey) env.RAVEN_RUNTIME_API_KEY = options.apiKey;
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'raven-runtime.js'), 'start', '--port', String(options.port ?? 0), '--data-dir', dataDir], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the runtime did not start within ${START_TIMEOUT_MS} ms:\n${out}\n${stderr}`)), START_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1].replace(/\/$/, ''));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the runtime exited (${code}) before listening:\n${out}\n${stderr}`));
    });
  });
  return {
    url,
    dataDir,
    scratch,
    workdir,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        // SIGTERM: the runtime closes its server and stops every agent before exiting.
        const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(kill);
          fs.rmSync(scratch, { recursive: true, force: true });
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

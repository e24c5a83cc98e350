import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startRuntime } from './runtime-process';

/**
 * Builds the UI (so `npx playwright test` always tests the current sources), starts one headless
 * runtime for the suite and hands its address to the tests through the environment.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const root = path.resolve(__dirname, '..');
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  fs.mkdirSync(path.join(root, 'e2e', 'artifacts'), { recursive: true });
  const runtime = await startRuntime({ name: 'suite' });
  process.env.RAVEN_E2E_URL = runtime.url;
  process.env.RAVEN_E2E_DATA_DIR = runtime.dataDir;
  process.env.RAVEN_E2E_WORKDIR = runtime.workdir;
  return async () => {
    const pid = runtime.child.pid;
    await runtime.stop();
    // No process may outlive the suite: the runtime and every agent it started.
    if (pid !== undefined) {
      let alive = true;
      try {
        process.kill(pid, 0);
      } catch {
        alive = false;
      }
      if (alive) throw new Error(`the runtime (pid ${pid}) is still running after teardown`);
    }
  };
}

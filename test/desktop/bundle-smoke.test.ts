import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net';

/**
 * The esbuild bundle that Electron would load (dist/desktop/main.js, built here into a scratch
 * folder): electron-store (ESM-only) bundled to CommonJS, `electron` and `node-pty` left external.
 * It boots under Node with the fake electron, serves, builds its tray and quits cleanly.
 */

const ROOT = path.resolve(__dirname, '..', '..');
// Inside the repository (.tmp/ is git-ignored) so the bundle resolves node-pty from node_modules.
fs.mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
const outdir = fs.mkdtempSync(path.join(ROOT, '.tmp', 'desktop-bundle-'));

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));


describe('the desktop bundle', () => {
  it('builds, boots under Node with a fake electron, and quits cleanly', async () => {
    const tsx = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    execFileSync(process.execPath, [tsx, path.join(ROOT, 'scripts', 'build-desktop.ts'), 'bundle', '--outdir', outdir], { cwd: ROOT, stdio: 'pipe' });
    const main = fs.readFileSync(path.join(outdir, 'main.js'), 'utf8');
    const preload = fs.readFileSync(path.join(outdir, 'preload.js'), 'utf8');
    // External, so Electron and the unpacked native module provide them at run time.
    expect(main).toContain('require("electron")');
    expect(main).toContain('require("node-pty")');
    // The sandboxed preload may require nothing but electron.
    expect([...preload.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1])).toEqual(['electron']);

    const port = await freePort();
    const run = spawnSync(process.execPath, [path.join(__dirname, 'bundle-runner.cjs'), outdir, String(port)], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    // The bundle found transcript-worker.js beside it: no fallback to the main thread was announced.
    expect(run.stderr).not.toContain('TranscriptWorkerWarning');
    const result = JSON.parse(run.stdout.trim().split('\n').pop() as string) as {
      health: { healthy: boolean; runtime: { name: string } };
      loads: string[];
      menu: string[];
      errors: unknown[];
      storeChannels: string[];
      afterQuit: string;
      settings: Record<string, unknown>;
      echo: { args: string[]; reply: string };
      recording: string;
    };
    expect(result.errors).toEqual([]);
    expect(result.health).toMatchObject({ healthy: true, runtime: { name: 'Raven Agent Runtime' } });
    expect(result.loads).toEqual([`http://127.0.0.1:${port}/ 200`]);
    expect(result.menu[0]).toBe('Open Raven Agent Runtime');
    expect(result.menu[result.menu.length - 1]).toBe('Quit');
    // The real electron-store ran (it registers its renderer channel) and wrote the migrated file.
    expect(result.storeChannels).toEqual(['electron-store-get-data']);
    expect(result.settings).toMatchObject({ schemaVersion: 1, port });
    expect(result.afterQuit).toBe('down');
    // The echo agent ran from the copy next to the bundle (electron-builder packages that file).
    expect(fs.existsSync(path.join(outdir, 'echo-agent.cjs'))).toBe(true);
    // The signal hook command ships beside it too (signals/channel.ts finds it next to the bundle).
    expect(fs.readFileSync(path.join(outdir, 'hook-client.cjs'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'src-main/runtime/signals/hook-client.cjs'), 'utf8'));
    // And the network bridge of `allowlist` sandboxes (isolation/sandbox-init-command.ts).
    expect(fs.readFileSync(path.join(outdir, 'sandbox-init.cjs'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'src-main/runtime/isolation/sandbox-init.cjs'), 'utf8'));
    expect(result.echo).toEqual({ args: [path.join(outdir, 'echo-agent.cjs')], reply: 'from the bundle' });
    // The echo session was recorded, message and reply, as asciicast v2.
    const [header, ...events] = result.recording.trim().split('\n').map((line) => JSON.parse(line) as unknown);
    expect(header).toMatchObject({ version: 2 });
    expect(events.length).toBeGreaterThan(0);
    expect(result.recording).toContain('from the bundle');

    // And the emitted worker, on its own, is a working transcript writer.
    expect(await recordWithBundledWorker(path.join(outdir, 'transcript-worker.js'))).toEqual({
      parts: ['0001.cast'],
      events: [
        ['o', 'hello from the bundled worker\r\n'],
        ['r', '80x24'],
      ],
      exitCode: 0,
    });
  }, 90_000);
});

/** Drives the emitted worker file with the same messages transcript.ts posts, and reads back what it wrote. */
async function recordWithBundledWorker(workerFile: string): Promise<{ parts: string[]; events: unknown[]; exitCode: unknown }> {
  const dir = path.join(outdir, 'worker-recording');
  const worker = new Worker(workerFile);
  try {
    const replies: unknown[] = [];
    const drained = new Promise<void>((resolve, reject) => {
      worker.on('message', (message: { ready?: true; drained?: number }) => {
        replies.push(message);
        if (message.drained === 1) resolve();
      });
      worker.on('error', reject);
    });
    const meta = { id: 'w1', name: 'bundled', type: 'shell', workdir: outdir, command: '/bin/sh', args: [], createdAt: new Date().toISOString() };
    worker.postMessage({ op: 'open', id: 1, options: { dir, meta, cols: 100, rows: 30, maxBytes: 1024 * 1024, keepParts: 3 } });
    worker.postMessage({ op: 'event', id: 1, kind: 'o', at: Date.now(), data: 'hello from the bundled worker\r\n' });
    worker.postMessage({ op: 'event', id: 1, kind: 'r', at: Date.now(), data: '80x24' });
    worker.postMessage({ op: 'close', id: 1, stoppedAt: new Date().toISOString(), exitCode: 0 });
    worker.postMessage({ op: 'drain', seq: 1 });
    await drained;
    expect(replies[0]).toEqual({ ready: true });
    const lines = fs.readFileSync(path.join(dir, '0001.cast'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as unknown[]);
    const written = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as { parts: string[]; exitCode: unknown };
    return { parts: written.parts, events: lines.slice(1).map((event) => event.slice(1)), exitCode: written.exitCode };
  } finally {
    await worker.terminate();
  }
}

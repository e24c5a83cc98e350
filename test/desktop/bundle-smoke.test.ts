import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
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
    const out = execFileSync(process.execPath, [path.join(__dirname, 'bundle-runner.cjs'), outdir, String(port)], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    const result = JSON.parse(out.trim().split('\n').pop() as string) as {
      health: { healthy: boolean; runtime: { name: string } };
      loads: string[];
      menu: string[];
      errors: unknown[];
      storeChannels: string[];
      afterQuit: string;
      settings: Record<string, unknown>;
      echo: { args: string[]; reply: string };
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
    expect(result.echo).toEqual({ args: [path.join(outdir, 'echo-agent.cjs')], reply: 'from the bundle' });
  }, 90_000);
});

import { _electron as electron, expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../test/support/net';

/**
 * The desktop app itself, through Playwright's Electron driver. It needs an Electron binary, which
 * cannot be downloaded on machines without GitHub access: point ELECTRON_OVERRIDE_DIST_PATH at an
 * extracted Electron 45 dist, or run where `npx install-electron` works. Without one it skips.
 */

const ROOT = path.resolve(__dirname, '..');

function electronBinary(): string | undefined {
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (dist) {
    const exe = process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : process.platform === 'win32' ? 'electron.exe' : 'electron';
    const file = path.join(dist, exe);
    return fs.existsSync(file) ? file : undefined;
  }
  // Read what the electron package would resolve without loading it: loading it would try
  // to download the binary on the spot (and print a failed fetch) when it is missing.
  const pkg = path.join(ROOT, 'node_modules', 'electron');
  const pathFile = path.join(pkg, 'path.txt');
  if (!fs.existsSync(pathFile)) return undefined;
  const file = path.join(pkg, 'dist', fs.readFileSync(pathFile, 'utf8').trim());
  return fs.existsSync(file) ? file : undefined;
}


test('desktop app: launches, creates the tray, and its window shows the agent list', async () => {
  const binary = electronBinary();
  const reason =
    'No Electron binary on this machine (the electron package downloads it lazily from GitHub, which is unreachable here). ' +
    'Set ELECTRON_OVERRIDE_DIST_PATH to an extracted Electron 45 dist to run this test.';
  // Said in the run's output too, not only in the report's annotation: a skip must never look like a pass.
  if (binary === undefined) console.log(`SKIPPED Electron e2e: ${reason}`);
  test.skip(binary === undefined, reason);
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(ROOT, 'scripts', 'build-desktop.ts')], { cwd: ROOT, stdio: 'inherit' });
  const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-electron-'));
  const port = await freePort();
  // A settings file of the current version: the app listens on a free port, not on 8765.
  fs.writeFileSync(path.join(userData, 'settings.json'), JSON.stringify({ schemaVersion: 1, port }));
  const app = await electron.launch({
    executablePath: binary,
    args: [ROOT, `--user-data-dir=${userData}`, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
    env: { ...process.env, RAVEN_E2E: '1', RAVEN_DATA_DIR: path.join(userData, 'data') },
  });
  try {
    const window = await app.firstWindow();
    await expect(window).toHaveURL(new RegExp(`^http://127\\.0\\.0\\.1:${port}/`));
    await expect(window.locator('.agent-list-panel')).toBeVisible();
    const menu = await app.evaluate(() => {
      const desktop = (globalThis as { ravenDesktop?: { lastMenu: { label?: string }[] } }).ravenDesktop;
      return desktop?.lastMenu.map((item) => item.label ?? '---');
    });
    expect(menu).toContain('Open Raven Agent Runtime');
    expect(menu).toContain('Quit');
  } finally {
    await app.close();
    fs.rmSync(userData, { recursive: true, force: true });
  }
});

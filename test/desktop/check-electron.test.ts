import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

/** scripts/check-electron.js: what `npm start` says before `electron .` when there is no binary. */

const SCRIPT = path.resolve(__dirname, '..', '..', 'scripts', 'check-electron.js');
const ROOT = path.resolve(__dirname, '..', '..');
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function check(distDir: string) {
  // ELECTRON_OVERRIDE_DIST_PATH is Electron's own way to name the binary's folder; it also keeps
  // the check from downloading, so the outcome does not depend on this machine's network.
  return spawnSync(process.execPath, [SCRIPT], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: distDir } });
}

describe('npm start without an Electron binary', () => {
  it('explains in one paragraph, points to npx raven-runtime start, and exits 1', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-electron-'));
    dirs.push(empty);
    const result = check(empty);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    const paragraph = result.stderr.trim();
    expect(paragraph.split('\n')).toHaveLength(1);
    expect(paragraph).toContain("Electron's binary is not installed");
    expect(paragraph).toContain('npx raven-runtime start');
    expect(paragraph).not.toMatch(/\bat \S+ \(|delete `?node_modules\/electron/);
  });

  it('lets electron start when the binary is there', () => {
    const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-electron-'));
    dirs.push(dist);
    fs.writeFileSync(path.join(dist, 'electron'), '#!/bin/sh\n', { mode: 0o755 });
    const result = check(dist);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Only src-main/desktop/ may import electron (or electron-store, which imports it): everything
 * else must run under plain Node and in browsers, where there is no Electron.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const SCANNED = ['src-main', 'src-renderer', 'src-shared', 'scripts', 'bin', 'e2e'];
const ALLOWED = path.join(ROOT, 'src-main', 'desktop') + path.sep;
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)['"](electron|electron-store)(?:\/[^'"]*)?['"]/;

function files(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : files(full);
    return /\.(c|m)?(t|j)s$/.test(entry.name) ? [full] : [];
  });
}

describe('the electron boundary', () => {
  it('finds the imports it is looking for (the scanner works)', () => {
    expect(IMPORT.test("import { app } from 'electron';")).toBe(true);
    expect(IMPORT.test("const { app } = require('electron')")).toBe(true);
    expect(IMPORT.test("await import('electron-store')")).toBe(true);
    expect(IMPORT.test("import { _electron } from '@playwright/test';")).toBe(false);
    const inDesktop = files(path.join(ROOT, 'src-main', 'desktop')).filter((f) => IMPORT.test(fs.readFileSync(f, 'utf8')));
    expect(inDesktop.map((f) => path.relative(ROOT, f)).sort()).toEqual(['src-main/desktop/main.ts', 'src-main/desktop/preload.ts']);
  });

  it('nothing outside src-main/desktop/ imports electron or electron-store', () => {
    const offenders = SCANNED.flatMap((dir) => files(path.join(ROOT, dir)))
      .filter((file) => !file.startsWith(ALLOWED))
      .filter((file) => IMPORT.test(fs.readFileSync(file, 'utf8')))
      .map((file) => path.relative(ROOT, file));
    expect(offenders).toEqual([]);
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const SOURCE_DIRS = ['src-main', 'src-shared', 'src-renderer', 'bench', 'bin', 'scripts'];
const DESKTOP = path.join(ROOT, 'src-main', 'desktop') + path.sep;
const ELECTRON_IMPORT = /(?:from\s+['"]electron(?:\/[^'"]*)?['"]|require\(\s*['"]electron(?:\/[^'"]*)?['"]\s*\)|import\(\s*['"]electron(?:\/[^'"]*)?['"]\s*\)|from\s+['"]electron-store['"])/;

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : walk(full);
    return /\.(?:[cm]?[jt]s|tsx)$/.test(entry.name) ? [full] : [];
  });
}

describe('layering', () => {
  it('imports electron only from src-main/desktop/', () => {
    const offenders = SOURCE_DIRS.flatMap((d) => walk(path.join(ROOT, d)))
      .filter((file) => !file.startsWith(DESKTOP))
      .filter((file) => ELECTRON_IMPORT.test(fs.readFileSync(file, 'utf8')));
    expect(offenders.map((f) => path.relative(ROOT, f))).toEqual([]);
  });

  it('keeps Node and the DOM out of src-shared (the compiler enforces it too: no DOM lib, no node types)', () => {
    const stripComments = (code: string) => code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    const offenders = walk(path.join(ROOT, 'src-shared')).filter((file) =>
      /from\s+['"](?:node:|fs|path|os|child_process|crypto)['"]|\b(?:window|document|process)\./.test(stripComments(fs.readFileSync(file, 'utf8'))),
    );
    expect(offenders).toEqual([]);
  });

  it('detects an electron import (the check itself works)', () => {
    expect(ELECTRON_IMPORT.test("import { app } from 'electron';")).toBe(true);
    expect(ELECTRON_IMPORT.test("const { shell } = require('electron');")).toBe(true);
    expect(ELECTRON_IMPORT.test("await import('electron')")).toBe(true);
    expect(ELECTRON_IMPORT.test("import Store from 'electron-store';")).toBe(true);
    expect(ELECTRON_IMPORT.test("import { x } from './electron-helpers';")).toBe(false);
  });
});

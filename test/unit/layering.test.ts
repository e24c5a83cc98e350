import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The rooms of the code base and what each may import (docs/architecture.md says why). The checks read
 * every import, export-from, dynamic import() and require() of every source file, resolve relative
 * ones to the folder they land in, and compare that with the room's rules.
 */

const ROOT = path.resolve(__dirname, '../..');
const SOURCE_DIRS = ['src-main', 'src-shared', 'src-renderer', 'bench', 'bin', 'scripts'];
const room = (...parts: string[]): string => path.join(ROOT, ...parts) + path.sep;
const DESKTOP = room('src-main', 'desktop');
const RUNTIME = room('src-main', 'runtime');
const SERVER = room('src-main', 'server');
const WORKSPACE = room('src-main', 'workspace');
const INTEGRATIONS = room('src-main', 'integrations');
const SHARED = room('src-shared');
const ELECTRON_IMPORT = /(?:from\s+['"]electron(?:\/[^'"]*)?['"]|require\(\s*['"]electron(?:\/[^'"]*)?['"]\s*\)|import\(\s*['"]electron(?:\/[^'"]*)?['"]\s*\)|from\s+['"]electron-store['"])/;

/** `import … from 'x'`, `export … from 'x'`, `import 'x'`, `import('x')`, `require('x')`. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)(['"])([^'"\n]+)\1/gm;

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : walk(full);
    return /\.(?:[cm]?[jt]s|tsx)$/.test(entry.name) ? [full] : [];
  });
}

function stripComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

function specifiersOf(code: string): string[] {
  return [...stripComments(code).matchAll(SPECIFIER)].map((match) => match[2]);
}

interface ImportSite {
  /** The importing file, relative to the repository. */
  file: string;
  specifier: string;
  /** Absolute path the specifier lands on (without extension), or undefined for a package. */
  target?: string;
}

function importsOf(dir: string): ImportSite[] {
  return walk(dir).flatMap((file) =>
    specifiersOf(fs.readFileSync(file, 'utf8')).map((specifier) => ({
      file: path.relative(ROOT, file),
      specifier,
      target: specifier.startsWith('.') ? path.resolve(path.dirname(file), specifier) : undefined,
    })),
  );
}

/** The package a bare specifier names: `express/lib/x` → `express`, `@scope/p/x` → `@scope/p`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const landsIn = (site: ImportSite, folder: string): boolean => site.target !== undefined && (site.target + path.sep).startsWith(folder);
const describeSite = (site: ImportSite): string => `${site.file} imports ${site.specifier}`;

function offendersIn(dir: string, forbidden: { folders?: string[]; packages?: string[] }): string[] {
  return importsOf(dir)
    .filter(
      (site) =>
        (forbidden.folders ?? []).some((folder) => landsIn(site, folder)) ||
        (site.target === undefined && (forbidden.packages ?? []).includes(packageOf(site.specifier))),
    )
    .map(describeSite);
}

describe('layering', () => {
  it('finds every form of import (the checks themselves work)', () => {
    const code = [
      "import { a } from './a';",
      "import type { B } from '../b';",
      "export { c } from \"./c\";",
      "import './side-effect';",
      "const d = await import('./d');",
      "const e = require('express/lib/router');",
      '// import { commented } from "./not-real";',
      "const text = 'not an import from here';",
    ].join('\n');
    expect(specifiersOf(code)).toEqual(['./a', '../b', './c', './side-effect', './d', 'express/lib/router']);
    expect(packageOf('express/lib/router')).toBe('express');
    expect(packageOf('@xterm/headless')).toBe('@xterm/headless');
    const site = (target: string): ImportSite => ({ file: 'x.ts', specifier: 'x', target: path.join(ROOT, target) });
    expect(landsIn(site('src-main/server/app'), SERVER)).toBe(true);
    expect(landsIn(site('src-main/server'), SERVER)).toBe(true);
    expect(landsIn(site('src-main/server-like/app'), SERVER)).toBe(false);
    expect(ELECTRON_IMPORT.test("import { app } from 'electron';")).toBe(true);
    expect(ELECTRON_IMPORT.test("const { shell } = require('electron');")).toBe(true);
    expect(ELECTRON_IMPORT.test("await import('electron')")).toBe(true);
    expect(ELECTRON_IMPORT.test("import Store from 'electron-store';")).toBe(true);
    expect(ELECTRON_IMPORT.test("import { x } from './electron-helpers';")).toBe(false);
  });

  it('imports electron only from src-main/desktop/', () => {
    const offenders = SOURCE_DIRS.flatMap((d) => walk(path.join(ROOT, d)))
      .filter((file) => !file.startsWith(DESKTOP))
      .filter((file) => ELECTRON_IMPORT.test(fs.readFileSync(file, 'utf8')));
    expect(offenders.map((f) => path.relative(ROOT, f))).toEqual([]);
  });

  it('keeps the runtime free of the server, workspace, integrations and desktop', () => {
    expect(importsOf(RUNTIME).length).toBeGreaterThan(50);
    expect(offendersIn(RUNTIME, { folders: [SERVER, WORKSPACE, INTEGRATIONS, DESKTOP], packages: ['express', 'ws'] })).toEqual([]);
  });

  it('keeps integrations free of the transport (express, ws, server/) and of desktop', () => {
    expect(importsOf(INTEGRATIONS).length).toBeGreaterThan(10);
    expect(offendersIn(INTEGRATIONS, { folders: [SERVER, DESKTOP], packages: ['express', 'ws'] })).toEqual([]);
  });

  it('keeps workspace free of the transport, integrations and desktop', () => {
    expect(importsOf(WORKSPACE).length).toBeGreaterThan(5);
    expect(offendersIn(WORKSPACE, { folders: [SERVER, INTEGRATIONS, DESKTOP], packages: ['express', 'ws'] })).toEqual([]);
  });

  it('keeps Node and the DOM out of src-shared (the compiler enforces it too: no DOM lib, no node types)', () => {
    const nodeModules = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    const sites = importsOf(SHARED);
    expect(sites.length).toBeGreaterThan(5);
    const leaving = sites.filter((site) => site.target !== undefined && !(site.target + path.sep).startsWith(SHARED)).map(describeSite);
    const node = sites.filter((site) => site.target === undefined && (nodeModules.has(site.specifier) || site.specifier.startsWith('node:'))).map(describeSite);
    const globals = walk(SHARED)
      .filter((file) => /\b(?:window|document|process|navigator)\.|\brequire\(/.test(stripComments(fs.readFileSync(file, 'utf8'))))
      .map((file) => path.relative(ROOT, file));
    expect({ leaving, node, globals }).toEqual({ leaving: [], node: [], globals: [] });
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { findExecutable } from '../cli-locator';
import { isWithin } from './policy';

/**
 * What a program needs to be readable inside the sandbox when it is installed under a folder the
 * sandbox hides (the home, /tmp, the data folder): a CLI installed with `npm i -g` into
 * `~/.npm-global`, a Node from nvm under `~/.nvm`, a native Claude Code under `~/.local/share`.
 * Programs under /usr are readable anyway and need nothing.
 */

export interface ProgramPaths {
  /** What to execute inside: the real path when the given one lies under a hidden root. */
  executable: string;
  /** Host paths to re-bind read-only. */
  paths: string[];
}

function hiddenRootOf(file: string, hiddenRoots: readonly string[]): string | undefined {
  return hiddenRoots.find((root) => isWithin(file, root));
}

function realPath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}

/**
 * The folder a file's package lives in (the nearest folder with a package.json, no higher than the
 * hidden root), so a Node CLI finds its own modules; the file alone when it belongs to no package
 * (a single-file binary).
 */
function packageFolder(file: string, root: string): string {
  let dir = path.dirname(file);
  while (isWithin(dir, root) && dir !== root) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return enclosingNodeModules(dir, root) ?? dir;
    dir = path.dirname(dir);
  }
  return file;
}

/**
 * The outermost `node_modules` folder a package sits in (below the hidden root): a CLI's launcher
 * often loads a sibling package (Codex's `bin/codex.js` runs the binary from
 * `@openai/codex-linux-x64`), which binding the package alone would leave out.
 */
function enclosingNodeModules(packageDir: string, root: string): string | undefined {
  let found: string | undefined;
  for (let dir = path.dirname(packageDir); isWithin(dir, root) && dir !== root; dir = path.dirname(dir)) {
    if (path.basename(dir) === 'node_modules') found = dir;
  }
  return found;
}

/** `#!/usr/bin/env node` → `node`; `#!/opt/x/bin/python3 -u` → `/opt/x/bin/python3`. */
export function shebangInterpreter(firstLine: string): string | undefined {
  if (!firstLine.startsWith('#!')) return undefined;
  const words = firstLine.slice(2).trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return undefined;
  if (path.basename(words[0]!) !== 'env') return words[0];
  return words.slice(1).find((word) => !word.startsWith('-') && !word.includes('='));
}

function readFirstLine(file: string): string {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buffer = Buffer.alloc(256);
    const read = fs.readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, read).toString('utf8').split('\n')[0] ?? '';
  } catch {
    return '';
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** An interpreter's install prefix (`~/.nvm/versions/node/v20/bin/node` → `~/.nvm/versions/node/v20`). */
function installPrefix(binary: string): string {
  const dir = path.dirname(binary);
  return path.basename(dir) === 'bin' ? path.dirname(dir) : dir;
}

export function programPaths(executable: string, searchPath: string, hiddenRoots: readonly string[]): ProgramPaths {
  const paths: string[] = [];
  const real = realPath(executable);
  const root = hiddenRootOf(real, hiddenRoots);
  if (root) paths.push(packageFolder(real, root));
  const interpreter = shebangInterpreter(readFirstLine(real));
  if (interpreter) {
    const found = interpreter.includes('/') ? interpreter : findExecutable(interpreter, searchPath);
    if (found) {
      const realInterpreter = realPath(found);
      if (hiddenRootOf(realInterpreter, hiddenRoots)) paths.push(installPrefix(realInterpreter));
    }
  }
  return { executable: root || hiddenRootOf(executable, hiddenRoots) ? real : executable, paths };
}

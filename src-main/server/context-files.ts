import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntimeError } from '../runtime/errors';

/**
 * Writes context files (Raven's `config.contextFiles`, a thread's `contextFiles`: CLAUDE.md,
 * .mcp.json, …) into an agent's workdir. A path may not leave the workdir: absolute paths, `..`
 * segments and symbolic links pointing outside are rejected, and every path is checked before any
 * file is written.
 */

export interface ContextFile {
  path: string;
  content: string;
}

/** Deep enough for `.claude/settings.local.json`-style layouts, shallow enough to stop path bombs. */
const MAX_DEPTH = 32;

/** `at` names the entry as the client sent it: `config.contextFiles[2]` (Raven) or `contextFiles[2]` (threads). */
function reject(at: string, message: string): RuntimeError {
  return new RuntimeError('VALIDATION_ERROR', `${at}.path ${message}`, { field: `${at}.path` });
}

/** The path's segments, or a VALIDATION_ERROR naming the problem. */
export function contextPathSegments(file: ContextFile, at: string): string[] {
  const raw = file.path;
  if (raw.includes('\0')) throw reject(at, 'contains a NUL character.');
  if (path.posix.isAbsolute(raw) || path.win32.isAbsolute(raw) || /^[A-Za-z]:/.test(raw)) throw reject(at, 'must be relative to the workdir.');
  const segments = raw.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
  if (segments.length === 0) throw reject(at, 'names no file.');
  if (segments.some((s) => s === '..')) throw reject(at, 'may not contain "..".');
  if (segments.length > MAX_DEPTH) throw reject(at, `is deeper than ${MAX_DEPTH} folders.`);
  return segments;
}

function inside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/**
 * Walks the folders of `segments` below `root`. With `create` false it only checks what exists
 * (a missing folder ends the walk: whatever gets created there is inside); with `create` true it
 * makes the missing folders. Returns the folder that will hold the file.
 */
function parentFolder(root: string, segments: readonly string[], at: string, create: boolean): string | undefined {
  let dir = root;
  for (const segment of segments.slice(0, -1)) {
    const next = path.join(dir, segment);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.lstatSync(next);
    } catch {
      stat = undefined;
    }
    if (!stat) {
      if (!create) return undefined;
      fs.mkdirSync(next);
      dir = next;
      continue;
    }
    // Follow a symlinked folder only while it stays inside the workdir.
    const real = stat.isSymbolicLink() ? fs.realpathSync(next) : next;
    if (!inside(root, real)) throw reject(at, 'goes through a symbolic link that leaves the workdir.');
    if (!fs.statSync(real).isDirectory()) throw reject(at, `has "${segment}", which is not a folder.`);
    dir = real;
  }
  return dir;
}

/** Checks every file first, then writes them all. Returns the absolute paths written. */
export function writeContextFiles(workdir: string, files: readonly ContextFile[], field = 'config.contextFiles'): string[] {
  const plans = files.map((file, index) => {
    const at = `${field}[${index}]`;
    return { file, at, segments: contextPathSegments(file, at) };
  });
  const root = fs.realpathSync(workdir);
  for (const { at, segments } of plans) {
    const dir = parentFolder(root, segments, at, false);
    if (dir === undefined) continue;
    const target = path.join(dir, segments[segments.length - 1]);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.lstatSync(target);
    } catch {
      stat = undefined;
    }
    if (stat?.isSymbolicLink()) throw reject(at, 'is a symbolic link.');
    if (stat?.isDirectory()) throw reject(at, 'is a folder.');
  }
  const written: string[] = [];
  for (const { file, at, segments } of plans) {
    const dir = parentFolder(root, segments, at, true)!;
    const target = path.join(dir, segments[segments.length - 1]);
    let fd: number;
    try {
      // O_NOFOLLOW: a symlink planted at the target after the check is still refused.
      fd = fs.openSync(target, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW, 0o644);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') throw reject(at, 'is a symbolic link.');
      if (code === 'EISDIR') throw reject(at, 'is a folder.');
      throw new RuntimeError('VALIDATION_ERROR', `Could not write ${at}: ${(error as Error).message}`, { field: `${at}.path` });
    }
    try {
      fs.writeFileSync(fd, file.content, 'utf8');
    } finally {
      fs.closeSync(fd);
    }
    written.push(target);
  }
  return written;
}

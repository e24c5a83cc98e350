import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { MAX_FILE_NAME_BYTES } from '../../src-shared/limits';
import { RuntimeError } from '../runtime/errors';

/**
 * Writes context files (Raven's `config.contextFiles`, a thread's `contextFiles`: CLAUDE.md,
 * .mcp.json, …) into an agent's workdir. A path may not leave the workdir: absolute paths, `..`
 * segments and symbolic links pointing outside are rejected, and every path is checked before any
 * file is written. Files are replaced (new file, then rename), never written through, so a hard
 * link in the workdir cannot carry the write outside it.
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
  const long = segments.find((s) => Buffer.byteLength(s, 'utf8') > MAX_FILE_NAME_BYTES);
  if (long !== undefined) throw reject(at, `has a name longer than ${MAX_FILE_NAME_BYTES} bytes ("${long.slice(0, 40)}…").`);
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
      try {
        fs.mkdirSync(next);
      } catch (error) {
        throw fileSystemError(`Could not create the folder for ${at}`, next, error);
      }
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
    replaceFile(target, file.content, at);
    written.push(target);
  }
  return written;
}

/**
 * Writes `content` to a new file beside `target`, then renames it over `target`. A rename replaces
 * the directory entry, so a hard link planted at `target` (pointing at a file outside the workdir)
 * is unlinked from here and its other name keeps its content; a symlink is replaced, not followed.
 */
function replaceFile(target: string, content: string, at: string): void {
  const temp = path.join(path.dirname(target), `.${path.basename(target).slice(0, 200)}.${randomBytes(6).toString('hex')}.raven-tmp`);
  try {
    // O_EXCL: never reuse whatever might sit at the temporary name.
    const fd = fs.openSync(temp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
    try {
      fs.writeFileSync(fd, content, 'utf8');
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') throw reject(at, 'is a folder.');
    throw fileSystemError(`Could not write ${at}`, target, error);
  }
}

function fileSystemError(what: string, where: string, error: unknown): RuntimeError {
  const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
  return new RuntimeError('FILESYSTEM_ERROR', `${what} at ${where}: ${(error as Error).message}`, { path: where, errno: code });
}

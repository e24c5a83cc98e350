import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The data folder and the two folders the server writes into, made (or checked) before anything
 * listens: a bad `--data-dir`, or `transcripts/` / `workspaces/` being files, is a clear start-up
 * message naming the path, instead of a stack trace or recording that silently stays off.
 */

export const DATA_SUBFOLDERS = ['transcripts', 'workspaces'] as const;

export class DataDirError extends Error {
  override readonly name = 'DataDirError';
  constructor(
    message: string,
    readonly path: string,
    readonly errno: string,
  ) {
    super(message);
  }
}

function describe(error: unknown): { errno: string; reason: string } {
  const errno = (error as NodeJS.ErrnoException).code ?? 'EIO';
  const reasons: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOTDIR: 'a part of the path is a file, not a folder',
    EEXIST: 'a file with that name is in the way',
    EROFS: 'the file system is read-only',
    ENOSPC: 'the disk is full',
    ENAMETOOLONG: 'the path is too long',
  };
  return { errno, reason: reasons[errno] ?? (error as Error).message };
}

function ensureFolder(dir: string, what: string): void {
  let existing: fs.Stats | undefined;
  try {
    existing = fs.statSync(dir, { throwIfNoEntry: false });
  } catch {
    // ENOTDIR and the like: mkdir below reports it with the reason.
    existing = undefined;
  }
  if (existing !== undefined && !existing.isDirectory()) {
    throw new DataDirError(`The ${what} ${dir} is a file, not a folder. Move it away or choose another --data-dir.`, dir, 'ENOTDIR');
  }
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const { errno, reason } = describe(error);
    throw new DataDirError(`Cannot create the ${what} ${dir}: ${reason}.`, dir, errno);
  }
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (error) {
    const { errno, reason } = describe(error);
    throw new DataDirError(`Cannot use the ${what} ${dir}: ${reason}.`, dir, errno);
  }
  if (!stat.isDirectory()) throw new DataDirError(`The ${what} ${dir} is a file, not a folder. Move it away or choose another --data-dir.`, dir, 'ENOTDIR');
}

/** Creates `dataDir` and its subfolders (mode 0700); throws a {@link DataDirError} naming the path. */
export function prepareDataDir(dataDir: string): void {
  ensureFolder(dataDir, 'data folder');
  for (const sub of DATA_SUBFOLDERS) ensureFolder(path.join(dataDir, sub), `${sub} folder`);
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntimeError } from '../runtime/errors';

/** A fresh scratch folder for one agent (or one clone), named after it. */
export function scratchWorkdir(scratchRoot: string, agentId: string): string {
  const dir = path.join(scratchRoot, agentId);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code ?? 'EIO';
    // ENOTDIR/EEXIST: `workspaces/` (or the data folder) is a file; say which path, not a bare 500.
    const why = errno === 'ENOTDIR' || errno === 'EEXIST' ? `${scratchRoot} is not a folder` : (error as Error).message;
    throw new RuntimeError('FILESYSTEM_ERROR', `Could not create the scratch folder ${dir}: ${why}.`, { path: dir, errno });
  }
  return dir;
}

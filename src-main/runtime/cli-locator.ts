import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Finds an executable on a PATH string; absolute or relative paths are checked as given. */
export function findExecutable(command: string, searchPath: string, cwd: string = process.cwd()): string | undefined {
  if (command.includes('/') || command.includes(path.sep)) {
    const resolved = path.resolve(cwd, command);
    return isExecutableFile(resolved) ? resolved : undefined;
  }
  const exts = process.platform === 'win32' ? ['', '.exe', '.cmd', '.bat'] : [''];
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === '') continue;
    for (const ext of exts) {
      const candidate = path.join(dir, command + ext);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

function isExecutableFile(file: string): boolean {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) return false;
    if (process.platform === 'win32') return true;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface VersionProbe {
  version?: string;
  error?: string;
}

const SEMVER = /\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?/;

/**
 * Runs `<cli> --version` (5 s cap) and takes the first x.y.z it prints. Cached per binary path and
 * modification time, so the health endpoint can ask often without forking each time.
 */
export class VersionProber {
  private readonly cache = new Map<string, { mtimeMs: number; result: Promise<VersionProbe> }>();

  probe(executable: string, args: readonly string[], env: Record<string, string>, timeoutMs = 5_000): Promise<VersionProbe> {
    let mtimeMs = 0;
    try {
      mtimeMs = fs.statSync(executable).mtimeMs;
    } catch {
      return Promise.resolve({ error: 'not found' });
    }
    const key = `${executable}\0${args.join('\0')}`;
    const cached = this.cache.get(key);
    if (cached && cached.mtimeMs === mtimeMs) return cached.result;
    const result = new Promise<VersionProbe>((resolve) => {
      execFile(executable, [...args], { env, timeout: timeoutMs, windowsHide: true }, (error, stdout, stderr) => {
        const text = `${stdout}\n${stderr}`;
        const match = SEMVER.exec(text);
        if (match) resolve({ version: match[0] });
        else resolve({ error: error ? error.message : 'no version in output' });
      });
    });
    this.cache.set(key, { mtimeMs, result });
    return result;
  }
}

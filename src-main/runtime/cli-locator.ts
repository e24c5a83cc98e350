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

/** How far above the real file of a bin link an npm package's root may be (`dist/cli/index.js`). */
const PACKAGE_SEARCH_DEPTH = 4;

/**
 * The version of the npm package that ships `executable` as one of its bins, read from its
 * package.json: instant, where `--version` costs a whole Node start-up (Gemini CLI takes 3–9 s on a
 * busy 2-core machine, longer than any cap a spawn should wait for). Undefined when the executable
 * is not an npm bin.
 */
export function npmPackageVersion(executable: string): string | undefined {
  let real: string;
  try {
    real = fs.realpathSync(executable);
  } catch {
    return undefined;
  }
  let dir = path.dirname(real);
  for (let depth = 0; depth <= PACKAGE_SEARCH_DEPTH; depth++) {
    const manifest = readManifest(path.join(dir, 'package.json'));
    if (manifest) {
      const bins = typeof manifest.bin === 'string' ? [manifest.bin] : manifest.bin && typeof manifest.bin === 'object' ? Object.values(manifest.bin) : [];
      const shipsIt = bins.some((bin) => typeof bin === 'string' && path.resolve(dir, bin) === real);
      // The nearest package.json is the package's own: if it does not list this file, it is not an npm bin.
      return shipsIt && typeof manifest.version === 'string' && SEMVER.test(manifest.version) ? manifest.version : undefined;
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

function readManifest(file: string): { bin?: unknown; version?: unknown } | undefined {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as { bin?: unknown; version?: unknown }) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The CLI's version: from its npm package when it is one, else `<cli> --version` (5 s cap), taking
 * the first x.y.z it prints. Cached per binary path and modification time, so the health endpoint
 * can ask often without forking each time.
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
    const fromPackage = npmPackageVersion(executable);
    const result = fromPackage !== undefined ? Promise.resolve<VersionProbe>({ version: fromPackage }) : new Promise<VersionProbe>((resolve) => {
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

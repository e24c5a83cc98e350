import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RavenSpawnRequest } from '../../../src-shared/api';
import { RuntimeError } from '../../runtime/errors';
import type { Logger } from '../../runtime/logger';
import type { CloneTracker } from '../../workspace/clone-tracker';
import { cloneRepository } from '../../workspace/git-clone';
import { parseRepoUrl, validateBranch } from '../../workspace/repo-url';
import { scratchWorkdir } from '../../workspace/scratch';

/**
 * Where the agents of a Raven spawn (docs/compatibility.md "Spawning from Raven") run:
 *
 * - `config.repoUrl` set: a fresh clone, shared by all `count` agents. It goes into
 *   `config.workdir` when that is a local absolute path (missing or empty), or into a scratch folder
 *   under the data folder when the workdir is absent or is the repository URL itself (Raven sends
 *   workdir = repoUrl for swarms).
 * - otherwise `config.workdir` (created when missing: Raven's paths name folders on its own host),
 * - otherwise one scratch folder per agent.
 */

type RavenSpawnConfig = NonNullable<RavenSpawnRequest['config']>;

export interface SpawnWorkdir {
  /** The folder every agent of the spawn shares; undefined: each gets its own scratch folder (workspace/scratch.ts). */
  shared?: string;
  /** Removes what preparing it created (the clone), when the spawn fails after all. */
  undo(): Promise<void>;
}

export interface WorkdirOptions {
  scratchRoot: string;
  /** Names the scratch folder of a clone. */
  firstAgentId: string;
  logger: Logger;
  cloneTimeoutMs?: number;
  /** Clones in flight, so shutdown can stop them and remove their folders. */
  clones?: CloneTracker;
}

const NOTHING_TO_UNDO = async (): Promise<void> => undefined;

/** Clones in progress, by destination: a second spawn into the same folder must not race the first. */
const cloning = new Set<string>();

function expandHome(raw: string): string {
  return raw === '~' || raw.startsWith('~/') ? path.join(os.homedir(), raw.slice(1)) : raw;
}

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

/**
 * A local absolute folder, created when missing. Raven's workdir may be a temp path it never created
 * on this host (it prepares remote workspaces by sending contextFiles instead).
 */
function localWorkdir(raw: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    throw new RuntimeError('VALIDATION_ERROR', 'config.workdir looks like a repository URL; pass it as config.repoUrl to clone it, or pass a local folder.', {
      field: 'config.workdir',
    });
  }
  const expanded = expandHome(raw);
  if (!path.isAbsolute(expanded)) {
    throw new RuntimeError('VALIDATION_ERROR', 'config.workdir must be an absolute path.', { field: 'config.workdir' });
  }
  const resolved = path.resolve(expanded);
  const stat = statOrUndefined(resolved);
  if (stat && !stat.isDirectory()) {
    throw new RuntimeError('VALIDATION_ERROR', `config.workdir "${resolved}" is not a folder.`, { field: 'config.workdir' });
  }
  if (!stat) {
    try {
      fs.mkdirSync(resolved, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new RuntimeError('VALIDATION_ERROR', `config.workdir "${resolved}" could not be created: ${(error as Error).message}`, { field: 'config.workdir' });
    }
  }
  return resolved;
}

/**
 * Where the clone goes, made ready for `git clone` (an empty folder), and how to take it back:
 * `created` is the top folder this call made (removed whole), else the folder existed empty and
 * only its contents are removed.
 */
function cloneDestination(config: RavenSpawnConfig, repoUrl: string, options: WorkdirOptions): { dest: string; created?: string } {
  const workdir = config.workdir;
  if (workdir === undefined || workdir.trim() === repoUrl.trim()) {
    const dest = scratchWorkdir(options.scratchRoot, options.firstAgentId);
    return { dest, created: dest };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(workdir)) {
    throw new RuntimeError('VALIDATION_ERROR', 'config.workdir must be a local absolute path, or the same value as config.repoUrl (then the clone goes into a scratch folder).', {
      field: 'config.workdir',
    });
  }
  const expanded = expandHome(workdir);
  if (!path.isAbsolute(expanded)) throw new RuntimeError('VALIDATION_ERROR', 'config.workdir must be an absolute path.', { field: 'config.workdir' });
  const dest = path.resolve(expanded);
  const stat = statOrUndefined(dest);
  if (stat) {
    if (!stat.isDirectory()) throw new RuntimeError('VALIDATION_ERROR', `config.workdir "${dest}" is not a folder.`, { field: 'config.workdir' });
    if (fs.readdirSync(dest).length > 0) {
      throw new RuntimeError('VALIDATION_ERROR', `config.workdir "${dest}" is not empty; config.repoUrl is cloned only into a missing or empty folder.`, {
        field: 'config.workdir',
      });
    }
    return { dest };
  }
  try {
    const created = fs.mkdirSync(dest, { recursive: true, mode: 0o700 });
    return { dest, created: created ?? dest };
  } catch (error) {
    throw new RuntimeError('VALIDATION_ERROR', `config.workdir "${dest}" could not be created: ${(error as Error).message}`, { field: 'config.workdir' });
  }
}

async function removeClone(dest: string, created: string | undefined): Promise<void> {
  if (created !== undefined) {
    await fs.promises.rm(created, { recursive: true, force: true });
    return;
  }
  // The folder was empty before the clone (and no other clone could start in it meanwhile).
  const entries = await fs.promises.readdir(dest).catch(() => [] as string[]);
  await Promise.all(entries.map((entry) => fs.promises.rm(path.join(dest, entry), { recursive: true, force: true })));
}

/**
 * Validates the repository fields first (a bad URL is a 400 before any folder is touched), then
 * prepares the shared workdir: the clone, the given folder, or none (per-agent scratch folders).
 */
export async function prepareSpawnWorkdir(config: RavenSpawnConfig, options: WorkdirOptions): Promise<SpawnWorkdir> {
  const repoUrl = config.repoUrl !== undefined && config.repoUrl !== '' ? config.repoUrl : undefined;
  if (repoUrl === undefined) {
    // config.branch only means something for a clone; without repoUrl it is ignored.
    return { shared: config.workdir !== undefined ? localWorkdir(config.workdir) : undefined, undo: NOTHING_TO_UNDO };
  }
  const repo = parseRepoUrl(repoUrl);
  const branch = config.branch !== undefined && config.branch !== '' ? validateBranch(config.branch) : undefined;
  const { dest, created } = cloneDestination(config, repoUrl, options);
  if (cloning.has(dest)) {
    if (created !== undefined) fs.rmSync(created, { recursive: true, force: true });
    throw new RuntimeError('VALIDATION_ERROR', `A clone into "${dest}" is already under way.`, { field: 'config.workdir' });
  }
  cloning.add(dest);
  const run = async (signal?: AbortSignal) => {
    try {
      await cloneRepository({ repo, branch, dest, timeoutMs: options.cloneTimeoutMs, signal }, options.logger);
    } catch (error) {
      await removeClone(dest, created);
      throw error;
    } finally {
      cloning.delete(dest);
    }
  };
  await (options.clones ? options.clones.track(run) : run());
  return { shared: dest, undo: () => removeClone(dest, created) };
}

import * as path from 'node:path';
import type { IsolationRequest, IsolationSpec, NetworkMode } from '../../../src-shared/isolation';
import { RuntimeError } from '../errors';
import { parseAllowRule } from './egress-rules';
import type { ResolvedIsolation } from './types';

/**
 * Turns a spawn's `isolation` and the runtime's default policy into one `ResolvedIsolation`
 * (docs/isolation.md "Policy"): the spawn's fields win field by field, `~` is the user's real home,
 * every path must be absolute, and a sandbox may not be rooted at a folder that would expose the
 * whole home.
 */

export interface PolicyContext {
  /** The agent's working directory, already resolved and checked to exist. */
  workdir: string;
  /** The user's real home (what `~` means). */
  home: string;
}

function asRequest(spec: IsolationSpec | undefined): Partial<IsolationRequest> {
  if (spec === undefined) return {};
  return typeof spec === 'string' ? { mode: spec } : spec;
}

/** `~` and `~/x` become the real home; anything else must already be absolute. */
function expandPath(entry: string, home: string, field: string): string {
  const expanded = entry === '~' ? home : entry.startsWith('~/') ? path.join(home, entry.slice(2)) : entry;
  if (!path.isAbsolute(expanded)) {
    throw new RuntimeError('VALIDATION_ERROR', `${field} entries must be absolute paths (or start with ~/): "${entry}".`, { field });
  }
  return path.resolve(expanded);
}

function expandAll(entries: readonly string[] | undefined, home: string, field: string): string[] {
  return [...new Set((entries ?? []).map((entry) => expandPath(entry, home, field)))];
}

/** True when `inner` is `outer` or lies inside it. */
export function isWithin(inner: string, outer: string): boolean {
  const relative = path.relative(outer, inner);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

export function resolveIsolation(spec: IsolationSpec | undefined, defaults: IsolationRequest, ctx: PolicyContext): ResolvedIsolation {
  const own = asRequest(spec);
  const mode = own.mode ?? defaults.mode;
  const home = path.resolve(ctx.home);
  const requestedNetwork: NetworkMode | undefined = own.network ?? defaults.network;
  // Without isolation nothing can be taken away: the agent has the machine's network.
  const network: NetworkMode = mode === 'none' ? 'full' : (requestedNetwork ?? 'allowlist');
  const resolved: ResolvedIsolation = {
    mode,
    network,
    allow: [...new Set([...(defaults.allow ?? []), ...(own.allow ?? [])])],
    writable: expandAll(own.writable ?? defaults.writable, home, 'isolation.writable'),
    readOnly: expandAll(own.readOnly ?? defaults.readOnly, home, 'isolation.readOnly'),
    limits: { ...defaults.limits, ...own.limits },
  };
  const image = own.image ?? defaults.image;
  if (image !== undefined) resolved.image = image;
  if (mode !== 'none') {
    // A bad rule is the spawn's mistake: refused here, before any folder or proxy exists.
    for (const rule of resolved.allow) {
      try {
        parseAllowRule(rule);
      } catch (error) {
        if (error instanceof RuntimeError) throw new RuntimeError('VALIDATION_ERROR', error.message, { field: 'isolation.allow', rule });
        throw error;
      }
    }
    assertSafeWorkdir(ctx.workdir, home);
    for (const entry of resolved.writable) assertNotAboveHome(entry, home, 'isolation.writable');
  }
  return resolved;
}

/** A writable entry is bound over the private home like the workdir is: the same rule applies. */
function assertNotAboveHome(entry: string, home: string, field: string): void {
  if (isWithin(home, entry)) {
    throw new RuntimeError('VALIDATION_ERROR', `"${entry}" is the home folder or contains it; writable inside the sandbox, it would expose the whole home.`, { field });
  }
}

/**
 * The workdir is bound writable inside the sandbox over the private home: rooted at `/`, at the
 * home or at one of its ancestors, it would put the user's whole home (keys, other projects) back
 * in reach, which is what the sandbox exists to prevent.
 */
function assertSafeWorkdir(workdir: string, home: string): void {
  const dir = path.resolve(workdir);
  if (dir === path.parse(dir).root) {
    throw new RuntimeError('VALIDATION_ERROR', 'An isolated agent cannot work in "/": its workdir is writable inside the sandbox, and "/" would expose the whole machine. Give it a project folder.', { field: 'workdir', workdir: dir });
  }
  if (isWithin(home, dir)) {
    throw new RuntimeError('VALIDATION_ERROR', `An isolated agent cannot work in "${dir}": it is the home folder or contains it, and its workdir is writable inside the sandbox, which would expose the whole home. Give it a project folder.`, { field: 'workdir', workdir: dir });
  }
}

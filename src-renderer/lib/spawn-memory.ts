import type { CreateAgentRequest } from '../../src-shared/api';

/**
 * What this UI spawned, per agent id, so Restart can start the same thing again (the runtime has no
 * restart route; see the report). Credentials are never kept. localStorage: a restart after a
 * reload still knows the original arguments.
 */

const KEY = 'raven.spawns';
/** Old entries are dropped; the runtime keeps only the last 50 stopped agents anyway. */
const MAX_ENTRIES = 100;

type Memory = Record<string, CreateAgentRequest & { savedAt: number }>;

function read(): Memory {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) ?? '{}') as unknown;
    return typeof value === 'object' && value !== null ? (value as Memory) : {};
  } catch {
    return {};
  }
}

export function rememberSpawn(id: string, request: CreateAgentRequest): void {
  const { credentials: _secret, ...rest } = request;
  const memory = read();
  memory[id] = { ...rest, savedAt: Date.now() };
  const entries = Object.entries(memory).sort((a, b) => b[1].savedAt - a[1].savedAt).slice(0, MAX_ENTRIES);
  try {
    localStorage.setItem(KEY, JSON.stringify(Object.fromEntries(entries)));
  } catch {
    // Storage full or disabled: restart falls back to what the handle says.
  }
}

export function recallSpawn(id: string): CreateAgentRequest | undefined {
  const entry = read()[id];
  if (!entry) return undefined;
  const { savedAt: _at, ...request } = entry;
  return request;
}

const LAST_WORKDIR = 'raven.lastWorkdir';

export function lastWorkdir(): string {
  try {
    return localStorage.getItem(LAST_WORKDIR) ?? '';
  } catch {
    return '';
  }
}

export function setLastWorkdir(dir: string): void {
  try {
    localStorage.setItem(LAST_WORKDIR, dir);
  } catch {
    // Not essential.
  }
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AgentType } from '../../../src-shared/agent';
import { isWithin } from './policy';
import type { UserSettingsLayer } from './types';

/**
 * The agent's private home (docs/isolation.md "The private home"): an empty folder seeded with
 * copies of only the files its CLI needs to start logged in and configured. Copies, never links or
 * binds: whatever the agent writes there (a changed setting, a refreshed token, session logs) never
 * reaches the user's own files. Folders are 0700 and files 0600, as the CLIs keep them.
 */

export interface SeedResult {
  /** Home-relative paths copied, for the log. */
  copied: string[];
  /** Variables to change in the agent's environment (CODEX_HOME moved into the private home). */
  env: Record<string, string>;
}

const CLAUDE_FILES = ['.claude.json', '.claude/settings.json', '.claude/.credentials.json'];
const CODEX_FILES = ['config.toml', 'auth.json'];
const GEMINI_FILES = ['settings.json', 'oauth_creds.json', 'google_accounts.json', 'trustedFolders.json', 'installation_id'].map((f) => `.gemini/${f}`);

/** Copies one regular file (following a link to it) with 0600, creating 0700 folders; false when absent. */
function copyPrivate(source: string, target: string): boolean {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(source);
  } catch {
    return false;
  }
  if (!stat.isFile()) return false;
  fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  fs.copyFileSync(source, target);
  fs.chmodSync(target, 0o600);
  return true;
}

/**
 * Seeds `privateHome` for an agent of `type` whose HOME would have been `sourceHome`, with `env`
 * the agent's environment (for `CODEX_HOME`).
 */
export function seedSandboxHome(privateHome: string, sourceHome: string, type: AgentType, env: Record<string, string>): SeedResult {
  fs.mkdirSync(privateHome, { recursive: true, mode: 0o700 });
  fs.chmodSync(privateHome, 0o700);
  const result: SeedResult = { copied: [], env: {} };
  const copy = (relative: string, from: string = path.join(sourceHome, relative)): void => {
    if (copyPrivate(from, path.join(privateHome, relative))) result.copied.push(relative);
  };
  switch (type) {
    case 'claude-code':
      for (const file of CLAUDE_FILES) copy(file);
      break;
    case 'codex': {
      // Codex writes into its home (sessions, logs, refreshed tokens). A CODEX_HOME inside the home
      // keeps its place in the private home; one outside it would be read-only inside the sandbox,
      // so its files are copied to the private ~/.codex and CODEX_HOME points there.
      const codexHome = env.CODEX_HOME && env.CODEX_HOME.trim() !== '' ? path.resolve(env.CODEX_HOME) : path.join(sourceHome, '.codex');
      const inside = isWithin(codexHome, sourceHome);
      const relativeHome = inside ? path.relative(sourceHome, codexHome) : '.codex';
      for (const file of CODEX_FILES) copy(path.join(relativeHome, file), path.join(codexHome, file));
      fs.mkdirSync(path.join(privateHome, relativeHome), { recursive: true, mode: 0o700 });
      if (!inside) result.env.CODEX_HOME = path.join(sourceHome, '.codex');
      break;
    }
    case 'gemini-cli':
      for (const file of GEMINI_FILES) copy(file);
      break;
    default:
      // Shells, the echo agent, Aider and custom commands get an empty home; a spawn lists what
      // else they need in `readOnly` (e.g. `~/.gitconfig`).
      break;
  }
  return result;
}

/**
 * Adds the runtime's settings to the private home's copy of a CLI's settings file (created when the
 * user has none). Only ever the private copy: the user's own file is never touched.
 */
export function applySettingsLayers(privateHome: string, layers: readonly UserSettingsLayer[]): void {
  for (const layer of layers) {
    const file = path.join(privateHome, layer.file);
    let existing: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) existing = parsed as Record<string, unknown>;
    } catch {
      // Missing or not JSON: the CLI would have read nothing from it either.
    }
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, JSON.stringify(layer.merge(existing), null, 2), { mode: 0o600 });
  }
}

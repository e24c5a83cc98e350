import { DEFAULT_AUTO_RESPOND } from '../../../src-shared/agent';
import { PROVIDERS, THEME_PREFERENCES } from '../../../src-shared/desktop';
import { BIND_HOSTS, DEFAULT_SETTINGS, LIMITS, SETTINGS_SCHEMA_VERSION, normalizeOrigin, type StoredSettings } from './schema';

/**
 * Versioned migrations of the settings file. Each entry turns version `to - 1` into `to`; they run
 * in order, on a copy, and the result is written only when all succeeded, so a failing migration
 * leaves the file as it was. We do not use electron-store's own `migrations` option: its README
 * says it has known bugs and no support (docs/desktop.md "Settings on disk").
 */

export type RawSettings = Record<string, unknown>;

export interface Migration {
  /** The version this migration produces. */
  to: number;
  description: string;
  migrate(input: RawSettings): RawSettings;
}

function intIn(value: unknown, min: number, max: number, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : fallback;
}

function bool(value: unknown, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

function str(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

/**
 * Every field kept when valid and replaced by its default when not, so one bad value does not cost
 * a person all their settings. Unknown keys are dropped. Used by the 0 → 1 migration and to repair
 * a current-version file that fails the store's schema (hand-edited, or written by a buggy build).
 */
export function normalizeSettings(input: RawSettings): StoredSettings {
  const d = DEFAULT_SETTINGS;
  const autoIn = typeof input.autoRespond === 'object' && input.autoRespond !== null ? (input.autoRespond as RawSettings) : {};
  const keysIn = typeof input.providerKeys === 'object' && input.providerKeys !== null ? (input.providerKeys as RawSettings) : {};
  const origins = Array.isArray(input.allowedOrigins)
    ? [...new Set(input.allowedOrigins.filter((o): o is string => typeof o === 'string').map(normalizeOrigin).filter((o): o is string => o !== undefined))]
    : [];
  const out: StoredSettings = {
    schemaVersion: SETTINGS_SCHEMA_VERSION,
    port: intIn(input.port, LIMITS.port.min, LIMITS.port.max, d.port),
    bindHost: (BIND_HOSTS as readonly unknown[]).includes(input.bindHost) ? (input.bindHost as string) : d.bindHost,
    apiKey: str(input.apiKey, d.apiKey),
    allowedOrigins: origins,
    defaultWorkdir: str(input.defaultWorkdir, d.defaultWorkdir),
    maxAgents: intIn(input.maxAgents, LIMITS.maxAgents.min, LIMITS.maxAgents.max, d.maxAgents),
    terminalCols: intIn(input.terminalCols, LIMITS.terminalCols.min, LIMITS.terminalCols.max, d.terminalCols),
    terminalRows: intIn(input.terminalRows, LIMITS.terminalRows.min, LIMITS.terminalRows.max, d.terminalRows),
    fontSize: intIn(input.fontSize, LIMITS.fontSize.min, LIMITS.fontSize.max, d.fontSize),
    scrollback: intIn(input.scrollback, LIMITS.scrollback.min, LIMITS.scrollback.max, d.scrollback),
    autoRespond: {
      trustFolder: bool(autoIn.trustFolder, DEFAULT_AUTO_RESPOND.trustFolder),
      apiKey: bool(autoIn.apiKey, DEFAULT_AUTO_RESPOND.apiKey),
      update: bool(autoIn.update, DEFAULT_AUTO_RESPOND.update),
      telemetry: bool(autoIn.telemetry, DEFAULT_AUTO_RESPOND.telemetry),
      survey: bool(autoIn.survey, DEFAULT_AUTO_RESPOND.survey),
    },
    notifications: bool(input.notifications, d.notifications),
    openLoginPagesAutomatically: bool(input.openLoginPagesAutomatically, d.openLoginPagesAutomatically),
    theme: (THEME_PREFERENCES as readonly unknown[]).includes(input.theme) ? (input.theme as StoredSettings['theme']) : d.theme,
    openAtLogin: bool(input.openAtLogin, d.openAtLogin),
    providerKeys: Object.fromEntries(PROVIDERS.filter((p) => typeof keysIn[p] === 'string' && keysIn[p] !== '').map((p) => [p, keysIn[p] as string])),
    lastWorkdir: str(input.lastWorkdir, d.lastWorkdir),
  };
  if (typeof input.apiKeyCipher === 'string' && input.apiKeyCipher !== '') out.apiKeyCipher = input.apiKeyCipher;
  return out;
}

/**
 * 0 → 1: a file with no `schemaVersion` (first start, or a hand-edited or damaged file). When v2
 * comes, this must keep producing the v1 shape: freeze a copy of today's normaliser in it.
 */
const toV1: Migration = {
  to: 1,
  description: 'Fill defaults and repair invalid values in an unversioned file',
  migrate: (input) => ({ ...normalizeSettings(input) }),
};

/** Repairs a file at the current version: normalised, version kept. */
export function repairSettings(input: RawSettings): RawSettings {
  return { ...normalizeSettings(input), schemaVersion: SETTINGS_SCHEMA_VERSION };
}

/** Ordered by `to`; the last one's `to` must equal SETTINGS_SCHEMA_VERSION (a test checks). */
export const MIGRATIONS: readonly Migration[] = [toV1];

export type MigrationOutcome =
  | { kind: 'current'; settings: RawSettings }
  | { kind: 'migrated'; from: number; to: number; settings: RawSettings; applied: string[] }
  /** Written by a newer app: we read what we understand and must not write the file back. */
  | { kind: 'newer'; version: number; settings: RawSettings }
  | { kind: 'failed'; from: number; error: string };

export function versionOf(raw: RawSettings): number {
  const v = raw.schemaVersion;
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0;
}

export function runMigrations(
  raw: RawSettings,
  migrations: readonly Migration[] = MIGRATIONS,
  target: number = SETTINGS_SCHEMA_VERSION,
): MigrationOutcome {
  const from = versionOf(raw);
  if (from > target) return { kind: 'newer', version: from, settings: raw };
  if (from === target) return { kind: 'current', settings: raw };
  // structuredClone: a migration that mutates its input must not touch the caller's object.
  let current: RawSettings = structuredClone(raw);
  const applied: string[] = [];
  for (const migration of [...migrations].sort((a, b) => a.to - b.to)) {
    if (migration.to <= from || migration.to > target) continue;
    try {
      current = { ...migration.migrate(current), schemaVersion: migration.to };
    } catch (error) {
      return { kind: 'failed', from, error: `migration to v${migration.to} (${migration.description}) failed: ${String(error)}` };
    }
    applied.push(`v${migration.to}: ${migration.description}`);
  }
  if (versionOf(current) !== target) return { kind: 'failed', from, error: `no migration reaches v${target}` };
  return { kind: 'migrated', from, to: target, settings: current, applied };
}

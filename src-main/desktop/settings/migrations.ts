import { DEFAULT_AUTO_RESPOND } from '../../../src-shared/agent';
import { PROVIDERS } from '../../../src-shared/desktop';
import { DEFAULT_SETTINGS, SETTINGS_SCHEMA_VERSION, normalizeOrigin, storedSettingsSchema, type StoredSettings } from './schema';

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

/** Fields repaired as a whole; the rest are lists or maps, repaired entry by entry. */
type WholeField = Exclude<keyof StoredSettings, 'schemaVersion' | 'allowedOrigins' | 'autoRespond' | 'providerKeys' | 'apiKeyCipher'>;
/** `satisfies` makes a new stored field a compile error here until it is repaired too. */
const WHOLE_FIELDS = Object.keys({
  port: true,
  bindHost: true,
  apiKey: true,
  defaultWorkdir: true,
  maxAgents: true,
  terminalCols: true,
  terminalRows: true,
  fontSize: true,
  scrollback: true,
  notifications: true,
  openLoginPagesAutomatically: true,
  theme: true,
  openAtLogin: true,
  lastWorkdir: true,
  // Added after v1 without a version bump: it is only added (the service fills a missing one with
  // its default, as for any field), and a damaged one is reset whole to "none".
  isolation: true,
} satisfies Record<WholeField, true>) as WholeField[];

function objectOrEmpty(value: unknown): RawSettings {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as RawSettings) : {};
}

/**
 * Every field kept when valid and replaced by its default when not, so one bad value does not cost
 * a person all their settings. Unknown keys are dropped. Used by the 0 → 1 migration and to repair
 * a current-version file that fails the store's schema (hand-edited, or written by a buggy build).
 * "Valid" is what `storedSettingsSchema` says, field by field; lists and maps are repaired entry
 * by entry (a bad origin or auto-response does not reset its neighbours).
 */
export function normalizeSettings(input: RawSettings): StoredSettings {
  const fields = storedSettingsSchema.shape;
  const candidate: RawSettings = { schemaVersion: SETTINGS_SCHEMA_VERSION };
  for (const field of WHOLE_FIELDS) {
    const parsed = fields[field].safeParse(input[field]);
    candidate[field] = parsed.success ? parsed.data : DEFAULT_SETTINGS[field];
  }
  const origins = Array.isArray(input.allowedOrigins) ? input.allowedOrigins : [];
  candidate.allowedOrigins = [...new Set(origins.filter((o): o is string => typeof o === 'string').map(normalizeOrigin).filter((o): o is string => o !== undefined))];
  const autoIn = objectOrEmpty(input.autoRespond);
  const autoFields = fields.autoRespond.shape;
  candidate.autoRespond = Object.fromEntries(
    (Object.keys(DEFAULT_AUTO_RESPOND) as (keyof typeof DEFAULT_AUTO_RESPOND)[]).map((key) => {
      const parsed = autoFields[key].safeParse(autoIn[key]);
      return [key, parsed.success ? parsed.data : DEFAULT_AUTO_RESPOND[key]];
    }),
  );
  const keysIn = objectOrEmpty(input.providerKeys);
  candidate.providerKeys = Object.fromEntries(PROVIDERS.filter((p) => typeof keysIn[p] === 'string' && keysIn[p] !== '').map((p) => [p, keysIn[p]]));
  if (typeof input.apiKeyCipher === 'string' && input.apiKeyCipher !== '') candidate.apiKeyCipher = input.apiKeyCipher;
  // Every field is now valid or a default, so this cannot throw; it types the result.
  return storedSettingsSchema.parse(candidate);
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

import { DEFAULT_AUTO_RESPOND, MAX_COLS, MAX_ROWS, MIN_COLS, MIN_ROWS, type AutoRespondConfig } from '../../../src-shared/agent';
import {
  PROVIDERS,
  THEME_PREFERENCES,
  type EditableSettings,
  type Provider,
  type SettingsPatch,
  type ThemePreference,
} from '../../../src-shared/desktop';

import { defaultConfig } from '../../runtime/config';

/**
 * The desktop app's settings: types, defaults, limits and validation, from one source. The JSON
 * schema handed to electron-store is generated from the same limits, so the store's own validation
 * and ours cannot disagree.
 */

/** Bump with a new entry in migrations.ts whenever the stored shape changes. */
export const SETTINGS_SCHEMA_VERSION = 1;

/** What sits in the settings file. Provider keys are safeStorage ciphertext, base64-encoded. */
export interface StoredSettings extends EditableSettings {
  schemaVersion: number;
  /**
   * The API key as safeStorage ciphertext (base64), like the provider keys. When it is set, the
   * file's `apiKey` is empty and the in-memory `apiKey` is its decryption (SettingsService.unlock).
   * A plain `apiKey` in the file is a legacy value, encrypted on the next start.
   */
  apiKeyCipher?: string;
  providerKeys: Partial<Record<Provider, string>>;
  /** The folder the last spawn used: the default of the next folder picker. */
  lastWorkdir: string;
}

/** 8765 is the port Raven Docs' documentation tells people to point at (docs/compatibility.md "Ports and URLs"). */
export const DEFAULT_PORT = 8765;
/** Loopback only: anything that can reach the port can type into agents (docs/security.md "Threat model"). */
export const DEFAULT_BIND_HOST = '127.0.0.1';

/** The runtime's own defaults: the app starts out exactly as the headless runtime does. */
const RUNTIME_DEFAULTS = defaultConfig();

export const DEFAULT_SETTINGS: Readonly<StoredSettings> = Object.freeze({
  schemaVersion: SETTINGS_SCHEMA_VERSION,
  port: DEFAULT_PORT,
  bindHost: DEFAULT_BIND_HOST,
  apiKey: '',
  allowedOrigins: [],
  defaultWorkdir: '',
  maxAgents: RUNTIME_DEFAULTS.maxAgents,
  terminalCols: RUNTIME_DEFAULTS.cols,
  terminalRows: RUNTIME_DEFAULTS.rows,
  fontSize: 13,
  scrollback: 5000,
  autoRespond: { ...DEFAULT_AUTO_RESPOND },
  notifications: true,
  openLoginPagesAutomatically: true,
  theme: 'system' as ThemePreference,
  openAtLogin: false,
  providerKeys: {},
  lastWorkdir: '',
});

/** Numeric limits. Terminal limits are the runtime's (src-shared/agent.ts). */
export const LIMITS = {
  // Ports below 1024 need root on Unix; a desktop app never runs as root.
  port: { min: 1024, max: 65535 },
  maxAgents: { min: 1, max: 50 },
  terminalCols: { min: MIN_COLS, max: MAX_COLS },
  terminalRows: { min: MIN_ROWS, max: MAX_ROWS },
  fontSize: { min: 8, max: 32 },
  // xterm keeps scrollback in memory per terminal; 100k lines of 200 columns is already ~100 MB.
  scrollback: { min: 0, max: 100_000 },
} as const;

type NumericField = keyof typeof LIMITS;

const AUTO_RESPOND_KEYS = Object.keys(DEFAULT_AUTO_RESPOND) as (keyof AutoRespondConfig)[];

/** Hosts the server may bind. Anything else would expose the agents to the network. */
export const BIND_HOSTS = ['127.0.0.1', '::1', 'localhost'] as const;

/** An API key: printable, no spaces (it travels in a header and a query string). */
const API_KEY_PATTERN = /^[A-Za-z0-9._~+/=-]{16,256}$/;

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; error: string; field: string };

function fail(field: string, error: string): { ok: false; error: string; field: string } {
  return { ok: false, error, field };
}

/** `https://docs.example.com/some/page` → `https://docs.example.com`; undefined when not an http(s) URL. */
export function normalizeOrigin(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  return url.origin;
}

/**
 * Checks a patch from the settings page and returns the cleaned values (provider keys excluded:
 * the settings service handles those separately because they need the secret store).
 */
export function validatePatch(patch: SettingsPatch): ValidationResult<Partial<EditableSettings>> {
  const out: Partial<EditableSettings> = {};
  for (const field of Object.keys(LIMITS) as NumericField[]) {
    const value = patch[field];
    if (value === undefined) continue;
    const { min, max } = LIMITS[field];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      return fail(field, `${labelOf(field)} must be a whole number from ${min} to ${max}.`);
    }
    out[field] = value;
  }
  if (patch.bindHost !== undefined) {
    if (!(BIND_HOSTS as readonly string[]).includes(patch.bindHost)) {
      return fail('bindHost', `The API only listens on loopback (${BIND_HOSTS.join(', ')}): any other address would let the network type into your agents.`);
    }
    out.bindHost = patch.bindHost;
  }
  if (patch.apiKey !== undefined) {
    const key = patch.apiKey.trim();
    if (key !== '' && !API_KEY_PATTERN.test(key)) {
      return fail('apiKey', 'The API key needs 16–256 characters: letters, digits and . _ ~ + / = -');
    }
    out.apiKey = key;
  }
  if (patch.allowedOrigins !== undefined) {
    if (!Array.isArray(patch.allowedOrigins)) return fail('allowedOrigins', 'Allowed origins must be a list.');
    const origins: string[] = [];
    for (const raw of patch.allowedOrigins) {
      if (typeof raw !== 'string' || raw.trim() === '') continue;
      const origin = normalizeOrigin(raw);
      if (!origin) return fail('allowedOrigins', `"${raw}" is not an http(s) address such as https://docs.example.com.`);
      if (!origins.includes(origin)) origins.push(origin);
    }
    out.allowedOrigins = origins;
  }
  if (patch.defaultWorkdir !== undefined) {
    if (typeof patch.defaultWorkdir !== 'string') return fail('defaultWorkdir', 'The default folder must be a path.');
    out.defaultWorkdir = patch.defaultWorkdir.trim();
  }
  if (patch.autoRespond !== undefined) {
    const auto: Partial<AutoRespondConfig> = {};
    for (const [key, value] of Object.entries(patch.autoRespond)) {
      if (!(AUTO_RESPOND_KEYS as string[]).includes(key) || typeof value !== 'boolean') {
        return fail('autoRespond', `Unknown auto-response "${key}".`);
      }
      auto[key as keyof AutoRespondConfig] = value;
    }
    out.autoRespond = { ...DEFAULT_AUTO_RESPOND, ...auto };
  }
  for (const field of ['notifications', 'openLoginPagesAutomatically', 'openAtLogin'] as const) {
    const value = patch[field];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') return fail(field, `${labelOf(field)} must be on or off.`);
    out[field] = value;
  }
  if (patch.theme !== undefined) {
    if (!(THEME_PREFERENCES as readonly string[]).includes(patch.theme)) return fail('theme', 'The theme is system, light or dark.');
    out.theme = patch.theme;
  }
  if (patch.providerKeys !== undefined) {
    for (const [provider, value] of Object.entries(patch.providerKeys)) {
      if (!(PROVIDERS as readonly string[]).includes(provider)) return fail('providerKeys', `Unknown provider "${provider}".`);
      if (value !== null && (typeof value !== 'string' || value.trim().length < 8 || /\s/.test(value.trim()))) {
        return fail(`providerKeys.${provider}`, 'That does not look like an API key (at least 8 characters, no spaces).');
      }
    }
  }
  return { ok: true, value: out };
}

const LABELS: Readonly<Record<string, string>> = {
  port: 'The port',
  maxAgents: 'Max agents',
  terminalCols: 'Terminal columns',
  terminalRows: 'Terminal rows',
  fontSize: 'Font size',
  scrollback: 'Scrollback',
  notifications: 'Notifications',
  openLoginPagesAutomatically: 'Open login pages automatically',
  openAtLogin: 'Open at login',
};

function labelOf(field: string): string {
  return LABELS[field] ?? field;
}

type FieldKind = 'integer' | 'string' | 'boolean' | 'origins' | 'autoRespond' | 'providerKeys';

/** Every field a page may send in `settings.set`, and its JSON type. Anything else is refused. */
const PATCH_FIELDS: Readonly<Record<keyof SettingsPatch, FieldKind>> = {
  port: 'integer',
  bindHost: 'string',
  apiKey: 'string',
  allowedOrigins: 'origins',
  defaultWorkdir: 'string',
  maxAgents: 'integer',
  terminalCols: 'integer',
  terminalRows: 'integer',
  fontSize: 'integer',
  scrollback: 'integer',
  autoRespond: 'autoRespond',
  notifications: 'boolean',
  openLoginPagesAutomatically: 'boolean',
  theme: 'string',
  openAtLogin: 'boolean',
  providerKeys: 'providerKeys',
};

/** Generous for any real value (paths, keys, URLs), small enough that no page can bloat the file. */
const MAX_STRING = 4096;
const MAX_ORIGINS = 50;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function shortString(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_STRING;
}

/**
 * `settings.set` from a page arrives as whatever the page chose to send (structured clone of any
 * shape). This checks the shape against the settings schema before validatePatch checks the
 * values: only known fields, each of its type, no oversized strings or lists.
 */
export function parseSettingsPatch(raw: unknown): ValidationResult<SettingsPatch> {
  if (!isPlainObject(raw)) return fail('settings', 'Settings must be sent as an object of fields.');
  for (const [field, value] of Object.entries(raw)) {
    const kind = (PATCH_FIELDS as Readonly<Record<string, FieldKind>>)[field];
    if (kind === undefined) return fail(field, `"${field.slice(0, 64)}" is not a setting a page may change.`);
    const ok =
      kind === 'integer'
        ? typeof value === 'number'
        : kind === 'string'
          ? shortString(value)
          : kind === 'boolean'
            ? typeof value === 'boolean'
            : kind === 'origins'
              ? Array.isArray(value) && value.length <= MAX_ORIGINS && value.every(shortString)
              : kind === 'autoRespond'
                ? isPlainObject(value) && Object.values(value).every((v) => typeof v === 'boolean')
                : isPlainObject(value) && Object.values(value).every((v) => v === null || shortString(v));
    if (!ok) return fail(field, `${labelOf(field)} has the wrong type or size.`);
  }
  return { ok: true, value: raw as SettingsPatch };
}

/** Settings changes that need the API server restarted (it binds and authorises at start). */
export const SERVER_FIELDS: readonly (keyof EditableSettings)[] = ['port', 'bindHost', 'apiKey', 'allowedOrigins'];

/**
 * JSON schema (draft 2020-12, what electron-store/conf validate with ajv). Generated from the limits
 * above. `additionalProperties` stays open so an older app can read a newer file without throwing.
 */
export function jsonSchema(): Record<string, Record<string, unknown>> {
  const int = (field: NumericField) => ({ type: 'integer', minimum: LIMITS[field].min, maximum: LIMITS[field].max });
  return {
    schemaVersion: { type: 'integer', minimum: 0 },
    port: int('port'),
    bindHost: { type: 'string' },
    apiKey: { type: 'string' },
    apiKeyCipher: { type: 'string' },
    allowedOrigins: { type: 'array', items: { type: 'string' } },
    defaultWorkdir: { type: 'string' },
    maxAgents: int('maxAgents'),
    terminalCols: int('terminalCols'),
    terminalRows: int('terminalRows'),
    fontSize: int('fontSize'),
    scrollback: int('scrollback'),
    autoRespond: {
      type: 'object',
      properties: Object.fromEntries(AUTO_RESPOND_KEYS.map((key) => [key, { type: 'boolean' }])),
    },
    notifications: { type: 'boolean' },
    openLoginPagesAutomatically: { type: 'boolean' },
    theme: { type: 'string', enum: [...THEME_PREFERENCES] },
    openAtLogin: { type: 'boolean' },
    providerKeys: { type: 'object', properties: Object.fromEntries(PROVIDERS.map((p) => [p, { type: 'string' }])) },
    lastWorkdir: { type: 'string' },
  };
}

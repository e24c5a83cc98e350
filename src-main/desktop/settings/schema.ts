import { z } from 'zod';
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
import { DEFAULT_ISOLATION_SETTING, isolationPatchSchema, storedIsolationSchema } from './isolation';

/**
 * The desktop app's settings: types, defaults, limits and validation, from one source: the zod
 * schemas below. The JSON Schema handed to electron-store is generated from the stored-file schema
 * (`jsonSchema()`), the repair of a damaged file parses field by field with it (migrations.ts),
 * and a page's `settings.set` is parsed with the patch schema, built from the same field schemas,
 * so the store's validation and ours cannot disagree.
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
  isolation: { ...DEFAULT_ISOLATION_SETTING, allow: [], limits: {} },
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

/** Hosts the server may bind. Anything else would expose the agents to the network. */
export const BIND_HOSTS = ['127.0.0.1', '::1', 'localhost'] as const;

/** An API key: printable, no spaces (it travels in a header and a query string). */
const API_KEY_PATTERN = /^[A-Za-z0-9._~+/=-]{16,256}$/;

/** Generous for any real value (paths, keys, URLs), small enough that no page can bloat the file. */
const MAX_STRING = 4096;
const MAX_ORIGINS = 50;

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; error: string; field: string };

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

// ───────────────────────── field schemas, shared by the file and the page ─────────────────────────

function wholeNumber(field: NumericField) {
  const { min, max } = LIMITS[field];
  const error = `${labelOf(field)} must be a whole number from ${min} to ${max}.`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

function onOff(field: string) {
  return z.boolean({ error: `${labelOf(field)} must be on or off.` });
}

const bindHost = z.enum(BIND_HOSTS, {
  error: `The API only listens on loopback (${BIND_HOSTS.join(', ')}): any other address would let the network type into your agents.`,
});
const theme = z.enum(THEME_PREFERENCES, { error: 'The theme is system, light or dark.' });

const autoRespondFields = {
  trustFolder: z.boolean(),
  apiKey: z.boolean(),
  update: z.boolean(),
  telemetry: z.boolean(),
  survey: z.boolean(),
} satisfies Record<keyof AutoRespondConfig, z.ZodBoolean>;

/** The fields whose stored and page-sent forms are the same value with the same rules. */
const sharedFields = {
  port: wholeNumber('port'),
  bindHost,
  maxAgents: wholeNumber('maxAgents'),
  terminalCols: wholeNumber('terminalCols'),
  terminalRows: wholeNumber('terminalRows'),
  fontSize: wholeNumber('fontSize'),
  scrollback: wholeNumber('scrollback'),
  notifications: onOff('notifications'),
  openLoginPagesAutomatically: onOff('openLoginPagesAutomatically'),
  theme,
  openAtLogin: onOff('openAtLogin'),
};

// ───────────────────────── the settings file ─────────────────────────

/**
 * What the settings file holds. Objects stay open (`looseObject`) so an older app can read a newer
 * file; the top level is open too, since only its `properties` go to the store (`jsonSchema()`).
 * No `.default()` here: the store would write defaults into a fresh file before the migrations saw
 * it as unversioned.
 */
export const storedSettingsSchema = z.object({
  schemaVersion: z.int().min(0),
  ...sharedFields,
  // Free-form in the file: a legacy plain key, or empty once `apiKeyCipher` holds it.
  apiKey: z.string(),
  apiKeyCipher: z.string().optional(),
  allowedOrigins: z.array(z.string()),
  defaultWorkdir: z.string(),
  autoRespond: z.looseObject(autoRespondFields),
  providerKeys: z.looseObject(Object.fromEntries(PROVIDERS.map((p) => [p, z.string().optional()])) as Record<Provider, z.ZodOptional<z.ZodString>>),
  lastWorkdir: z.string(),
  isolation: storedIsolationSchema,
});

/** Compile-time proof that the schema's output is the StoredSettings the app uses. */
const _storedMatches: z.ZodType<StoredSettings> = storedSettingsSchema;
void _storedMatches;

/**
 * The JSON Schema (draft 2020-12, what electron-store/conf validate with ajv) of each stored field,
 * generated from `storedSettingsSchema`. conf takes the map of properties; `additionalProperties`
 * stays open so an older app can read a newer file without throwing.
 */
export function jsonSchema(): Record<string, Record<string, unknown>> {
  const generated = z.toJSONSchema(storedSettingsSchema, { target: 'draft-2020-12' });
  const properties: Record<string, Record<string, unknown>> = {};
  for (const [field, schema] of Object.entries(generated.properties ?? {})) {
    if (typeof schema === 'object') properties[field] = { ...schema };
  }
  return properties;
}

// ───────────────────────── a page's settings.set ─────────────────────────

const apiKeyPatch = z
  .string({ error: 'The API key must be text.' })
  .max(MAX_STRING)
  .trim()
  .refine((key) => key === '' || API_KEY_PATTERN.test(key), { error: 'The API key needs 16–256 characters: letters, digits and . _ ~ + / = -' });

/** A list of origins (or pages on them) → their origins, blanks skipped, duplicates removed. */
const allowedOriginsPatch = z
  .array(z.string().max(MAX_STRING), { error: 'Allowed origins must be a list.' })
  .max(MAX_ORIGINS, { error: `At most ${MAX_ORIGINS} allowed origins.` })
  .transform((list, ctx) => {
    const origins: string[] = [];
    for (const raw of list) {
      if (raw.trim() === '') continue;
      const origin = normalizeOrigin(raw);
      if (!origin) {
        ctx.addIssue({ code: 'custom', message: `"${raw}" is not an http(s) address such as https://docs.example.com.` });
        return z.NEVER;
      }
      if (!origins.includes(origin)) origins.push(origin);
    }
    return origins;
  });

/** Switches not named keep their defaults (the settings page always sends all of them). */
const autoRespondPatch = z
  .strictObject(
    {
      trustFolder: autoRespondFields.trustFolder.optional(),
      apiKey: autoRespondFields.apiKey.optional(),
      update: autoRespondFields.update.optional(),
      telemetry: autoRespondFields.telemetry.optional(),
      survey: autoRespondFields.survey.optional(),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? `Unknown auto-response "${String(issue.keys[0])}".` : 'Auto-responses must be on or off.') },
  )
  .transform((auto): AutoRespondConfig => ({ ...DEFAULT_AUTO_RESPOND, ...auto }));

/** A provider key to store (it goes to the secret store, trimmed, by the service), or null to remove it. */
const providerKeyValue = z.string({ error: 'A provider key must be text, or null to remove it.' }).max(MAX_STRING).nullable().optional();
const providerKeysPatch = z
  .strictObject(Object.fromEntries(PROVIDERS.map((p) => [p, providerKeyValue])) as Record<Provider, typeof providerKeyValue>, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `Unknown provider "${String(issue.keys[0])}".` : 'Provider keys must be an object.'),
  })
  .superRefine((keys, ctx) => {
    for (const [provider, value] of Object.entries(keys)) {
      if (typeof value === 'string' && (value.trim().length < 8 || /\s/.test(value.trim()))) {
        ctx.addIssue({ code: 'custom', path: [provider], message: 'That does not look like an API key (at least 8 characters, no spaces).' });
      }
    }
  });

/**
 * Every field a page may send in `settings.set`, each checked for type, size and value. Internal
 * fields (schemaVersion, lastWorkdir, apiKeyCipher) are unknown keys here, so a page cannot write them.
 */
const settingsPatchSchema = z.strictObject(
  {
    ...Object.fromEntries(Object.entries(sharedFields).map(([field, schema]) => [field, schema.optional()])) as {
      [F in keyof typeof sharedFields]: z.ZodOptional<(typeof sharedFields)[F]>;
    },
    apiKey: apiKeyPatch.optional(),
    allowedOrigins: allowedOriginsPatch.optional(),
    defaultWorkdir: z.string({ error: 'The default folder must be a path.' }).max(MAX_STRING, { error: 'The default folder path is too long.' }).trim().optional(),
    autoRespond: autoRespondPatch.optional(),
    providerKeys: providerKeysPatch.optional(),
    isolation: isolationPatchSchema.optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `"${String(issue.keys[0]).slice(0, 64)}" is not a setting a page may change.`
        : 'Settings must be sent as an object of fields.',
  },
);

/**
 * The field an issue is about: an unknown key names itself, a value rule on an entry of a map
 * names the entry (`providerKeys.openai`), anything else names the setting.
 */
function fieldOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys' && issue.path.length === 0) return String(issue.keys[0]).slice(0, 64);
  if (issue.path.length === 0) return 'settings';
  if (issue.code === 'custom' && issue.path.length > 1) return issue.path.map(String).join('.');
  return String(issue.path[0]);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * `settings.set` from a page arrives as whatever the page chose to send (structured clone of any
 * shape). Parsed with the patch schema: only known fields, each of its type and within its limits;
 * origins normalised, the key and folder trimmed. Provider keys are kept for the service.
 */
export function parseSettingsPatch(raw: unknown): ValidationResult<SettingsPatch> {
  if (!isPlainObject(raw)) return { ok: false, field: 'settings', error: 'Settings must be sent as an object of fields.' };
  const parsed = settingsPatchSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, field: issue ? fieldOf(issue) : 'settings', error: issue?.message ?? 'Invalid settings.' };
  }
  return { ok: true, value: parsed.data };
}

/**
 * The cleaned values of a patch, provider keys excluded: the settings service stores those
 * separately because they need the secret store.
 */
export function validatePatch(patch: unknown): ValidationResult<Partial<EditableSettings>> {
  const parsed = parseSettingsPatch(patch);
  if (!parsed.ok) return parsed;
  const { providerKeys: _providerKeys, ...values } = parsed.value;
  return { ok: true, value: values };
}

/** Settings changes that need the API server restarted (it binds and authorises at start). */
export const SERVER_FIELDS: readonly (keyof EditableSettings)[] = ['port', 'bindHost', 'apiKey', 'allowedOrigins'];

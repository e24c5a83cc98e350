import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_AUTO_RESPOND } from '../../src-shared/agent';
import { MIGRATIONS, repairSettings, runMigrations, type Migration } from '../../src-main/desktop/settings/migrations';
import {
  BIND_HOSTS,
  DEFAULT_SETTINGS,
  jsonSchema,
  LIMITS,
  parseSettingsPatch,
  SETTINGS_SCHEMA_VERSION,
  storedSettingsSchema,
  validatePatch,
} from '../../src-main/desktop/settings/schema';
import { BASIC_TEXT_REASON, memorySecretBox, safeStorageSecretBox, type SafeStorageLike } from '../../src-main/desktop/settings/secrets';
import { memoryBackend, SettingsService, type SettingsBackend, type SettingsChange } from '../../src-main/desktop/settings/service';

describe('migrations', () => {
  it('ends at the current schema version, in order', () => {
    const versions = MIGRATIONS.map((m) => m.to);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(versions[versions.length - 1]).toBe(SETTINGS_SCHEMA_VERSION);
    expect(new Set(versions).size).toBe(versions.length);
  });

  describe('v0 → v1 (unversioned file)', () => {
    it('turns an empty file into the defaults', () => {
      const outcome = runMigrations({});
      expect(outcome.kind).toBe('migrated');
      if (outcome.kind !== 'migrated') return;
      expect(outcome.settings).toEqual({ ...DEFAULT_SETTINGS });
      expect(outcome.applied).toEqual(['v1: Fill defaults and repair invalid values in an unversioned file']);
    });

    it('keeps valid values, repairs invalid ones one by one, drops unknown keys', () => {
      const outcome = runMigrations({
        port: 9000,
        bindHost: '0.0.0.0',
        apiKey: 'k'.repeat(20),
        allowedOrigins: ['https://docs.example.com/some/page', 'https://docs.example.com', 'ftp://x', 42],
        maxAgents: 0,
        terminalCols: 200,
        fontSize: 'big',
        autoRespond: { trustFolder: false, update: 'yes' },
        theme: 'dark',
        providerKeys: { anthropic: 'Y2lwaGVy', openai: '', evil: 'x' },
        somethingElse: true,
      });
      if (outcome.kind !== 'migrated') throw new Error(outcome.kind);
      expect(outcome.settings).toMatchObject({
        schemaVersion: 1,
        port: 9000,
        bindHost: '127.0.0.1',
        apiKey: 'k'.repeat(20),
        allowedOrigins: ['https://docs.example.com'],
        maxAgents: DEFAULT_SETTINGS.maxAgents,
        terminalCols: 200,
        fontSize: DEFAULT_SETTINGS.fontSize,
        autoRespond: { ...DEFAULT_AUTO_RESPOND, trustFolder: false },
        theme: 'dark',
        providerKeys: { anthropic: 'Y2lwaGVy' },
      });
      expect(outcome.settings).not.toHaveProperty('somethingElse');
    });

    it('does not touch the input object', () => {
      const input = { port: 9000, autoRespond: { trustFolder: false } };
      const copy = structuredClone(input);
      runMigrations(input);
      expect(input).toEqual(copy);
    });
  });

  it('leaves a current file alone', () => {
    const current = { ...DEFAULT_SETTINGS, port: 9100 };
    expect(runMigrations(current)).toEqual({ kind: 'current', settings: current });
  });

  it('reports a file from a newer app version instead of downgrading it', () => {
    const newer = { schemaVersion: SETTINGS_SCHEMA_VERSION + 1, port: 9200, futureField: 'x' };
    expect(runMigrations(newer)).toEqual({ kind: 'newer', version: SETTINGS_SCHEMA_VERSION + 1, settings: newer });
  });

  it('runs a chain in order from the file version, and stops at a failing step', () => {
    const chain: Migration[] = [
      { to: 3, description: 'c', migrate: (s) => ({ ...s, trail: `${String(s.trail)}>3` }) },
      { to: 1, description: 'a', migrate: (s) => ({ ...s, trail: 'v1' }) },
      { to: 2, description: 'b', migrate: (s) => ({ ...s, trail: `${String(s.trail)}>2` }) },
    ];
    const fromZero = runMigrations({}, chain, 3);
    expect(fromZero).toMatchObject({ kind: 'migrated', from: 0, to: 3, settings: { trail: 'v1>2>3', schemaVersion: 3 } });
    const fromTwo = runMigrations({ schemaVersion: 2, trail: 'old' }, chain, 3);
    expect(fromTwo).toMatchObject({ kind: 'migrated', from: 2, settings: { trail: 'old>3' } });

    const broken: Migration[] = [chain[1], { to: 2, description: 'explodes', migrate: () => { throw new Error('boom'); } }];
    const failed = runMigrations({}, broken, 2);
    expect(failed).toEqual({ kind: 'failed', from: 0, error: 'migration to v2 (explodes) failed: Error: boom' });
    expect(runMigrations({}, [chain[1]], 2)).toEqual({ kind: 'failed', from: 0, error: 'no migration reaches v2' });
  });

  it('repairs a current-version file that fails the schema, field by field', () => {
    const repaired = repairSettings({ ...DEFAULT_SETTINGS, port: 80, theme: 'neon', fontSize: 15 });
    expect(repaired).toMatchObject({ schemaVersion: SETTINGS_SCHEMA_VERSION, port: DEFAULT_SETTINGS.port, theme: 'system', fontSize: 15 });
  });
});

describe('validatePatch', () => {
  it('accepts good values and normalises origins', () => {
    expect(validatePatch({ port: 9000, allowedOrigins: ['https://docs.example.com/x/y', ' https://docs.example.com '] })).toEqual({
      ok: true,
      value: { port: 9000, allowedOrigins: ['https://docs.example.com'] },
    });
  });

  it('explains what is wrong, naming the field', () => {
    expect(validatePatch({ port: 80 })).toEqual({ ok: false, field: 'port', error: 'The port must be a whole number from 1024 to 65535.' });
    expect(validatePatch({ bindHost: '0.0.0.0' })).toMatchObject({ ok: false, field: 'bindHost' });
    expect(validatePatch({ apiKey: 'short' })).toMatchObject({ ok: false, field: 'apiKey' });
    expect(validatePatch({ allowedOrigins: ['not a url'] })).toMatchObject({ ok: false, field: 'allowedOrigins' });
    expect(validatePatch({ providerKeys: { anthropic: 'has space in it' } })).toMatchObject({ ok: false, field: 'providerKeys.anthropic' });
    expect(validatePatch({ scrollback: 1.5 })).toMatchObject({ ok: false, field: 'scrollback' });
  });

  it('allows clearing the API key', () => {
    expect(validatePatch({ apiKey: '' })).toEqual({ ok: true, value: { apiKey: '' } });
  });

  it('cleans what it accepts: trimmed key and folder, deduplicated origins, auto-responses over the defaults', () => {
    const key = 'k'.repeat(20);
    expect(validatePatch({ apiKey: `  ${key} `, defaultWorkdir: ' /home/dev ', allowedOrigins: ['', 'http://a.example/x', 'http://a.example'], autoRespond: { update: false } })).toEqual({
      ok: true,
      value: { apiKey: key, defaultWorkdir: '/home/dev', allowedOrigins: ['http://a.example'], autoRespond: { ...DEFAULT_AUTO_RESPOND, update: false } },
    });
  });

  it('keeps provider keys out of the values (the service encrypts them) but checks them', () => {
    expect(validatePatch({ fontSize: 14, providerKeys: { openai: 'sk-proj-12345678', google: null } })).toEqual({ ok: true, value: { fontSize: 14 } });
    expect(parseSettingsPatch({ providerKeys: { openai: 'sk-proj-12345678', google: null } })).toEqual({
      ok: true,
      value: { providerKeys: { openai: 'sk-proj-12345678', google: null } },
    });
    expect(validatePatch({ providerKeys: { mistral: 'abcdefghij' } })).toEqual({ ok: false, field: 'providerKeys', error: 'Unknown provider "mistral".' });
  });

  it('names the unknown field, the unknown auto-response, and refuses oversized lists', () => {
    expect(parseSettingsPatch({ fontSize: 14, lastWorkdir: '/etc' })).toEqual({ ok: false, field: 'lastWorkdir', error: '"lastWorkdir" is not a setting a page may change.' });
    expect(parseSettingsPatch({ autoRespond: { sudo: true } })).toEqual({ ok: false, field: 'autoRespond', error: 'Unknown auto-response "sudo".' });
    const many = Array.from({ length: 51 }, (_, i) => `https://o${i}.example`);
    expect(parseSettingsPatch({ allowedOrigins: many })).toMatchObject({ ok: false, field: 'allowedOrigins' });
    expect(parseSettingsPatch(new Map([['port', 9000]]))).toMatchObject({ ok: false, field: 'settings' });
  });
});

describe('one schema for the file and the page', () => {
  it("the store's JSON Schema is generated from the zod schema of the file", () => {
    const schema = jsonSchema();
    expect(Object.keys(schema).sort()).toEqual(Object.keys(storedSettingsSchema.shape).sort());
    expect(schema.bindHost).toEqual({ type: 'string', enum: [...BIND_HOSTS] });
    for (const [field, { min, max }] of Object.entries(LIMITS)) {
      expect(schema[field], field).toEqual({ type: 'integer', minimum: min, maximum: max });
    }
    // No defaults: the store would write them into a new file before the migrations saw it as unversioned.
    expect(JSON.stringify(schema)).not.toContain('"default"');
  });

  it('a page and the file agree on every numeric limit', () => {
    for (const [field, { min, max }] of Object.entries(LIMITS)) {
      const fieldSchema = storedSettingsSchema.shape[field as keyof typeof LIMITS];
      for (const value of [min, max]) {
        expect(validatePatch({ [field]: value }).ok, `${field}=${value}`).toBe(true);
        expect(fieldSchema.safeParse(value).success, `${field}=${value}`).toBe(true);
      }
      for (const value of [min - 1, max + 1, min + 0.5]) {
        expect(validatePatch({ [field]: value }), `${field}=${value}`).toMatchObject({ ok: false, field });
        expect(fieldSchema.safeParse(value).success, `${field}=${value}`).toBe(false);
      }
    }
  });

  it('the repair uses the same rules: a non-loopback host or partial auto-responses are put right', () => {
    const repaired = repairSettings({ ...DEFAULT_SETTINGS, bindHost: '0.0.0.0', autoRespond: { survey: false }, providerKeys: { openai: 'Y2lw', evil: 'x' } });
    expect(repaired).toMatchObject({ bindHost: DEFAULT_SETTINGS.bindHost, autoRespond: { ...DEFAULT_AUTO_RESPOND, survey: false }, providerKeys: { openai: 'Y2lw' } });
    expect(storedSettingsSchema.safeParse(repaired).success).toBe(true);
  });
});

describe('SettingsService', () => {
  it('migrates an unversioned backend on load and writes the result once', () => {
    const backend = memoryBackend({ port: 9001 });
    const service = new SettingsService(backend, memorySecretBox());
    expect(service.get().port).toBe(9001);
    expect(backend.data.schemaVersion).toBe(SETTINGS_SCHEMA_VERSION);
    expect(service.loadNote).toBe('settings migrated from v0 to v1');
  });

  it('stores provider keys encrypted, shows only a hint, and hands them to the runtime', async () => {
    const backend = memoryBackend();
    const service = new SettingsService(backend, memorySecretBox());
    const result = await service.update({ providerKeys: { anthropic: 'sk-ant-abcdefgh1234' } });
    expect(result.ok).toBe(true);
    const stored = JSON.stringify(backend.data);
    expect(stored).not.toContain('sk-ant-abcdefgh1234');
    const view = await service.view();
    expect(view.providerKeys).toEqual({ anthropic: { set: true, hint: '…1234' }, openai: { set: false }, google: { set: false } });
    expect(JSON.stringify(view)).not.toContain('sk-ant');
    expect(await service.credentials()).toEqual({ anthropicKey: 'sk-ant-abcdefgh1234' });
    // A fresh service over the same file decrypts it again.
    const reopened = new SettingsService(backend, memorySecretBox());
    expect(await reopened.credentials()).toEqual({ anthropicKey: 'sk-ant-abcdefgh1234' });
    await service.update({ providerKeys: { anthropic: null } });
    expect(await service.credentials()).toEqual({});
  });

  it('refuses to store provider keys with the basic_text backend, and says why', async () => {
    const box = safeStorageSecretBox(fakeSafeStorage('basic_text'), 'linux');
    const service = new SettingsService(memoryBackend(), box);
    const result = await service.update({ providerKeys: { openai: 'sk-proj-12345678' } });
    expect(result).toEqual({ ok: false, error: BASIC_TEXT_REASON, field: 'providerKeys' });
    expect((await service.view()).secretStorage).toEqual({ available: false, backend: 'basic_text', reason: BASIC_TEXT_REASON });
    // Other settings still save.
    expect((await service.update({ fontSize: 15 })).ok).toBe(true);
  });

  it('uses safeStorage ciphertext when a keyring exists', async () => {
    const box = safeStorageSecretBox(fakeSafeStorage('gnome_libsecret'), 'linux');
    const cipher = await box.encrypt('secret-value');
    expect(cipher).not.toContain('secret');
    expect(await box.decrypt(cipher)).toBe('secret-value');
    expect(await box.status()).toEqual({ available: true, backend: 'gnome_libsecret' });
  });

  it('reports what changed and whether the server must restart', async () => {
    const service = new SettingsService(memoryBackend(), memorySecretBox());
    const changes: SettingsChange[] = [];
    service.onChange((c) => changes.push(c));
    const r1 = await service.update({ fontSize: 16, theme: 'dark' });
    expect(r1).toMatchObject({ ok: true, settings: { fontSize: 16, theme: 'dark', restartRequired: false } });
    await service.update({ port: 9100 });
    await service.update({ port: 9100 }); // no change, no event
    expect(changes.map((c) => [c.changed.sort(), c.serverChanged])).toEqual([
      [['fontSize', 'theme'], false],
      [['port'], true],
    ]);
  });

  it('keeps a file from a newer version read-only', async () => {
    const backend = memoryBackend({ schemaVersion: 99, port: 9300, fromTheFuture: true });
    const service = new SettingsService(backend, memorySecretBox());
    expect(service.writable).toBe(false);
    expect(service.get().port).toBe(9300);
    expect(await service.update({ port: 9400 })).toMatchObject({ ok: false });
    expect(backend.data).toEqual({ schemaVersion: 99, port: 9300, fromTheFuture: true });
  });

  it('remembers the last working folder', () => {
    const backend = memoryBackend();
    const service = new SettingsService(backend, memorySecretBox());
    service.setLastWorkdir('/home/dev/project');
    expect(backend.data.lastWorkdir).toBe('/home/dev/project');
  });
});

describe('with conf (electron-store without Electron) and the JSON schema', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function confBackend(cwd: string): Promise<{ backend: SettingsBackend; file: string }> {
    const { default: Conf } = await import('conf');
    const store = new Conf<Record<string, unknown>>({ cwd, configName: 'settings', schema: jsonSchema(), projectName: 'raven-test' });
    return {
      file: store.path,
      backend: {
        read: () => ({ ...store.store }),
        write: (s) => {
          store.store = s;
        },
      },
    };
  }

  it('round-trips the settings through a real file validated by the schema', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-settings-'));
    dirs.push(cwd);
    const { backend, file } = await confBackend(cwd);
    const service = new SettingsService(backend, memorySecretBox());
    expect((await service.update({ port: 9555, allowedOrigins: ['https://raven.example.com/app'], providerKeys: { google: 'AIza-test-key' } })).ok).toBe(true);
    const onDisk = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(onDisk).toMatchObject({ schemaVersion: 1, port: 9555, allowedOrigins: ['https://raven.example.com'] });
    expect(JSON.stringify(onDisk)).not.toContain('AIza-test-key');

    const again = new SettingsService((await confBackend(cwd)).backend, memorySecretBox());
    expect(again.get().port).toBe(9555);
    expect(await again.credentials()).toEqual({ googleKey: 'AIza-test-key' });
  });

  it('the schema rejects what validation rejects', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-settings-'));
    dirs.push(cwd);
    const { backend } = await confBackend(cwd);
    expect(() => backend.write({ ...DEFAULT_SETTINGS, port: 80 })).toThrow(/port/);
    expect(() => backend.write({ ...DEFAULT_SETTINGS, theme: 'neon' })).toThrow(/theme/);
    // A hand-edited file must not open the API to the network: the store refuses it, main.ts repairs it.
    expect(() => backend.write({ ...DEFAULT_SETTINGS, bindHost: '0.0.0.0' })).toThrow(/bindHost/);
    expect(() => backend.write({ ...DEFAULT_SETTINGS, autoRespond: { survey: false } })).toThrow(/autoRespond/);
    // An older app reads a newer file: fields it does not know are let through.
    expect(() => backend.write({ ...DEFAULT_SETTINGS, futureField: 1, autoRespond: { ...DEFAULT_AUTO_RESPOND, futureSwitch: true } })).not.toThrow();
  });
});

function fakeSafeStorage(backend: string): SafeStorageLike {
  return {
    isAsyncEncryptionAvailable: async () => backend !== 'basic_text',
    encryptStringAsync: async (plain) => Buffer.from([...Buffer.from(plain)].map((b) => b ^ 0x5a)),
    decryptStringAsync: async (cipher) => ({ result: Buffer.from([...cipher].map((b) => b ^ 0x5a)).toString(), shouldReEncrypt: false }),
    getSelectedStorageBackend: () => backend,
  };
}

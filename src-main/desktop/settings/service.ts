import type { ProviderCredentials } from '../../../src-shared/agent';
import { Emitter } from '../../../src-shared/emitter';
import {
  PROVIDERS,
  type EditableSettings,
  type Provider,
  type ProviderKeyStatus,
  type SettingsPatch,
  type SettingsResult,
  type SettingsView,
} from '../../../src-shared/desktop';
import { runMigrations, type RawSettings } from './migrations';
import { DEFAULT_SETTINGS, SERVER_FIELDS, validatePatch, type StoredSettings } from './schema';
import type { SecretBox } from './secrets';

/**
 * Where settings live. electron-store in the app (`store.store` read and written whole), an
 * in-memory object or `conf` in tests. Kept this small so the ESM-only, Electron-importing
 * electron-store is only ever constructed in the Electron entry point.
 */
export interface SettingsBackend {
  read(): RawSettings;
  write(settings: RawSettings): void;
}

export function memoryBackend(initial: RawSettings = {}): SettingsBackend & { data: RawSettings } {
  const holder = {
    data: structuredClone(initial),
    read: () => structuredClone(holder.data),
    write: (settings: RawSettings) => {
      holder.data = structuredClone(settings);
    },
  };
  return holder;
}

export interface SettingsChange {
  settings: StoredSettings;
  changed: (keyof StoredSettings)[];
  /** A change to port, host, API key or origins: the server must restart to apply it. */
  serverChanged: boolean;
}

const PROVIDER_TO_CREDENTIAL: Readonly<Record<Provider, keyof ProviderCredentials>> = {
  anthropic: 'anthropicKey',
  openai: 'openaiKey',
  google: 'googleKey',
};

export class SettingsService {
  private current: StoredSettings;
  /** Decrypted once per key and kept in memory: safeStorage may prompt (macOS Keychain) on every call. */
  private readonly plainKeys = new Map<Provider, string>();
  private readonly changes = new Emitter<[change: SettingsChange]>();
  /** False when the file came from a newer app version: we must not overwrite what we do not understand. */
  readonly writable: boolean;
  readonly loadNote: string | undefined;
  /** Set by unlock() when the API key could not be decrypted or encrypted (logged by the app). */
  keyNote: string | undefined;
  private unlocking: Promise<void> | undefined;

  constructor(
    private readonly backend: SettingsBackend,
    private readonly secrets: SecretBox,
  ) {
    const outcome = runMigrations(backend.read());
    switch (outcome.kind) {
      case 'current':
        this.current = { ...DEFAULT_SETTINGS, ...(outcome.settings as Partial<StoredSettings>) };
        this.writable = true;
        break;
      case 'migrated':
        this.current = outcome.settings as unknown as StoredSettings;
        this.persist(this.current);
        this.writable = true;
        this.loadNote = `settings migrated from v${outcome.from} to v${outcome.to}`;
        break;
      case 'newer':
        this.current = { ...DEFAULT_SETTINGS, ...(outcome.settings as Partial<StoredSettings>) };
        this.writable = false;
        this.loadNote = `settings file is from a newer version (v${outcome.version}); changes will not be saved`;
        break;
      case 'failed':
        this.current = { ...DEFAULT_SETTINGS };
        this.writable = false;
        this.loadNote = `settings could not be migrated (${outcome.error}); using defaults without saving`;
        break;
    }
    // The plain key exists only in memory, and only after unlock() decrypted it.
    if (this.current.apiKeyCipher) this.current.apiKey = '';
  }

  /**
   * Reads the API key out of the secret store, and moves a legacy plain-text key into it. Call
   * (and await) before the key is needed; later calls return the same promise. Where no secret
   * store exists a legacy key keeps working from the file, and keyNote says so.
   */
  unlock(): Promise<void> {
    if (!this.unlocking) this.unlocking = this.doUnlock();
    return this.unlocking;
  }

  private async doUnlock(): Promise<void> {
    const cipher = this.current.apiKeyCipher;
    if (cipher) {
      try {
        this.current = { ...this.current, apiKey: await this.secrets.decrypt(cipher) };
      } catch {
        // Encrypted on another machine or by a reset keyring: the key is unreadable, as with provider keys.
        this.keyNote = 'the API key could not be read from the secret store; set a new one in Settings';
      }
      return;
    }
    const plain = this.current.apiKey;
    if (plain === '' || !this.writable) return;
    const status = await this.secrets.status();
    if (!status.available) {
      this.keyNote = `the API key stays in plain text in the settings file: ${status.reason ?? 'no secret store is available'}`;
      return;
    }
    try {
      this.current = { ...this.current, apiKeyCipher: await this.secrets.encrypt(plain) };
      this.persist(this.current);
    } catch (error) {
      this.keyNote = `the API key could not be encrypted (${String(error)}); it stays in plain text`;
    }
  }

  /** The file never holds the plain API key once its ciphertext exists. */
  private persist(settings: StoredSettings): void {
    this.backend.write(settings.apiKeyCipher ? { ...settings, apiKey: '' } : { ...settings });
  }

  get(): StoredSettings {
    return structuredClone(this.current);
  }

  onChange(listener: (change: SettingsChange) => void): () => void {
    const subscription = this.changes.on(listener);
    return () => subscription.dispose();
  }

  async view(): Promise<SettingsView> {
    const { providerKeys, lastWorkdir: _lastWorkdir, schemaVersion: _schemaVersion, apiKeyCipher: _apiKeyCipher, ...editable } = this.current;
    const keys = {} as Record<Provider, ProviderKeyStatus>;
    for (const provider of PROVIDERS) {
      const plain = providerKeys[provider] ? await this.providerKey(provider) : undefined;
      keys[provider] = providerKeys[provider] ? { set: true, hint: plain ? `…${plain.slice(-4)}` : undefined } : { set: false };
    }
    return { ...structuredClone(editable), providerKeys: keys, secretStorage: await this.secrets.status() };
  }

  private async providerKey(provider: Provider): Promise<string | undefined> {
    const cached = this.plainKeys.get(provider);
    if (cached !== undefined) return cached;
    const cipher = this.current.providerKeys[provider];
    if (!cipher) return undefined;
    try {
      const plain = await this.secrets.decrypt(cipher);
      this.plainKeys.set(provider, plain);
      return plain;
    } catch {
      // A key encrypted on another machine or by a reset keyring cannot be read: treat it as unset.
      return undefined;
    }
  }

  /** Keys for the runtime (`RuntimeConfig.credentials`). */
  async credentials(): Promise<ProviderCredentials> {
    const out: ProviderCredentials = {};
    for (const provider of PROVIDERS) {
      const key = await this.providerKey(provider);
      if (key) out[PROVIDER_TO_CREDENTIAL[provider]] = key;
    }
    return out;
  }

  async update(patch: SettingsPatch): Promise<SettingsResult> {
    if (!this.writable) return { ok: false, error: this.loadNote ?? 'Settings are read-only.' };
    const checked = validatePatch(patch);
    if (!checked.ok) return checked;
    await this.unlock();
    const next: StoredSettings = { ...structuredClone(this.current), ...checked.value };
    if (checked.value.apiKey !== undefined && checked.value.apiKey !== this.current.apiKey) {
      if (checked.value.apiKey === '') {
        delete next.apiKeyCipher;
      } else {
        // Like the provider keys: into the secret store, or not at all.
        const status = await this.secrets.status();
        if (!status.available) return { ok: false, error: status.reason ?? 'Secret storage is not available.', field: 'apiKey' };
        next.apiKeyCipher = await this.secrets.encrypt(checked.value.apiKey);
      }
    }
    const newPlain = new Map<Provider, string | null>();
    if (patch.providerKeys) {
      const wantsToStore = Object.values(patch.providerKeys).some((v) => typeof v === 'string');
      if (wantsToStore) {
        const status = await this.secrets.status();
        if (!status.available) return { ok: false, error: status.reason ?? 'Secret storage is not available.', field: 'providerKeys' };
      }
      next.providerKeys = { ...next.providerKeys };
      for (const provider of PROVIDERS) {
        const value = patch.providerKeys[provider];
        if (value === undefined) continue;
        if (value === null) {
          delete next.providerKeys[provider];
          newPlain.set(provider, null);
        } else {
          next.providerKeys[provider] = await this.secrets.encrypt(value.trim());
          newPlain.set(provider, value.trim());
        }
      }
    }
    const changed = (Object.keys(next) as (keyof StoredSettings)[]).filter(
      (key) => JSON.stringify(next[key]) !== JSON.stringify(this.current[key]),
    );
    this.persist(next);
    this.current = next;
    for (const [provider, plain] of newPlain) {
      if (plain === null) this.plainKeys.delete(provider);
      else this.plainKeys.set(provider, plain);
    }
    const change: SettingsChange = {
      settings: this.get(),
      changed,
      serverChanged: changed.some((key) => (SERVER_FIELDS as readonly string[]).includes(key)),
    };
    if (changed.length > 0) this.changes.emit(change);
    return { ok: true, settings: { ...(await this.view()), restartRequired: change.serverChanged } };
  }

  /** Internal fields the app itself keeps (not validated as user input). */
  setLastWorkdir(dir: string): void {
    if (!this.writable || this.current.lastWorkdir === dir) return;
    this.current = { ...this.current, lastWorkdir: dir };
    this.persist(this.current);
  }

  /** Used when the port-conflict dialog picks another port. */
  async setPort(port: number): Promise<SettingsResult> {
    return this.update({ port });
  }

  editable(): EditableSettings {
    const { providerKeys: _p, lastWorkdir: _l, schemaVersion: _s, apiKeyCipher: _c, ...editable } = this.current;
    return structuredClone(editable);
  }
}

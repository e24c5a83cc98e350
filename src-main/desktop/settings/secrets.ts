import type { SecretStorageStatus } from '../../../src-shared/desktop';

/**
 * Provider API keys at rest go through the OS secret store (Electron's safeStorage), never into the
 * settings file as plain text. On Linux without a keyring Electron falls back to `basic_text`, which
 * encrypts with a hard-coded password: we refuse rather than pretend (docs/desktop-security.md "Secrets at rest").
 */
export interface SecretBox {
  status(): Promise<SecretStorageStatus>;
  /** base64 ciphertext. Throws when status().available is false. */
  encrypt(plain: string): Promise<string>;
  decrypt(cipher: string): Promise<string>;
}

/** The slice of Electron's safeStorage we use (the async API: the sync one is deprecated in 45). */
export interface SafeStorageLike {
  isAsyncEncryptionAvailable(): Promise<boolean>;
  encryptStringAsync(plain: string): Promise<Buffer>;
  decryptStringAsync(cipher: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }>;
  getSelectedStorageBackend(): string;
}

export const BASIC_TEXT_REASON =
  'No system keyring is running (Electron reports the "basic_text" backend), so a key would be encrypted with a ' +
  'password that is the same on every machine. Start GNOME Keyring or KWallet (the .deb installs libsecret) and ' +
  'restart the app, or give the key to the CLI through its environment variable instead.';

export function safeStorageSecretBox(safeStorage: SafeStorageLike, platform: NodeJS.Platform): SecretBox {
  const status = async (): Promise<SecretStorageStatus> => {
    const backend = platform === 'linux' ? safeStorage.getSelectedStorageBackend() : platform === 'darwin' ? 'keychain' : 'dpapi';
    if (backend === 'basic_text') return { available: false, backend, reason: BASIC_TEXT_REASON };
    let available = false;
    try {
      available = await safeStorage.isAsyncEncryptionAvailable();
    } catch {
      available = false;
    }
    return available
      ? { available, backend }
      : { available, backend, reason: 'The system secret store is not available (it may be locked). Unlock it and try again.' };
  };
  return {
    status,
    async encrypt(plain) {
      const s = await status();
      if (!s.available) throw new Error(s.reason ?? 'Secret storage is not available.');
      return (await safeStorage.encryptStringAsync(plain)).toString('base64');
    },
    async decrypt(cipher) {
      return (await safeStorage.decryptStringAsync(Buffer.from(cipher, 'base64'))).result;
    },
  };
}

/**
 * A stand-in for tests and for the headless smoke test: reversible, obviously not secure, and it
 * says so in its backend name.
 */
export function memorySecretBox(status: SecretStorageStatus = { available: true, backend: 'memory-test' }): SecretBox {
  return {
    status: async () => status,
    async encrypt(plain) {
      if (!status.available) throw new Error(status.reason ?? 'unavailable');
      return Buffer.from(`enc:${plain}`).toString('base64');
    },
    async decrypt(cipher) {
      const text = Buffer.from(cipher, 'base64').toString();
      if (!text.startsWith('enc:')) throw new Error('not a test ciphertext');
      return text.slice(4);
    },
  };
}

import { describe, expect, it } from 'vitest';
import { IPC } from '../../src-shared/desktop';
import { DesktopApp } from '../../src-main/desktop/app/desktop-app';
import { BASIC_TEXT_REASON, memorySecretBox, safeStorageSecretBox, type SafeStorageLike } from '../../src-main/desktop/settings/secrets';
import { memoryBackend, SettingsService } from '../../src-main/desktop/settings/service';
import { agent } from './agents';
import { until } from '../support/until';
import { fakeWorld, type FakeWorld } from './fake-electron-ports';

/**
 * Issue 9, findings 5 and 13 on the desktop side: untrusted login links are asked about, never
 * opened unasked; settings from a page are checked in the main process and cannot loosen the API's
 * protection without a native confirmation; the runtime's API key is kept in the secret store.
 */

const ORIGIN = 'http://127.0.0.1:8765';
const PAGE = `${ORIGIN}/`;

async function started(world: FakeWorld = fakeWorld()): Promise<FakeWorld> {
  const desktop = new DesktopApp(world.deps);
  await desktop.start();
  return world;
}

function loginEvent(id: string, url: string, trusted: boolean | undefined) {
  return { type: 'login_required' as const, agentId: id, agent: agent({ id, name: 'shell-1', status: 'authenticating' }), loginUrl: url, trusted, instructions: 'Sign in.', method: 'oauth_browser' as const };
}

describe('login links from agents', () => {
  it('a trusted link opens by itself; an untrusted one only after a yes in the dialog', async () => {
    const world = await started();
    world.runtime().emit(loginEvent('a1', 'https://claude.ai/oauth/authorize?x=1', true));
    expect(world.opened).toEqual(['https://claude.ai/oauth/authorize?x=1']);
    expect(world.confirm.requests).toEqual([]);

    world.confirm.answers = [false];
    world.runtime().emit(loginEvent('a2', 'https://phish.example/x', false));
    expect(world.confirm.requests).toHaveLength(1);
    expect(world.confirm.requests[0]).toMatchObject({ title: 'Open this sign-in link?', confirmLabel: 'Open link' });
    expect(world.confirm.requests[0].detail).toContain('https://phish.example/x');
    expect(world.opened).toEqual(['https://claude.ai/oauth/authorize?x=1']);

    // The next link is answered yes and takes the same steps after the answer: once it is open,
    // the refused one has had its chance to be opened, and was not.
    world.confirm.answers = [true];
    world.runtime().emit(loginEvent('a3', 'https://sso.example.org/login', false));
    await until(() => world.opened.length > 1, 5_000, 'the accepted link to open');
    expect(world.opened).toEqual(['https://claude.ai/oauth/authorize?x=1', 'https://sso.example.org/login']);
  });

  it('a link without a verdict counts as untrusted, and a refused scheme is not even offered', async () => {
    const world = await started();
    world.runtime().emit(loginEvent('b1', 'https://example.test/device', undefined));
    world.runtime().emit(loginEvent('b2', 'file:///etc/passwd', false));
    // A later link the person accepts: once it is open, the two before it have been dealt with.
    world.confirm.answers = [true];
    world.runtime().emit(loginEvent('b3', 'https://sso.example.org/later', false));
    await until(() => world.opened.length > 0, 5_000, 'the accepted link to open');
    expect(world.confirm.requests.map((r) => r.detail?.split('\n')[0])).toEqual(['https://example.test/device', 'https://sso.example.org/later']);
    expect(world.opened).toEqual(['https://sso.example.org/later']);
  });

  it('with automatic opening off, nothing is opened or asked', async () => {
    const world = await started(fakeWorld({ settings: { openLoginPagesAutomatically: false } }));
    world.runtime().emit(loginEvent('c1', 'https://phish.example/x', false));
    world.runtime().emit(loginEvent('c2', 'https://claude.ai/x', true));
    // Then the setting is turned on and a trusted link arrives: once it is open, anything the
    // earlier two had set in motion would have shown by now.
    await world.settings.update({ openLoginPagesAutomatically: true });
    world.runtime().emit(loginEvent('c3', 'https://claude.ai/later', true));
    await until(() => world.opened.length > 0, 5_000, 'the later trusted link to open');
    expect(world.confirm.requests).toEqual([]);
    expect(world.opened).toEqual(['https://claude.ai/later']);
  });
});

describe('settings.set from a page', () => {
  it('refuses unknown fields and wrong types with a field name, without throwing or saving', async () => {
    const world = await started();
    const before = world.settings.get();
    for (const [patch, field] of [
      [{ schemaVersion: 7 }, 'schemaVersion'],
      [{ lastWorkdir: '/etc' }, 'lastWorkdir'],
      [{ apiKeyCipher: 'x' }, 'apiKeyCipher'],
      [{ apiKey: 42 }, 'apiKey'],
      [{ allowedOrigins: 'https://a.example' }, 'allowedOrigins'],
      [{ allowedOrigins: [{ toString: 'x' }] }, 'allowedOrigins'],
      [{ autoRespond: { trustFolder: 'yes' } }, 'autoRespond'],
      [{ providerKeys: { anthropic: 5 } }, 'providerKeys'],
      [{ defaultWorkdir: 'x'.repeat(5000) }, 'defaultWorkdir'],
      [{ notifications: 'on' }, 'notifications'],
    ] as const) {
      expect(await world.ipc.invoke(IPC.settingsSet, PAGE, 1, patch), JSON.stringify(patch).slice(0, 60)).toMatchObject({ ok: false, field });
    }
    expect(await world.ipc.invoke(IPC.settingsSet, PAGE, 1, ['port', 9000])).toMatchObject({ ok: false, field: 'settings' });
    expect(await world.ipc.invoke(IPC.settingsSet, PAGE, 1, null)).toMatchObject({ ok: false, field: 'settings' });
    expect(world.settings.get()).toEqual(before);
    expect(world.confirm.requests).toEqual([]);
  });

  it('adding an allowed origin needs a yes in the main process; removing one does not', async () => {
    const world = await started(fakeWorld({ settings: { allowedOrigins: ['https://docs.example.com'] } }));
    world.confirm.answers = [false];
    const refused = await world.ipc.invoke(IPC.settingsSet, PAGE, 1, { allowedOrigins: ['https://docs.example.com', 'https://evil.example/page'] });
    expect(refused).toMatchObject({ ok: false, field: 'allowedOrigins' });
    expect(world.confirm.requests[0].detail).toContain('https://evil.example');
    expect(world.settings.get().allowedOrigins).toEqual(['https://docs.example.com']);

    world.confirm.answers = [true];
    expect(await world.ipc.invoke(IPC.settingsSet, PAGE, 1, { allowedOrigins: ['https://docs.example.com', 'https://parallax.example'] })).toMatchObject({ ok: true });
    expect(world.settings.get().allowedOrigins).toEqual(['https://docs.example.com', 'https://parallax.example']);

    expect(await world.ipc.invoke(IPC.settingsSet, PAGE, 1, { allowedOrigins: [] })).toMatchObject({ ok: true });
    expect(world.confirm.requests).toHaveLength(2);
  });

  it('clearing the API key needs a yes; setting or changing one does not', async () => {
    const world = await started(fakeWorld({ settings: { apiKey: 'a'.repeat(24) } }));
    expect(await world.ipc.invoke(IPC.settingsSet, PAGE, 1, { apiKey: 'b'.repeat(24) })).toMatchObject({ ok: true });
    expect(world.confirm.requests).toEqual([]);
    world.confirm.answers = [false];
    expect(await world.ipc.invoke(IPC.settingsSet, PAGE, 1, { apiKey: '' })).toMatchObject({ ok: false, field: 'apiKey' });
    expect(world.settings.get().apiKey).toBe('b'.repeat(24));
    world.confirm.answers = [true];
    expect(await world.ipc.invoke(IPC.settingsSet, PAGE, 1, { apiKey: '  ' })).toMatchObject({ ok: true });
    expect(world.settings.get().apiKey).toBe('');
    expect(world.confirm.requests.map((r) => r.title)).toEqual(['Confirm a security setting', 'Confirm a security setting']);
  });

  it('ordinary changes go through without a question', async () => {
    const world = await started();
    expect(await world.ipc.invoke(IPC.settingsSet, PAGE, 1, { fontSize: 15, theme: 'dark', providerKeys: { openai: 'sk-proj-12345678' } })).toMatchObject({ ok: true });
    expect(world.confirm.requests).toEqual([]);
  });

  it('openAgentWindow takes only a sane agent id', async () => {
    const world = await started();
    await expect(world.ipc.invoke(IPC.openAgentWindow, PAGE, 1, 'x'.repeat(500))).rejects.toThrow(/1–200 characters/);
    await expect(world.ipc.invoke(IPC.openAgentWindow, PAGE, 1, 42)).rejects.toThrow(/must be a string/);
  });
});

/** safeStorage as Electron offers it, with a reversible stand-in cipher. */
function fakeSafeStorage(backend: string): SafeStorageLike {
  return {
    isAsyncEncryptionAvailable: async () => backend !== 'basic_text',
    encryptStringAsync: async (plain) => Buffer.from(`sealed:${Buffer.from(plain).toString('hex')}`),
    decryptStringAsync: async (cipher) => ({ result: Buffer.from(cipher.toString().replace(/^sealed:/, ''), 'hex').toString(), shouldReEncrypt: false }),
    getSelectedStorageBackend: () => backend,
  };
}

describe('the runtime’s API key at rest', () => {
  const KEY = 'rk_'.padEnd(32, 'z');

  it('a plain-text key from an older version is moved into the secret store on start', async () => {
    const backend = memoryBackend({ schemaVersion: 1, apiKey: KEY, port: 9200 });
    const service = new SettingsService(backend, safeStorageSecretBox(fakeSafeStorage('gnome_libsecret'), 'linux'));
    await service.unlock();
    expect(service.get().apiKey).toBe(KEY);
    expect(JSON.stringify(backend.data)).not.toContain(KEY);
    expect(backend.data).toMatchObject({ apiKey: '', port: 9200, apiKeyCipher: expect.any(String) });
    // The next start reads it back from the store.
    const reopened = new SettingsService(backend, safeStorageSecretBox(fakeSafeStorage('gnome_libsecret'), 'linux'));
    expect(reopened.get().apiKey).toBe('');
    await reopened.unlock();
    expect(reopened.get().apiKey).toBe(KEY);
    expect(reopened.keyNote).toBeUndefined();
    expect(JSON.stringify(await reopened.view())).not.toContain('apiKeyCipher');
  });

  it('a key set in Settings is stored encrypted; clearing it removes the ciphertext', async () => {
    const backend = memoryBackend({ schemaVersion: 1 });
    const service = new SettingsService(backend, memorySecretBox());
    expect(await service.update({ apiKey: KEY })).toMatchObject({ ok: true, settings: { apiKey: KEY, restartRequired: true } });
    expect(JSON.stringify(backend.data)).not.toContain(KEY);
    // Other writes keep it out of the file too.
    service.setLastWorkdir('/home/dev/x');
    expect(JSON.stringify(backend.data)).not.toContain(KEY);
    await service.update({ apiKey: '' });
    expect(backend.data.apiKeyCipher).toBeUndefined();
    expect(backend.data.apiKey).toBe('');
  });

  it('without a keyring (basic_text) a new key is refused like a provider key, and a legacy key keeps working', async () => {
    const box = safeStorageSecretBox(fakeSafeStorage('basic_text'), 'linux');
    const fresh = new SettingsService(memoryBackend({ schemaVersion: 1 }), box);
    expect(await fresh.update({ apiKey: KEY })).toEqual({ ok: false, error: BASIC_TEXT_REASON, field: 'apiKey' });
    const legacy = memoryBackend({ schemaVersion: 1, apiKey: KEY });
    const service = new SettingsService(legacy, box);
    await service.unlock();
    expect(service.get().apiKey).toBe(KEY);
    expect(service.keyNote).toContain('plain text');
  });

  it('a ciphertext that cannot be decrypted leaves the key unset and says so', async () => {
    const service = new SettingsService(memoryBackend({ schemaVersion: 1, apiKeyCipher: 'bm90LWEtdGVzdC1jaXBoZXI=' }), memorySecretBox());
    await service.unlock();
    expect(service.get().apiKey).toBe('');
    expect(service.keyNote).toMatch(/could not be read/);
  });

  it('the desktop app migrates on start and serves with the decrypted key', async () => {
    const world = await started(fakeWorld({ settings: { apiKey: KEY } }));
    expect(world.servers.started[0]).toMatchObject({ apiKey: KEY });
    expect(await world.ipc.invoke(IPC.getConnection, PAGE, 1)).toEqual({ baseUrl: ORIGIN, token: KEY });
    const view = (await world.ipc.invoke(IPC.settingsGet, PAGE, 1)) as Record<string, unknown>;
    expect(view.apiKey).toBe(KEY);
    expect(view).not.toHaveProperty('apiKeyCipher');
  });
});

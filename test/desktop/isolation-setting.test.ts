import { describe, expect, it } from 'vitest';
import { IPC, type IsolationSetting } from '../../src-shared/desktop';
import { DesktopApp } from '../../src-main/desktop/app/desktop-app';
import { DEFAULT_ISOLATION_SETTING, isolationRequestOf } from '../../src-main/desktop/settings/isolation';
import { repairSettings, runMigrations } from '../../src-main/desktop/settings/migrations';
import { DEFAULT_SETTINGS, jsonSchema, parseSettingsPatch } from '../../src-main/desktop/settings/schema';
import { memorySecretBox } from '../../src-main/desktop/settings/secrets';
import { memoryBackend, SettingsService } from '../../src-main/desktop/settings/service';
import { until } from '../support/until';
import { fakeWorld } from './fake-electron-ports';

/** The app's default isolation: stored, edited from the settings page, and handed to the runtime it starts. */

const ORIGIN = 'http://127.0.0.1:8765';
const SANDBOX: IsolationSetting = { mode: 'sandbox', network: 'allowlist', allow: ['registry.npmjs.org'], limits: { memoryMb: 1024, maxProcesses: 256 } };

describe('the isolation setting', () => {
  it('defaults to none, as the headless runtime does, and a file without it (older app) reads as the default', () => {
    expect(DEFAULT_SETTINGS.isolation).toEqual({ mode: 'none', network: 'allowlist', allow: [], limits: {} });
    const service = new SettingsService(memoryBackend({ schemaVersion: 1, port: 9100 }), memorySecretBox());
    expect(service.get().isolation).toEqual(DEFAULT_ISOLATION_SETTING);
    expect(service.get().port).toBe(9100);
  });

  it('keeps a stored setting, and resets a damaged one whole without touching its neighbours', () => {
    const migrated = runMigrations({ port: 9000, isolation: SANDBOX });
    if (migrated.kind !== 'migrated') throw new Error(migrated.kind);
    expect(migrated.settings).toMatchObject({ port: 9000, isolation: SANDBOX });
    expect(repairSettings({ schemaVersion: 1, port: 9000, isolation: { mode: 'jail', network: 'full', allow: [], limits: {} } })).toMatchObject({
      port: 9000,
      isolation: DEFAULT_ISOLATION_SETTING,
    });
    expect(repairSettings({ schemaVersion: 1, isolation: { ...SANDBOX, limits: { memoryMb: 1 } } }).isolation).toEqual(DEFAULT_ISOLATION_SETTING);
  });

  it('is in the JSON Schema the settings store validates the file with', () => {
    const schema = jsonSchema().isolation;
    expect(schema).toMatchObject({ type: 'object', properties: { mode: { enum: ['none', 'sandbox', 'container'] }, network: { enum: ['none', 'allowlist', 'full'] } } });
  });

  it('takes a whole, valid setting from a page, trimming hosts and dropping blanks and duplicates', () => {
    const parsed = parseSettingsPatch({ isolation: { ...SANDBOX, allow: [' registry.npmjs.org ', '', 'registry.npmjs.org', '*.example.com:8443'] } });
    expect(parsed).toEqual({ ok: true, value: { isolation: { ...SANDBOX, allow: ['registry.npmjs.org', '*.example.com:8443'] } } });
  });

  it.each([
    [{ ...SANDBOX, mode: 'vm' }, 'Isolation is none, sandbox or container.'],
    [{ ...SANDBOX, network: 'some' }, 'The network is none, allowlist or full.'],
    [{ ...SANDBOX, allow: ['https://example.com/'] }, '"https://example.com/" is not a host: give host, host:port or *.domain, without https:// or a path.'],
    [{ ...SANDBOX, limits: { memoryMb: 8 } }, 'The memory limit must be a whole number from 16 to 1048576 (MiB), or empty for none.'],
    [{ ...SANDBOX, limits: { cpuPercent: 12.5 } }, 'The CPU limit must be a whole number from 1 to 102400 (% of one core), or empty for none.'],
    [{ ...SANDBOX, limits: { maxProcesses: 2 } }, 'The process limit must be a whole number from 4 to 1000000 (processes), or empty for none.'],
    [{ ...SANDBOX, limits: { disk: 5 } }, 'Unknown limit "disk".'],
    [{ ...SANDBOX, image: 'x' }, 'Unknown isolation field "image".'],
    [{ mode: 'sandbox' }, 'The network is none, allowlist or full.'],
    ['sandbox', 'Isolation must be an object of mode, network, allow and limits.'],
  ])('refuses %j from a page with a message a person can act on', (isolation, error) => {
    const field = error.includes('is not a host') ? 'isolation.allow' : 'isolation';
    expect(parseSettingsPatch({ isolation })).toEqual({ ok: false, field, error });
  });

  it('becomes the runtime policy: network, hosts and limits only when the mode isolates', () => {
    expect(isolationRequestOf(SANDBOX)).toEqual({ mode: 'sandbox', network: 'allowlist', allow: ['registry.npmjs.org'], limits: { memoryMb: 1024, maxProcesses: 256 } });
    expect(isolationRequestOf({ ...SANDBOX, mode: 'none' })).toEqual({ mode: 'none' });
    expect(isolationRequestOf({ ...SANDBOX, mode: 'container', network: 'none' })).toEqual({ mode: 'container', network: 'none', limits: { memoryMb: 1024, maxProcesses: 256 } });
    expect(isolationRequestOf({ mode: 'sandbox', network: 'full', allow: [], limits: {} })).toEqual({ mode: 'sandbox', network: 'full' });
  });
});

describe('the app hands the setting to its runtime', () => {
  it('at start, from the stored setting', async () => {
    const world = fakeWorld({ settings: { isolation: SANDBOX } });
    const desktop = new DesktopApp(world.deps);
    expect(await desktop.start()).toBe('primary');
    expect(world.runtime().config.isolation).toEqual({ mode: 'sandbox', network: 'allowlist', allow: ['registry.npmjs.org'], limits: { memoryMb: 1024, maxProcesses: 256 } });
  });

  it('and for the next spawn when the page changes it, without restarting the server', async () => {
    const world = fakeWorld();
    const desktop = new DesktopApp(world.deps);
    expect(await desktop.start()).toBe('primary');
    expect(world.runtime().config.isolation).toEqual({ mode: 'none' });
    const result = await world.ipc.invoke(IPC.settingsSet, `${ORIGIN}/`, 1, { isolation: { mode: 'container', network: 'none', allow: [], limits: { cpuPercent: 150 } } });
    expect(result).toMatchObject({ ok: true, settings: { isolation: { mode: 'container', network: 'none' }, restartRequired: false } });
    await until(() => world.runtime().config.isolation.mode === 'container', 5_000, 'the runtime to take the isolation setting');
    expect(world.runtime().config.isolation).toEqual({ mode: 'container', network: 'none', limits: { cpuPercent: 150 } });
    expect(world.servers.started).toHaveLength(1);
    const refused = await world.ipc.invoke(IPC.settingsSet, `${ORIGIN}/`, 1, { isolation: { mode: 'sandbox', network: 'full', allow: [], limits: { memoryMb: 0 } } });
    expect(refused).toMatchObject({ ok: false, field: 'isolation' });
    expect(world.runtime().config.isolation.mode).toBe('container');
  });
});

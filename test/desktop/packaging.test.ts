import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * electron-builder cannot run here (it downloads Electron), so the config is checked statically:
 * against electron-builder's own JSON schema, and for the settings the issue requires. Also the
 * generated icons: real containers with the sizes the platforms ask for.
 */

const ROOT = path.resolve(__dirname, '..', '..');
// electron-builder's own YAML parser and schema validator (transitive dependencies of it and conf).
const load = createRequire(path.join(ROOT, 'node_modules', 'app-builder-lib', 'package.json'));
const yaml = load('js-yaml') as { load(text: string): unknown };
const Ajv = load('ajv') as new (options: object) => { compile(schema: object): ((data: unknown) => boolean) & { errors?: unknown } };

interface BuilderConfig {
  appId: string;
  productName: string;
  files: string[];
  asarUnpack: string[];
  afterPack: string;
  npmRebuild: boolean;
  electronFuses: Record<string, boolean>;
  mac: { target: string[]; hardenedRuntime: boolean; extendInfo: Record<string, unknown>; entitlements: string };
  win: { target: string[] };
  linux: { target: string[]; icon: string };
  deb: { depends: string[] };
}

const config = yaml.load(fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;

describe('electron-builder.yml', () => {
  it("is valid for electron-builder's schema", () => {
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'app-builder-lib', 'scheme.json'), 'utf8')) as object;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    const ok = validate(config);
    expect(validate.errors ?? null).toBeNull();
    expect(ok).toBe(true);
  });

  it('has the targets, Info.plist keys, unpacking and fuses the app needs', () => {
    expect(config.appId).toBe('dev.raven.agent-runtime');
    expect(config.productName).toBe('Raven Agent Runtime');
    expect(config.mac.target).toEqual(['dmg', 'zip']);
    expect(config.mac.hardenedRuntime).toBe(true);
    expect(config.mac.extendInfo.LSUIElement).toBe(true);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.deb.depends).toContain('libsecret-1-0');
    expect(config.asarUnpack.some((p) => p.includes('node_modules/node-pty/'))).toBe(true);
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
      enableCookieEncryption: true,
    });
    for (const file of [config.afterPack, config.mac.entitlements, 'assets/tray/tray-idle.png', 'assets/icon.png']) {
      expect(fs.existsSync(path.join(ROOT, file)), file).toBe(true);
    }
  });
});

function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('icons', () => {
  it('icon.ico holds PNG images from 16 to 256 px', () => {
    const ico = fs.readFileSync(path.join(ROOT, 'assets', 'icon.ico'));
    expect(ico.readUInt16LE(2)).toBe(1);
    const count = ico.readUInt16LE(4);
    const sizes: number[] = [];
    for (let i = 0; i < count; i++) {
      const entry = 6 + i * 16;
      const size = ico.readUInt8(entry) || 256;
      const png = ico.subarray(ico.readUInt32LE(entry + 12), ico.readUInt32LE(entry + 12) + ico.readUInt32LE(entry + 8));
      expect(pngSize(png)).toEqual({ width: size, height: size });
      sizes.push(size);
    }
    expect(sizes).toEqual([16, 24, 32, 48, 64, 128, 256]);
  });

  it('icon.icns holds the Retina and non-Retina sizes up to 1024 px', () => {
    const icns = fs.readFileSync(path.join(ROOT, 'assets', 'icon.icns'));
    expect(icns.subarray(0, 4).toString('ascii')).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const types: Record<string, number> = {};
    for (let at = 8; at < icns.length; ) {
      const type = icns.subarray(at, at + 4).toString('ascii');
      const length = icns.readUInt32BE(at + 4);
      types[type] = pngSize(icns.subarray(at + 8, at + length)).width;
      at += length;
    }
    expect(types).toMatchObject({ ic07: 128, ic08: 256, ic09: 512, ic10: 1024, ic11: 32, ic12: 64, ic13: 256, ic14: 512 });
  });

  it('every tray state exists for each platform, with @2x for Retina', () => {
    for (const state of ['idle', 'working', 'attention', 'error']) {
      for (const file of [`tray-${state}.png`, `tray-${state}@2x.png`, `tray-${state}Template.png`, `tray-${state}Template@2x.png`, `tray-${state}.ico`]) {
        expect(fs.existsSync(path.join(ROOT, 'assets', 'tray', file)), file).toBe(true);
      }
      expect(pngSize(fs.readFileSync(path.join(ROOT, 'assets', 'tray', `tray-${state}@2x.png`)))).toEqual({ width: 32, height: 32 });
    }
    const linux = fs.readdirSync(path.join(ROOT, 'assets', 'icons', 'png'));
    expect(linux).toContain('512x512.png');
  });
});

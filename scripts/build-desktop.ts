/**
 * Desktop build steps.
 *
 *   tsx scripts/build-desktop.ts            bundle main + preload into dist/desktop (esbuild)
 *   tsx scripts/build-desktop.ts bundle --outdir <dir>   the same, elsewhere (the bundle smoke test)
 *   tsx scripts/build-desktop.ts icons      render assets/icons/src/*.svg into every PNG/ICO/ICNS
 *                                           electron-builder and the tray need (Chromium via playwright-core)
 *
 * The bundles keep `electron` (provided by the Electron runtime) and `node-pty` (a native module,
 * unpacked from the asar by electron-builder) external; everything else, electron-store included
 * (ESM-only), is bundled into CommonJS.
 */
import { build } from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

async function bundle(): Promise<void> {
  const flag = process.argv.indexOf('--outdir');
  const outdir = flag > 0 && process.argv[flag + 1] ? path.resolve(process.argv[flag + 1]) : path.join(ROOT, 'dist', 'desktop');
  fs.rmSync(outdir, { recursive: true, force: true });
  const common = {
    bundle: true,
    platform: 'node' as const,
    format: 'cjs' as const,
    // Electron 45 ships Node 22; node20 keeps the output loadable by the Node-based smoke tests too.
    target: 'node20',
    sourcemap: true,
    external: ['electron', 'node-pty'],
    logLevel: 'info' as const,
    legalComments: 'none' as const,
  };
  await build({ ...common, entryPoints: [path.join(ROOT, 'src-main/desktop/main.ts')], outfile: path.join(outdir, 'main.js') });
  // The preload runs sandboxed: only `electron` can be required there, so it must be self-contained.
  await build({ ...common, entryPoints: [path.join(ROOT, 'src-main/desktop/preload.ts')], outfile: path.join(outdir, 'preload.js') });
  // The transcript writer's worker thread loads its own entry file, found next to the bundle
  // (src-main/runtime/transcript.ts looks for transcript-worker.js beside itself).
  await build({ ...common, entryPoints: [path.join(ROOT, 'src-main/runtime/transcript-worker.ts')], outfile: path.join(outdir, 'transcript-worker.js') });
  // The echo agent is a program of its own (run by the app's Node), found next to the bundle.
  fs.copyFileSync(path.join(ROOT, 'src-main/runtime/adapters/echo-agent.cjs'), path.join(outdir, 'echo-agent.cjs'));
  // So is the hook command the CLIs run to reach a session's signal channel (signals/channel.ts).
  fs.copyFileSync(path.join(ROOT, 'src-main/runtime/signals/hook-client.cjs'), path.join(outdir, 'hook-client.cjs'));
  // And the network bridge an `allowlist` sandbox starts with (isolation/sandbox-init-command.ts).
  fs.copyFileSync(path.join(ROOT, 'src-main/runtime/isolation/sandbox-init.cjs'), path.join(outdir, 'sandbox-init.cjs'));
}

// ───────────────────────────── icons ─────────────────────────────

const ICON_DIR = path.join(ROOT, 'assets');
const SRC = path.join(ICON_DIR, 'icons', 'src');
/** Linux (electron-builder reads a folder of NxN.png) and the general PNG set. */
const APP_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
/** Windows asks for these at 100–300 % scaling; 256 is stored as PNG inside the ICO. */
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
/** Tray: 16 px at 1× with @2x; Windows ICO sizes for 100–250 % scaling. */
const TRAY_ICO_SIZES = [16, 20, 24, 32, 40, 48];
/** ICNS entries (PNG payloads, macOS 10.7+): type → pixel size. */
const ICNS_TYPES: [string, number][] = [
  ['icp4', 16],
  ['icp5', 32],
  ['ic11', 32],
  ['ic12', 64],
  ['ic07', 128],
  ['ic13', 256],
  ['ic08', 256],
  ['ic14', 512],
  ['ic09', 512],
  ['ic10', 1024],
];

/** ICO container: a directory of PNG images (Vista+ reads PNG entries at every size). */
export function icoFromPngs(images: { size: number; png: Buffer }[]): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // 1 = icon
  header.writeUInt16LE(images.length, 4);
  const entries: Buffer[] = [];
  let offset = 6 + 16 * images.length;
  for (const { size, png } of images) {
    const entry = Buffer.alloc(16);
    entry.writeUInt8(size >= 256 ? 0 : size, 0); // 0 means 256
    entry.writeUInt8(size >= 256 ? 0 : size, 1);
    entry.writeUInt8(0, 2); // palette
    entry.writeUInt8(0, 3);
    entry.writeUInt16LE(1, 4); // colour planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(png.length, 8);
    entry.writeUInt32LE(offset, 12);
    offset += png.length;
    entries.push(entry);
  }
  return Buffer.concat([header, ...entries, ...images.map((i) => i.png)]);
}

/** ICNS container: 'icns' + total length, then (type, length, data) per image. */
export function icnsFromPngs(images: { type: string; png: Buffer }[]): Buffer {
  const chunks = images.map(({ type, png }) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'ascii');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const body = Buffer.concat(chunks);
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(body.length + 8, 4);
  return Buffer.concat([head, body]);
}

async function icons(): Promise<void> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ deviceScaleFactor: 1 });
    const render = async (svgFile: string, size: number): Promise<Buffer> => {
      const svg = fs.readFileSync(path.join(SRC, svgFile), 'utf8');
      const dataUrl = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
      await page.setViewportSize({ width: size, height: size });
      await page.setContent(`<html><body style="margin:0;background:transparent"><img src="${dataUrl}" width="${size}" height="${size}" style="display:block"></body></html>`);
      await page.waitForFunction(() => document.images[0]?.complete === true);
      return page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
    };

    // App icon.
    const pngDir = path.join(ICON_DIR, 'icons', 'png');
    fs.mkdirSync(pngDir, { recursive: true });
    const app = new Map<number, Buffer>();
    for (const size of APP_SIZES) {
      const png = await render('app.svg', size);
      app.set(size, png);
      fs.writeFileSync(path.join(pngDir, `${size}x${size}.png`), png);
    }
    fs.writeFileSync(path.join(ICON_DIR, 'icon.png'), app.get(512) as Buffer);
    fs.writeFileSync(path.join(ICON_DIR, 'icon.ico'), icoFromPngs(ICO_SIZES.map((size) => ({ size, png: app.get(size) ?? Buffer.alloc(0) }))));
    const icns: { type: string; png: Buffer }[] = [];
    for (const [type, size] of ICNS_TYPES) icns.push({ type, png: app.get(size) ?? (await render('app.svg', size)) });
    fs.writeFileSync(path.join(ICON_DIR, 'icon.icns'), icnsFromPngs(icns));

    // Tray states.
    const trayDir = path.join(ICON_DIR, 'tray');
    fs.mkdirSync(trayDir, { recursive: true });
    for (const state of ['idle', 'working', 'attention', 'error']) {
      for (const variant of [`tray-${state}`, `tray-${state}Template`]) {
        fs.writeFileSync(path.join(trayDir, `${variant}.png`), await render(`${variant}.svg`, 16));
        fs.writeFileSync(path.join(trayDir, `${variant}@2x.png`), await render(`${variant}.svg`, 32));
      }
      const ico: { size: number; png: Buffer }[] = [];
      for (const size of TRAY_ICO_SIZES) ico.push({ size, png: await render(`tray-${state}.svg`, size) });
      fs.writeFileSync(path.join(trayDir, `tray-${state}.ico`), icoFromPngs(ico));
    }
    console.log(`icons written to ${path.relative(ROOT, ICON_DIR)}/`);
  } finally {
    await browser.close();
  }
}

const mode = process.argv[2] ?? 'bundle';
const run = mode === 'icons' ? icons : mode === 'bundle' ? bundle : undefined;
if (!run) {
  console.error(`unknown mode "${mode}": use "bundle" or "icons"`);
  process.exit(2);
}
run().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

'use strict';
// electron-builder afterPack hook. node-pty's spawn-helper must be executable; the published
// darwin prebuilds of node-pty 1.1.0 ship without the execute bit, and posix_spawnp then fails
// for every agent (microsoft/node-pty#850). Runs before signing, so the signature covers the mode.
const fs = require('node:fs');
const path = require('node:path');

function findSpawnHelpers(dir, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) findSpawnHelpers(full, out);
    else if (entry.name === 'spawn-helper') out.push(full);
  }
  return out;
}

exports.default = async function afterPack(context) {
  const resources =
    context.electronPlatformName === 'darwin'
      ? path.join(context.appOutDir, `${context.packager.appInfo.productFilename}.app`, 'Contents', 'Resources')
      : path.join(context.appOutDir, 'resources');
  const ptyDir = path.join(resources, 'app.asar.unpacked', 'node_modules', 'node-pty');
  if (!fs.existsSync(ptyDir)) throw new Error(`afterPack: node-pty is not unpacked at ${ptyDir} (check asarUnpack)`);
  for (const helper of findSpawnHelpers(ptyDir)) fs.chmodSync(helper, 0o755);
};

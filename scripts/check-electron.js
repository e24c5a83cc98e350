#!/usr/bin/env node
'use strict';

// Runs before `electron .` in `npm start`. Electron 45 downloads its binary from GitHub on first
// run; where that cannot work, electron prints two stack traces and advice to delete
// node_modules/electron, which does not help. Say what is wrong and what works instead, exit 1.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** Where Electron's own launcher looks for the binary (node_modules/electron/index.js). */
function binaryPath(electronDir) {
  const pathFile = path.join(electronDir, 'path.txt');
  const relative = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : undefined;
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, relative || 'electron');
  return relative ? path.join(electronDir, 'dist', relative) : undefined;
}

function lastLine(text) {
  const lines = String(text || '').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('at '));
  return lines[lines.length - 1];
}

function explain(reason) {
  process.stderr.write(
    `\nThe desktop app cannot start: Electron's binary is not installed (${reason}). ` +
      'Electron downloads it from github.com on first run, so it needs access to GitHub once. ' +
      'Everything else works without it: `npx raven-runtime start` runs the same runtime, API and UI, ' +
      'which you open at http://127.0.0.1:8765 in a browser. To get the desktop app later, run ' +
      '`npx install-electron` where GitHub is reachable, or point ELECTRON_OVERRIDE_DIST_PATH at an unpacked Electron.\n\n',
  );
  process.exit(1);
}

let electronDir;
try {
  electronDir = path.dirname(require.resolve('electron/package.json', { paths: [process.cwd()] }));
} catch {
  explain('the electron package is missing from node_modules; run npm install');
}

let binary = binaryPath(electronDir);
if (binary && fs.existsSync(binary)) process.exit(0);
if (process.env.ELECTRON_OVERRIDE_DIST_PATH) explain(`ELECTRON_OVERRIDE_DIST_PATH has no ${binary}`);

// The download Electron would attempt anyway, with its output kept for the one line that matters.
process.stderr.write('Downloading Electron binary…\n');
const download = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], { encoding: 'utf8', timeout: 10 * 60_000 });
binary = binaryPath(electronDir);
if (download.status === 0 && binary && fs.existsSync(binary)) process.exit(0);
explain(`the download failed: ${lastLine(download.stderr) || lastLine(download.stdout) || download.error?.message || `exit ${download.status}`}`);

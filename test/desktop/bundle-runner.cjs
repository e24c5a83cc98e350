'use strict';
// Loads a built desktop bundle (argv[2]/main.js) under plain Node with the fake electron module,
// exercises it a little, quits it, and prints what happened as one JSON line on stdout.
// Run by bundle-smoke.test.ts in a child process, so the bundle gets a fresh module registry.
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const Module = require('node:module');
require('tsx/cjs/api').register();
const fake = require('./fake-electron.ts');

const [bundleDir, port] = [process.argv[2], Number(process.argv[3])];
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-bundle-'));
fake.state.root = path.resolve(__dirname, '..', '..');
fake.state.userData = path.join(scratch, 'userData');
fake.state.home = path.join(scratch, 'home');
fs.mkdirSync(fake.state.userData, { recursive: true });
fs.mkdirSync(fake.state.home, { recursive: true });
fs.writeFileSync(path.join(fake.state.userData, 'settings.json'), JSON.stringify({ port }));
process.env.RAVEN_DATA_DIR = path.join(scratch, 'data');
process.env.LOG_LEVEL = 'error';

const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'electron') return fake.electronModule;
  return load.call(this, request, ...rest);
};
require(path.join(bundleDir, 'main.js'));

async function until(probe, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, 50));
  }
}

(async () => {
  const health = await until(async () => (await fetch(`http://127.0.0.1:${port}/health`)).json(), 20000);
  await until(async () => fake.state.loads.length > 0, 5000);
  const menu = fake.lastTrayMenu().map((i) => i.label ?? '---');
  const storeChannels = fake.ipcMain.syncChannels;
  // The echo agent's program is found next to the bundle and runs with the app's own Node.
  const api = `http://127.0.0.1:${port}/api/agents`;
  const json = { 'Content-Type': 'application/json' };
  const spawned = await (await fetch(api, { method: 'POST', headers: json, body: JSON.stringify({ type: 'echo', name: 'bundle-echo', workdir: scratch }) })).json();
  await until(async () => (await (await fetch(`${api}/${spawned.id}`)).json()).status === 'ready', 10000);
  const sent = await (await fetch(`${api}/${spawned.id}/send`, { method: 'POST', headers: json, body: JSON.stringify({ message: 'from the bundle' }) })).json();
  const echo = { args: spawned.args, reply: sent.response && sent.response.content };
  fake.findItem(fake.lastTrayMenu(), 'Quit').click();
  await fake.waitForQuit(20000);
  const afterQuit = await fetch(`http://127.0.0.1:${port}/health`).then(() => 'still up', () => 'down');
  const settings = JSON.parse(fs.readFileSync(path.join(fake.state.userData, 'settings.json'), 'utf8'));
  // Quitting stopped the agent and waited for its transcript: the recording is complete on disk.
  const castFile = path.join(process.env.RAVEN_DATA_DIR, 'transcripts', spawned.id, '0001.cast');
  const recording = fs.existsSync(castFile) ? fs.readFileSync(castFile, 'utf8') : '';
  process.stdout.write(
    `${JSON.stringify({ health, loads: fake.state.loads.map((l) => `${l.url} ${l.status}`), menu, errors: fake.state.errorBoxes, storeChannels, afterQuit, settings, echo, recording })}\n`,
  );
  fs.rmSync(scratch, { recursive: true, force: true });
  process.exit(0);
})();

#!/usr/bin/env node
'use strict';

// `raven-runtime`: runs the TypeScript entry directly, so `npx raven-runtime start` works right after
// `npm install` with no build step. tsx compiles each module on first load (seconds on a cold
// cache), so `help` and `--version` are answered here, in plain JavaScript, before tsx loads.
const path = require('node:path');

const root = path.join(__dirname, '..');
const argv = process.argv.slice(2);
const usage = require(path.join(root, 'src-main', 'headless', 'usage.js'));

const HELP_WORDS = ['help', '--help', '-h'];
const VERSION_WORDS = ['version', '--version', '-v'];
if (argv.length === 1 && [...HELP_WORDS, ...VERSION_WORDS].includes(argv[0])) {
  const { version } = require(path.join(root, 'package.json'));
  process.stdout.write(VERSION_WORDS.includes(argv[0]) ? `${version}\n` : usage.helpText(version));
  process.exit(0);
}

// npx puts the package's node_modules/.bin first on PATH; do the same when started as
// `node bin/raven-runtime.js`, so the agent CLIs installed as devDependencies are found either way.
const localBin = path.join(root, 'node_modules', '.bin');
const pathParts = (process.env.PATH || '').split(path.delimiter);
if (!pathParts.includes(localBin)) process.env.PATH = [localBin, ...pathParts].filter(Boolean).join(path.delimiter);

const { register } = require('tsx/cjs/api');

register();
const { main } = require(path.join(root, 'src-main', 'headless', 'cli.ts'));

main(argv).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`raven-runtime: ${error && error.stack ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);

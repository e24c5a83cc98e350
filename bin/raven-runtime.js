#!/usr/bin/env node
'use strict';

// `raven-runtime`: runs the TypeScript entry directly, so `npx raven-runtime start` works right after
// `npm install` with no build step. tsx compiles each module on first load and caches the result.
const path = require('node:path');
const { register } = require('tsx/cjs/api');

register();
const { main } = require(path.join(__dirname, '..', 'src-main', 'headless', 'cli.ts'));

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`raven-runtime: ${error && error.stack ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);

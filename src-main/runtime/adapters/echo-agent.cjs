'use strict';
// The `echo` agent: a tiny line-based program for integration checks (Parallax's runtime scripts
// spawn `type:"echo"`). It prints a prompt, and every line it reads comes back as the reply.
// Started by the runtime's own Node (ELECTRON_RUN_AS_NODE=1 under Electron) inside a real PTY,
// so it exercises the same path as any CLI. The terminal stays in cooked mode: the PTY's line
// discipline echoes what is typed, as a shell does.
const readline = require('node:readline');

const PROMPT = 'echo> ';

process.stdout.write('Raven echo agent: every line you send comes back as the reply.\n' + PROMPT);
const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on('line', (line) => {
  const text = line.replace(/\r$/, '');
  process.stdout.write((text === '' ? '' : text + '\n') + PROMPT);
});
// Ctrl-D (end of input) ends the agent, as it ends a shell.
lines.on('close', () => {
  process.stdout.write('\n');
  process.exit(0);
});

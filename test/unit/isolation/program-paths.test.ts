import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { programPaths, shebangInterpreter } from '../../../src-main/runtime/isolation/program-paths';

let home: string;
beforeEach(() => {
  home = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'raven-prog-')));
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

function write(relative: string, content: string, executable = false): string {
  const file = path.join(home, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, { mode: executable ? 0o755 : 0o644 });
  return file;
}

describe('shebangInterpreter', () => {
  it('reads env-style and direct shebangs', () => {
    expect(shebangInterpreter('#!/usr/bin/env node')).toBe('node');
    expect(shebangInterpreter('#!/usr/bin/env -S node --no-warnings')).toBe('node');
    expect(shebangInterpreter('#!/opt/py/bin/python3 -u')).toBe('/opt/py/bin/python3');
    expect(shebangInterpreter('\x7fELF')).toBeUndefined();
  });
});

describe('programPaths', () => {
  it('a global npm CLI under the home: the node_modules holding its package (and its siblings) and the Node its shebang finds', () => {
    write('.npm-global/lib/node_modules/@anthropic-ai/claude-code/package.json', '{}');
    const cli = write('.npm-global/lib/node_modules/@anthropic-ai/claude-code/cli.js', '#!/usr/bin/env node\n', true);
    fs.mkdirSync(path.join(home, '.npm-global/bin'), { recursive: true });
    fs.symlinkSync(cli, path.join(home, '.npm-global/bin/claude'));
    write('.nvm/versions/node/v20/bin/node', '\x7fELF', true);
    const searchPath = [path.join(home, '.npm-global/bin'), path.join(home, '.nvm/versions/node/v20/bin'), '/usr/bin'].join(':');
    expect(programPaths(path.join(home, '.npm-global/bin/claude'), searchPath, [home])).toEqual({
      // The real path: the link's folder is hidden inside, and Node resolves modules from the real one.
      executable: cli,
      // The whole node_modules: a launcher may run a sibling package (Codex's platform binary).
      paths: [path.join(home, '.npm-global/lib/node_modules'), path.join(home, '.nvm/versions/node/v20')],
    });
  });

  it('a single-file binary under the home is bound alone', () => {
    const binary = write('.local/share/claude/versions/2.1.0', '\x7fELF', true);
    expect(programPaths(binary, '/usr/bin', [home])).toEqual({ executable: binary, paths: [binary] });
  });

  it('a program outside the hidden roots needs nothing', () => {
    expect(programPaths('/bin/sh', '/usr/bin:/bin', [home])).toEqual({ executable: '/bin/sh', paths: [] });
  });
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { npmPackageVersion, VersionProber } from '../../src-main/runtime/cli-locator';

/**
 * A CLI's version comes from its npm package when it is one (no Node start-up per probe: Gemini
 * CLI's `--version` alone takes seconds on a busy machine), else from running `--version`.
 */

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-cli-version-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function makePackage(name: string, version: string, bin: Record<string, string> | string, script: string): string {
  const dir = path.join(root, 'node_modules', name);
  fs.mkdirSync(path.join(dir, 'dist'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version, bin }));
  const file = path.join(dir, 'dist', 'cli.js');
  fs.writeFileSync(file, script, { mode: 0o755 });
  return file;
}

describe('npmPackageVersion', () => {
  it('reads the version of the package whose bin the link points at', () => {
    const file = makePackage('some-cli', '3.4.5', { 'some-cli': 'dist/cli.js' }, '#!/bin/sh\necho 9.9.9\n');
    const binDir = path.join(root, 'node_modules', '.bin');
    fs.mkdirSync(binDir, { recursive: true });
    fs.symlinkSync(file, path.join(binDir, 'some-cli'));
    expect(npmPackageVersion(path.join(binDir, 'some-cli'))).toBe('3.4.5');
  });

  it('ignores a package.json that does not ship the file as a bin', () => {
    const file = makePackage('other', '1.0.0', { other: 'dist/main.js' }, '#!/bin/sh\necho 2.0.0\n');
    expect(npmPackageVersion(file)).toBeUndefined();
    expect(npmPackageVersion(path.join(root, 'missing'))).toBeUndefined();
  });

  it('falls back to running --version for a program that is no npm bin', async () => {
    const file = makePackage('plain', '1.0.0', 'dist/other.js', '#!/bin/sh\necho "plain 2.3.4"\n');
    await expect(new VersionProber().probe(file, ['--version'], { PATH: process.env.PATH ?? '' })).resolves.toEqual({ version: '2.3.4' });
  });

  it('probes an npm bin without running it', async () => {
    const file = makePackage('quick-cli', '7.8.9', 'dist/cli.js', '#!/bin/sh\nexit 3\n');
    await expect(new VersionProber().probe(file, ['--version'], {})).resolves.toEqual({ version: '7.8.9' });
  });
});

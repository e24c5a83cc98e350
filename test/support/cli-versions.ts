/**
 * The CLI builds the real-CLI suite and the screen recorder run against: for Claude Code and Codex,
 * the version the adapters were first recorded on ("pinned") and the newest release ("latest"),
 * installed side by side through npm aliases (package.json: `claude-code-latest`, `codex-latest`).
 *
 * Both builds of one CLI ship a bin with the same name, so `node_modules/.bin/claude` points at
 * whichever npm linked last. Each build is therefore reached by its package's own bin path, and a
 * private bin folder holding just that link goes first on the agent's PATH.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CliName } from './cli-home';

const ROOT = path.resolve(__dirname, '../..');

export interface CliBuild {
  cli: CliName;
  /** `pinned` or `latest`; with the version, names the build in test titles and fixture folders. */
  channel: 'pinned' | 'latest';
  /** Folder of the installed package under node_modules. */
  packageDir: string;
  /** The command name the runtime's adapter looks up on the PATH. */
  command: string;
  /** The package's bin, relative to `packageDir`. */
  bin: string;
}

export const CLI_BUILDS: readonly CliBuild[] = [
  { cli: 'claude', channel: 'pinned', packageDir: '@anthropic-ai/claude-code', command: 'claude', bin: 'bin/claude.exe' },
  { cli: 'claude', channel: 'latest', packageDir: 'claude-code-latest', command: 'claude', bin: 'bin/claude.exe' },
  { cli: 'codex', channel: 'pinned', packageDir: '@openai/codex', command: 'codex', bin: 'bin/codex.js' },
  { cli: 'codex', channel: 'latest', packageDir: 'codex-latest', command: 'codex', bin: 'bin/codex.js' },
  { cli: 'gemini', channel: 'pinned', packageDir: '@google/gemini-cli', command: 'gemini', bin: 'bundle/gemini.js' },
];

export function buildsOf(cli: CliName): CliBuild[] {
  return CLI_BUILDS.filter((b) => b.cli === cli);
}

export function buildFor(cli: CliName, channel: CliBuild['channel']): CliBuild {
  const build = CLI_BUILDS.find((b) => b.cli === cli && b.channel === channel);
  if (!build) throw new Error(`no ${channel} build of ${cli} in CLI_BUILDS`);
  return build;
}

/** The installed version, from the package's own package.json. */
export function buildVersion(build: CliBuild): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', build.packageDir, 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

export function buildBinary(build: CliBuild): string {
  return path.join(ROOT, 'node_modules', build.packageDir, build.bin);
}

/** `claude 2.1.332`: how a build is named in test titles. */
export function buildLabel(build: CliBuild): string {
  return `${build.cli} ${buildVersion(build)}`;
}

const binDirs = new Map<CliBuild, string>();

/** Removes the bin folders made by buildBinDir (a test file's afterAll; the recorder at exit). */
export function removeBuildBinDirs(): void {
  for (const dir of binDirs.values()) fs.rmSync(dir, { recursive: true, force: true });
  binDirs.clear();
}

/**
 * A folder holding one link, `<command>` → this build's bin, to put first on the PATH. Made once per
 * build and process in the OS temp folder; removeBuildBinDirs() removes them.
 */
export function buildBinDir(build: CliBuild): string {
  const known = binDirs.get(build);
  if (known && fs.existsSync(known)) return known;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `raven-bin-${build.cli}-${build.channel}-`));
  fs.symlinkSync(buildBinary(build), path.join(dir, build.command));
  binDirs.set(build, dir);
  return dir;
}

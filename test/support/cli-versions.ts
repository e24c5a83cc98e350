/**
 * The CLI builds the real-CLI suite and the screen recorder run against: for Claude Code and Codex,
 * the version the adapters were first recorded on ("pinned") and the newest release ("latest"),
 * installed side by side through npm aliases (package.json: `claude-code-latest`, `codex-latest`).
 *
 * Both builds of one CLI ship a bin with the same name, so `node_modules/.bin/claude` points at
 * whichever npm linked last. Each build is therefore reached by its package's own bin path, and a
 * private bin folder holding just that link goes first on the agent's PATH.
 *
 * With RAVEN_CLI_DRIFT_DIR set (scripts/check-cli-drift.ts sets it), a third "drift" build per CLI
 * is added: the newest release, installed outside the repo in `<dir>/<cli>@<version>/` (docs/cli-behaviour.md).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CliName } from './cli-home';

const ROOT = path.resolve(__dirname, '../..');

export interface CliBuild {
  cli: CliName;
  /**
   * `pinned` or `latest` (package.json), or `drift` (the drift check's scratch install); with the
   * version, names the build in test titles and fixture folders.
   */
  channel: 'pinned' | 'latest' | 'drift';
  /** Folder of the installed package under `modulesDir`. */
  packageDir: string;
  /** The node_modules folder holding it: the repo's unless the build was installed elsewhere. */
  modulesDir?: string;
  /** The command name the runtime's adapter looks up on the PATH. */
  command: string;
  /** The package's bin, relative to `packageDir`. */
  bin: string;
}

const REPO_BUILDS: readonly CliBuild[] = [
  { cli: 'claude', channel: 'pinned', packageDir: '@anthropic-ai/claude-code', command: 'claude', bin: 'bin/claude.exe' },
  { cli: 'claude', channel: 'latest', packageDir: 'claude-code-latest', command: 'claude', bin: 'bin/claude.exe' },
  { cli: 'codex', channel: 'pinned', packageDir: '@openai/codex', command: 'codex', bin: 'bin/codex.js' },
  { cli: 'codex', channel: 'latest', packageDir: 'codex-latest', command: 'codex', bin: 'bin/codex.js' },
  { cli: 'gemini', channel: 'pinned', packageDir: '@google/gemini-cli', command: 'gemini', bin: 'bundle/gemini.js' },
];

/** The npm package of each CLI: what the drift check installs. */
export const CLI_PACKAGES: Record<CliName, string> = {
  claude: '@anthropic-ai/claude-code',
  codex: '@openai/codex',
  gemini: '@google/gemini-cli',
};

/** The folder, inside the drift check's scratch folder, that one CLI version is installed into. */
export function driftInstallDir(scratch: string, cli: CliName, version: string): string {
  return path.join(scratch, `${cli}@${version}`);
}

/** Numeric comparison of `1.2.3` versions (a pre-release suffix sorts before its release). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core, pre] = v.split('-', 2);
    return { parts: core.split('.').map((n) => Number(n) || 0), pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.parts.length, y.parts.length); i++) {
    const d = (x.parts[i] ?? 0) - (y.parts[i] ?? 0);
    if (d !== 0) return d;
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}

interface InstalledManifest {
  version: string;
  bin?: string | Record<string, string>;
}

/**
 * The drift builds found in `scratch`: per CLI, the newest complete install (its package.json
 * readable and naming the folder's version). The bin is taken from that package.json, since a new
 * release may move it.
 */
export function driftBuilds(scratch: string): CliBuild[] {
  if (!fs.existsSync(scratch)) return [];
  const builds: CliBuild[] = [];
  for (const cli of Object.keys(CLI_PACKAGES) as CliName[]) {
    const packageDir = CLI_PACKAGES[cli];
    let best: { version: string; build: CliBuild } | undefined;
    for (const entry of fs.readdirSync(scratch)) {
      if (!entry.startsWith(`${cli}@`)) continue;
      const version = entry.slice(cli.length + 1);
      const modulesDir = path.join(scratch, entry, 'node_modules');
      let manifest: InstalledManifest;
      try {
        manifest = JSON.parse(fs.readFileSync(path.join(modulesDir, packageDir, 'package.json'), 'utf8')) as InstalledManifest;
      } catch {
        continue; // an interrupted install
      }
      if (manifest.version !== version) continue;
      const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.[cli];
      if (!bin) continue;
      if (best && compareVersions(best.version, version) >= 0) continue;
      best = { version, build: { cli, channel: 'drift', packageDir, modulesDir, command: cli, bin } };
    }
    if (best) builds.push(best.build);
  }
  return builds;
}

const DRIFT_DIR = process.env.RAVEN_CLI_DRIFT_DIR;

export const CLI_BUILDS: readonly CliBuild[] = [...REPO_BUILDS, ...(DRIFT_DIR ? driftBuilds(path.resolve(DRIFT_DIR)) : [])];

/** The builds of a CLI that CI tests (pinned and latest; the drift check's build is not one). */
export function buildsOf(cli: CliName): CliBuild[] {
  return CLI_BUILDS.filter((b) => b.cli === cli && b.channel !== 'drift');
}

export function buildFor(cli: CliName, channel: CliBuild['channel']): CliBuild {
  const build = CLI_BUILDS.find((b) => b.cli === cli && b.channel === channel);
  if (!build) throw new Error(`no ${channel} build of ${cli} in CLI_BUILDS`);
  return build;
}

/** The installed version, from the package's own package.json. */
export function buildVersion(build: CliBuild): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(modulesOf(build), build.packageDir, 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

export function buildBinary(build: CliBuild): string {
  return path.join(modulesOf(build), build.packageDir, build.bin);
}

function modulesOf(build: CliBuild): string {
  return build.modulesDir ?? path.join(ROOT, 'node_modules');
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

/**
 * `npm run check:cli-drift`: does the runtime still understand the newest Claude Code, Codex CLI and
 * Gemini CLI? Asks the npm registry for each CLI's latest version, installs it into a scratch folder
 * outside the repo (one folder per CLI and version, kept as a cache), runs the real-CLI scenarios of
 * test/integration/real-clis.test.ts against those builds, and prints a table: CLI, version, scenario,
 * pass/fail, and for a failure the step, the error and the agent's last screen. Exits 1 if anything
 * failed. Not part of `npm test`: it needs the network and the newest packages (docs/cli-behaviour.md).
 *
 *   npm run check:cli-drift                 # all three CLIs
 *   npm run check:cli-drift -- codex gemini # some of them
 *
 * Env: RAVEN_CLI_DRIFT_DIR=<dir> scratch folder (default: $XDG_CACHE_HOME or ~/.cache, then
 *      raven-cli-drift); RAVEN_CLI_DRIFT_REPORT=<file> where vitest's JSON report goes (default: in
 *      the scratch folder).
 */
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { CliName } from '../test/support/cli-home';
import { buildBinary, buildVersion, CLI_PACKAGES, driftBuilds, driftInstallDir } from '../test/support/cli-versions';
import { driftFailed, driftRows, formatTable, parseReport, type DriftBuild } from './cli-drift-report';

const ROOT = path.resolve(__dirname, '..');
const SUITE = 'test/integration/real-clis.test.ts';
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const REGISTRY_TIMEOUT_MS = 60_000;
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const run = promisify(execFile);

function scratchFolder(): string {
  const chosen = process.env.RAVEN_CLI_DRIFT_DIR;
  const dir = chosen ? path.resolve(chosen) : path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'raven-cli-drift');
  // Inside the repo, npm and vitest would see the installs as part of the project.
  const relative = path.relative(ROOT, dir);
  if (relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))) {
    throw new Error(`the scratch folder must be outside the repo: ${dir}`);
  }
  return dir;
}

function selectedClis(args: readonly string[]): CliName[] {
  const known = Object.keys(CLI_PACKAGES) as CliName[];
  if (args.length === 0) return known;
  const unknown = args.filter((a) => !known.includes(a as CliName));
  if (unknown.length > 0) throw new Error(`unknown CLI ${unknown.join(', ')}; choose from ${known.join(', ')}`);
  return args as CliName[];
}

async function latestVersion(cli: CliName): Promise<string> {
  const { stdout } = await run(NPM, ['view', CLI_PACKAGES[cli], 'version'], { timeout: REGISTRY_TIMEOUT_MS });
  const version = stdout.trim();
  if (!/^\d+\.\d+\.\d+\S*$/.test(version)) throw new Error(`npm view ${CLI_PACKAGES[cli]} version printed ${JSON.stringify(stdout)}`);
  return version;
}

function installedVersion(dir: string, cli: CliName): string | undefined {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', CLI_PACKAGES[cli], 'package.json'), 'utf8')) as { version?: string };
    return manifest.version;
  } catch {
    return undefined;
  }
}

/** Installs one CLI version into its own folder unless a complete install is there already. */
async function install(scratch: string, cli: CliName, version: string): Promise<void> {
  const dir = driftInstallDir(scratch, cli, version);
  if (installedVersion(dir, cli) === version) {
    console.log(`${cli} ${version}: cached in ${dir}`);
    return;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  // A package.json of its own keeps npm from looking upwards for a project, and lets Claude Code's
  // postinstall (which puts the native binary in place) run where npm asks for install-script approval.
  const manifest = { name: `raven-cli-drift-${cli}`, private: true, allowScripts: { [CLI_PACKAGES[cli]]: true } };
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`${cli} ${version}: installing into ${dir}`);
  await run(NPM, ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `${CLI_PACKAGES[cli]}@${version}`], { timeout: INSTALL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  if (installedVersion(dir, cli) !== version) throw new Error(`npm install of ${CLI_PACKAGES[cli]}@${version} left no package in ${dir}`);
}

/** Removes older cached versions of a CLI, so the suite's drift build is the one just installed. */
function pruneOlder(scratch: string, cli: CliName, keep: string): void {
  for (const entry of fs.readdirSync(scratch)) {
    if (entry.startsWith(`${cli}@`) && entry !== `${cli}@${keep}`) fs.rmSync(path.join(scratch, entry), { recursive: true, force: true });
  }
}

/** Runs the suite's drift tests; resolves when vitest exits (its own exit code is not the verdict). */
function runSuite(scratch: string, reportFile: string, clis: readonly CliName[]): Promise<void> {
  const vitest = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  const pattern = `^(${clis.join('|')}) \\S+ \\(real CLI, drift\\) `;
  const args = [vitest, 'run', SUITE, '--testNamePattern', pattern, '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, RAVEN_CLI_DRIFT_DIR: scratch } });
    child.on('error', reject);
    child.on('exit', () => resolve());
  });
}

async function main(): Promise<number> {
  const clis = selectedClis(process.argv.slice(2));
  const scratch = scratchFolder();
  fs.mkdirSync(scratch, { recursive: true });

  const builds: DriftBuild[] = [];
  for (const cli of clis) {
    const version = await latestVersion(cli);
    await install(scratch, cli, version);
    pruneOlder(scratch, cli, version);
    builds.push({ cli, version });
  }
  const found = driftBuilds(scratch);
  for (const build of builds) {
    if (!found.some((b) => b.cli === build.cli && buildVersion(b) === build.version && fs.existsSync(buildBinary(b)))) {
      throw new Error(`${build.cli} ${build.version} is installed but its bin is missing`);
    }
  }

  const reportFile = path.resolve(process.env.RAVEN_CLI_DRIFT_REPORT ?? path.join(scratch, 'report.json'));
  fs.rmSync(reportFile, { force: true });
  await runSuite(scratch, reportFile, clis);
  if (!fs.existsSync(reportFile)) throw new Error(`vitest wrote no report to ${reportFile}`);

  const rows = driftRows(parseReport(fs.readFileSync(reportFile, 'utf8')), builds);
  console.log(`\nCLI drift check (${new Date().toISOString()}), report: ${reportFile}\n`);
  console.log(formatTable(rows));
  return driftFailed(rows) ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`check:cli-drift: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildBinary, buildVersion, compareVersions, driftBuilds } from '../support/cli-versions';
import { driftFailed, driftRows, formatTable, parseReport, screenFromFailure, stripAnsi, type DriftRow } from '../../scripts/cli-drift-report';

/**
 * The drift check's table, on vitest JSON reports. `report-gemini-version-probe.json` is the report
 * of a real `npm run check:cli-drift` run (Claude Code 2.1.332, Codex 0.171.0, Gemini CLI 0.61.0):
 * both Gemini scenarios failed at the first start because `gemini --version` (about 6 s with a test
 * HOME on a loaded machine) outlived the runtime's 5 s version probe, so the ready agent had no
 * version; each test left its agent's last screen in its task meta. The pinned/latest builds and the
 * other describe blocks are in it as skipped tests.
 */
const RECORDED = fs.readFileSync(path.join(__dirname, '../fixtures/cli-drift/report-gemini-version-probe.json'), 'utf8');

describe('driftRows on a recorded report', () => {
  const rows = driftRows(parseReport(RECORDED), [
    { cli: 'claude', version: '2.1.332' },
    { cli: 'codex', version: '0.171.0' },
    { cli: 'gemini', version: '0.61.0' },
  ]);

  it('has one row per drift test, with the scenario id from its title, and nothing of the other builds', () => {
    expect(rows.map((r) => [r.cli, r.version, r.scenario, r.result])).toEqual([
      ['claude', '2.1.332', 'core', 'pass'],
      ['claude', '2.1.332', 'key-in-env', 'pass'],
      ['codex', '0.171.0', 'core', 'pass'],
      ['gemini', '0.61.0', 'core', 'fail'],
      ['gemini', '0.61.0', 'key-in-env', 'fail'],
    ]);
  });

  it('gives a failure its step, the first line of its error and the agent screen without escape sequences', () => {
    const [core, keyInEnv] = rows.filter((r) => r.result === 'fail');
    expect(core.step).toBe('first start');
    // This scenario recorded no step when the report was made.
    expect(keyInEnv.step).toBeUndefined();
    for (const failed of [core, keyInEnv]) {
      expect(failed.reason).toBe('TypeError: .toMatch() expects to receive a string, but got undefined');
      const screen = failed.screen!.join('\n');
      expect(screen).toMatch(/^gemini-cli agent-\S+ \(ready\):/);
      expect(screen).toContain('Gemini CLI v0.61.0');
      expect(screen).toContain('Type your message or @path/to/file');
      expect(screen).not.toMatch(/[\u001b\r]/);
    }
    expect(rows.filter((r) => r.result === 'pass').every((r) => r.step === undefined && r.screen === undefined)).toBe(true);
  });

  it('prints the table with the failure, its step and screen under its row, and a count', () => {
    const table = formatTable(rows).split('\n');
    expect(table.slice(0, 6)).toEqual([
      'CLI     version  scenario    result',
      '------  -------  ----------  ------',
      'claude  2.1.332  core        pass',
      'claude  2.1.332  key-in-env  pass',
      'codex   0.171.0  core        pass',
      'gemini  0.61.0   core        FAIL',
    ]);
    expect(table[6]).toBe('    at step "first start": TypeError: .toMatch() expects to receive a string, but got undefined');
    expect(table[7]).toBe('    last screen:');
    const next = table.indexOf('gemini  0.61.0   key-in-env  FAIL');
    const screenRows = table.slice(8, next);
    expect(screenRows.length).toBe(rows[3].screen!.length);
    expect(screenRows.every((l) => l.startsWith('    │ '))).toBe(true);
    expect(table[next + 1]).toBe('    TypeError: .toMatch() expects to receive a string, but got undefined');
    expect(table.slice(-2)).toEqual(['', '3 passed, 2 failed']);
  });

  it('fails the check', () => {
    expect(driftFailed(rows)).toBe(true);
    expect(driftFailed(rows.filter((r) => r.result === 'pass'))).toBe(false);
  });
});

describe('driftRows edge cases', () => {
  const suite = (cli: string, version: string) => `${cli} ${version} (real CLI, drift)`;

  it('takes the screen from a harness failure message, up to the stack', () => {
    const message = [
      'Error: timed out waiting for question on agent-1; saw status:starting, status:busy',
      '--- last screen ---',
      ' Do you want to proceed?',
      ' \u001b[1m❯ 1. Yes\u001b[22m',
      '   2. No',
      '',
      '    at Object.waitFor (/repo/test/support/runtime-harness.ts:45:10)',
    ].join('\n');
    expect(screenFromFailure(message)).toEqual([' Do you want to proceed?', ' ❯ 1. Yes', '   2. No']);
    expect(screenFromFailure('AssertionError: expected 1 to be 2')).toBeUndefined();
    const report = {
      testResults: [{ name: 'x', status: 'failed', assertionResults: [{ ancestorTitles: [suite('claude', '9.9.9')], title: 'core: all of it', status: 'failed', failureMessages: [message], meta: { step: 'permission question', lastScreens: ['not this'] } }] }],
    };
    const [row] = driftRows(report, []);
    expect(row).toEqual<DriftRow>({
      cli: 'claude',
      version: '9.9.9',
      scenario: 'core',
      result: 'fail',
      step: 'permission question',
      reason: 'Error: timed out waiting for question on agent-1',
      screen: [' Do you want to proceed?', ' ❯ 1. Yes', '   2. No'],
    });
  });

  it('reports an expected build with no test in the report as a failure, with the file error', () => {
    const report = { testResults: [{ name: 'x', status: 'failed', message: 'Cannot find module ./cli-versions', assertionResults: [] }] };
    const rows = driftRows(report, [{ cli: 'codex', version: '1.0.0' }]);
    expect(rows).toEqual([{ cli: 'codex', version: '1.0.0', scenario: '(none ran)', result: 'fail', reason: 'Cannot find module ./cli-versions', screen: [] }]);
    expect(formatTable(rows)).toContain('    (no screen captured)');
    expect(driftFailed(rows)).toBe(true);
  });

  it('keeps a title without a scenario id whole, and counts skipped tests as neither', () => {
    const report = { testResults: [{ name: 'x', status: 'passed', assertionResults: [{ ancestorTitles: [suite('gemini', '1.2.3')], title: 'Something else', status: 'skipped' }] }] };
    const rows = driftRows(report, []);
    expect(rows).toEqual([{ cli: 'gemini', version: '1.2.3', scenario: 'Something else', result: 'skip' }]);
    expect(formatTable(rows).split('\n').pop()).toBe('0 passed, 0 failed, 1 skipped');
    // Nothing passed: the check did not show anything works.
    expect(driftFailed(rows)).toBe(true);
  });

  it('refuses text that is not a vitest JSON report', () => {
    expect(() => parseReport('{"numTotalTests": 3}')).toThrow(/not a vitest JSON report/);
    expect(() => parseReport('not json')).toThrow();
  });

  it('strips colour, cursor and title sequences and carriage returns', () => {
    expect(stripAnsi('\u001b]0;✦ Working…\u0007\u001b[2K\u001b[1A\u001b[38;2;1;2;3mhi\u001b[39m\r')).toBe('hi');
  });
});

describe('driftBuilds: the scratch installs the suite runs as "drift" builds', () => {
  function install(scratch: string, folder: string, pkg: string, manifest: Record<string, unknown>): void {
    const dir = path.join(scratch, folder, 'node_modules', pkg);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest));
  }

  it('takes per CLI the newest complete install, its bin from its own package.json', () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-drift-unit-'));
    try {
      install(scratch, 'claude@2.1.9', '@anthropic-ai/claude-code', { version: '2.1.9', bin: { claude: 'bin/claude.exe' } });
      install(scratch, 'claude@2.1.10', '@anthropic-ai/claude-code', { version: '2.1.10', bin: { claude: 'bin/new-claude' } });
      // An interrupted install (no package.json) and one whose folder names another version.
      fs.mkdirSync(path.join(scratch, 'claude@2.2.0', 'node_modules'), { recursive: true });
      install(scratch, 'codex@0.200.0', '@openai/codex', { version: '0.199.0', bin: { codex: 'bin/codex.js' } });
      install(scratch, 'gemini@0.70.0', '@google/gemini-cli', { version: '0.70.0', bin: 'bundle/gemini.js' });
      fs.writeFileSync(path.join(scratch, 'report.json'), '{}');

      const builds = driftBuilds(scratch);
      expect(builds.map((b) => [b.cli, b.channel, buildVersion(b)])).toEqual([
        ['claude', 'drift', '2.1.10'],
        ['gemini', 'drift', '0.70.0'],
      ]);
      expect(buildBinary(builds[0])).toBe(path.join(scratch, 'claude@2.1.10', 'node_modules', '@anthropic-ai/claude-code', 'bin/new-claude'));
      expect(buildBinary(builds[1])).toBe(path.join(scratch, 'gemini@0.70.0', 'node_modules', '@google/gemini-cli', 'bundle/gemini.js'));
      expect(driftBuilds(path.join(scratch, 'missing'))).toEqual([]);
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('compares versions by number, a pre-release before its release', () => {
    expect(compareVersions('2.1.10', '2.1.9')).toBeGreaterThan(0);
    expect(compareVersions('0.61.0', '0.61.0')).toBe(0);
    expect(compareVersions('1.0.0-rc.1', '1.0.0')).toBeLessThan(0);
    expect(compareVersions('1.0.0', '1.0.0-rc.1')).toBeGreaterThan(0);
  });
});

/**
 * The drift check's table (docs/cli-behaviour.md, "When a new CLI version appears"): reads vitest's JSON
 * report of the real-CLI suite run against the newest releases and says, per CLI, version and
 * scenario, whether it passed, and for a failure the step it was in, why, and the agent's last screen.
 *
 * Pure functions on the report's text, so the table can be tested on a recorded report without the
 * network or the CLIs.
 */

/** One test in vitest's JSON report (the fields the table needs). */
interface AssertionResult {
  ancestorTitles: string[];
  title: string;
  status: string;
  failureMessages?: string[];
  meta?: { step?: unknown; lastScreens?: unknown };
}

interface TestFileResult {
  name: string;
  status: string;
  message?: string;
  assertionResults: AssertionResult[];
}

interface JsonReport {
  testResults: TestFileResult[];
}

export interface DriftBuild {
  cli: string;
  version: string;
}

export interface DriftRow extends DriftBuild {
  /** The scenario's stable id (the test title up to its first `: `). */
  scenario: string;
  result: 'pass' | 'fail' | 'skip';
  /** For a failure: the step of the scenario it was in, when the test recorded one. */
  step?: string;
  /** For a failure: the first line of the error, without ANSI colours. */
  reason?: string;
  /** For a failure: the agent's last screen lines (empty when none was captured). */
  screen?: string[];
}

/** The describe title of a drift build's tests: `claude 2.1.340 (real CLI, drift)`. */
const DRIFT_SUITE = /^(\S+) (\S+) \(real CLI, drift\)$/;
/** A scenario id prefix: `core: answers…` → `core`. */
const SCENARIO_ID = /^([a-z0-9][a-z0-9-]*): /;
/** What the runtime harness puts before an agent's last screen in a failure message. */
const SCREEN_MARKER = '--- last screen ---';
/** A stack frame line, where a failure message's own text ends. */
const STACK_FRAME = /^\s+at \S/;
/**
 * Escape sequences vitest or a CLI's raw output may leave in a message: CSI (colours, cursor moves),
 * OSC (titles, links) and two-byte escapes; then carriage returns and other control bytes.
 */
const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[()][0-9A-Za-z]|\u001b[ -~]/g;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

const REASON_MAX = 200;

export function stripAnsi(text: string): string {
  return text.replace(ESCAPES, '').replace(CONTROL, '');
}

/** The agent's screen from a failure message the harness wrote (`--- last screen ---` up to the stack). */
export function screenFromFailure(message: string): string[] | undefined {
  const at = message.indexOf(SCREEN_MARKER);
  if (at < 0) return undefined;
  const lines = stripAnsi(message.slice(at + SCREEN_MARKER.length)).split('\n').slice(1);
  const end = lines.findIndex((l) => STACK_FRAME.test(l));
  return trimBlankEdges(end < 0 ? lines : lines.slice(0, end));
}

function trimBlankEdges(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start].trim() === '') start++;
  while (end > start && lines[end - 1].trim() === '') end--;
  return lines.slice(start, end).map((l) => l.trimEnd());
}

function reasonOf(message: string): string {
  const first = stripAnsi(message).split('\n').find((l) => l.trim() !== '') ?? '';
  const cut = first.indexOf('; saw ');
  const reason = (cut > 0 ? first.slice(0, cut) : first).trim();
  return reason.length > REASON_MAX ? `${reason.slice(0, REASON_MAX - 1)}…` : reason;
}

function resultOf(status: string): DriftRow['result'] {
  if (status === 'passed') return 'pass';
  if (status === 'failed') return 'fail';
  return 'skip';
}

export function parseReport(text: string): JsonReport {
  const parsed: unknown = JSON.parse(text);
  if (!parsed || typeof parsed !== 'object' || !Array.isArray((parsed as JsonReport).testResults)) {
    throw new Error('not a vitest JSON report: no testResults');
  }
  return parsed as JsonReport;
}

/**
 * The table's rows: one per drift test in the report, plus a failing row for each expected build
 * that has no test in it (the suite never reached it, e.g. the test file failed to load).
 */
export function driftRows(report: JsonReport, expected: readonly DriftBuild[]): DriftRow[] {
  const rows: DriftRow[] = [];
  for (const file of report.testResults) {
    for (const test of file.assertionResults) {
      const suite = test.ancestorTitles.map((t) => DRIFT_SUITE.exec(t)).find((m) => m !== null);
      if (!suite) continue;
      const row: DriftRow = { cli: suite[1], version: suite[2], scenario: SCENARIO_ID.exec(test.title)?.[1] ?? test.title, result: resultOf(test.status) };
      if (row.result === 'fail') {
        const messages = test.failureMessages ?? [];
        const meta = test.meta ?? {};
        if (typeof meta.step === 'string') row.step = meta.step;
        row.reason = messages.length > 0 ? reasonOf(messages[0]) : 'failed without a message';
        const fromMessage = messages.map(screenFromFailure).find((s) => s !== undefined);
        const fromMeta = Array.isArray(meta.lastScreens) ? meta.lastScreens.filter((s): s is string => typeof s === 'string') : [];
        row.screen = fromMessage ?? trimBlankEdges(stripAnsi(fromMeta.join('\n')).split('\n'));
      }
      rows.push(row);
    }
  }
  for (const build of expected) {
    if (rows.some((r) => r.cli === build.cli && r.version === build.version)) continue;
    const fileError = report.testResults.map((f) => f.message ?? '').find((m) => m !== '');
    rows.push({ ...build, scenario: '(none ran)', result: 'fail', reason: fileError ? reasonOf(fileError) : 'no drift test of this build in the report', screen: [] });
  }
  return rows;
}

/** The printed table: aligned columns, and under each failure its step, reason and last screen. */
export function formatTable(rows: readonly DriftRow[]): string {
  const header = ['CLI', 'version', 'scenario', 'result'];
  const cells = rows.map((r) => [r.cli, r.version, r.scenario, r.result === 'fail' ? 'FAIL' : r.result]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w)))];
  rows.forEach((row, i) => {
    out.push(line(cells[i]));
    if (row.result !== 'fail') return;
    out.push(`    ${row.step ? `at step "${row.step}": ` : ''}${row.reason ?? ''}`);
    const screen = row.screen ?? [];
    if (screen.length === 0) {
      out.push('    (no screen captured)');
    } else {
      out.push('    last screen:');
      for (const l of screen) out.push(`    │ ${l}`);
    }
  });
  const failed = rows.filter((r) => r.result === 'fail').length;
  const passed = rows.filter((r) => r.result === 'pass').length;
  out.push('', `${passed} passed, ${failed} failed${rows.length - passed - failed > 0 ? `, ${rows.length - passed - failed} skipped` : ''}`);
  return out.join('\n');
}

/** True when the drift check should exit non-zero: a failure, or nothing at all passed. */
export function driftFailed(rows: readonly DriftRow[]): boolean {
  return rows.some((r) => r.result === 'fail') || !rows.some((r) => r.result === 'pass');
}

import type { QuestionOption } from '../../../src-shared/agent';
import { menuOptions, parseMarkedMenu, parseNumberedMenu, type MenuSelection } from '../detect/options';
import type { DetectedPrompt, PromptKind } from './types';

/** Helpers shared by the adapters of full-screen TUIs (Claude Code, Codex, Gemini CLI). */

/** Index of the last line matching `pattern`, or -1. */
export function lastIndexMatching(lines: readonly string[], pattern: RegExp, before = lines.length): number {
  for (let i = Math.min(before, lines.length) - 1; i >= 0; i--) if (pattern.test(lines[i])) return i;
  return -1;
}

/** Index of the first line matching `pattern` at or after `from`, or -1. */
export function indexMatching(lines: readonly string[], pattern: RegExp, from = 0): number {
  for (let i = Math.max(0, from); i < lines.length; i++) if (pattern.test(lines[i])) return i;
  return -1;
}

export interface EchoStyle {
  /** A history row that echoes a user message; group 1 is the message text. */
  row: RegExp;
  /** Echo-looking rows that are not messages (an input placeholder, a numbered menu entry). */
  ignore?: RegExp;
  /** How the CLI abbreviates a pasted message (`[Pasted text #1 +400 lines]`). */
  pasted: RegExp;
}

/**
 * Index of the last row that echoes `message` (its first line, up to 40 characters, which is what
 * every CLI shows before truncating), or -1. An empty message matches the last echo of any kind.
 */
export function findEcho(lines: readonly string[], message: string, style: EchoStyle): number {
  const probe = message.split('\n')[0].trim().slice(0, 40);
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = style.row.exec(lines[i]);
    if (!match) continue;
    const echoed = match[1].trim();
    if (style.ignore?.test(echoed)) continue;
    if (probe === '' || echoed.startsWith(probe) || style.pasted.test(echoed)) return i;
  }
  return -1;
}

/**
 * Whether the turn that typed `message` has produced its answer: after the message's echo, some row
 * satisfies `isAnswerRow` (a reply bullet, a "Worked for" line). False while the echo is not drawn.
 * The CLIs' idle screens look the same before and after a turn, so the answer rows are the proof.
 */
export function answeredSinceEcho(history: readonly string[], message: string, style: EchoStyle, isAnswerRow: (line: string) => boolean): boolean {
  const echo = findEcho(history, message, style);
  return echo >= 0 && history.slice(echo + 1).some(isAnswerRow);
}

/** A horizontal rule drawn with box characters (the borders around Claude's input box). */
export const RULE = /^\s*[─━═╌╍┄┅-]{10,}\s*$/;

/** Removes a leading/trailing box border and padding from a row. */
export function unbox(line: string): string {
  return line.replace(/^\s*[│┃║╭╮╰╯]\s?/, '').replace(/\s?[│┃║╭╮╰╯]\s*$/, '');
}

/** Collapses runs of blank lines, trims outer blank lines, right-trims every line. */
export function tidy(lines: readonly string[]): string {
  const out: string[] = [];
  for (const raw of lines) {
    const line = raw.trimEnd();
    if (line === '' && (out.length === 0 || out[out.length - 1] === '')) continue;
    out.push(line);
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out.join('\n');
}

/** Removes the common leading indentation of non-blank lines. */
export function dedent(lines: readonly string[]): string[] {
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length);
  const common = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(Math.min(common, /^ */.exec(l)![0].length)));
}

/**
 * Removes reply/tool bullets (`● `, `• `, `✦ `) the way a reader would: the marker goes, and the
 * rows that continue that bullet (indented by the marker's width) lose that indentation. Text
 * outside bullets keeps its indentation, so code stays aligned.
 */
export function unbullet(lines: readonly string[], marker: RegExp): string[] {
  const out: string[] = [];
  let inBullet = false;
  for (const line of lines) {
    const match = marker.exec(line);
    if (match && match.index === 0) {
      out.push(line.slice(match[0].length));
      inBullet = true;
    } else if (inBullet && (line.trim() === '' || /^ {2}/.test(line))) {
      out.push(line.replace(/^ {2}/, ''));
    } else {
      inBullet = false;
      out.push(line);
    }
  }
  return out;
}

export interface MenuPromptSpec {
  kind: PromptKind;
  /** The question text, as shown (the last matching line is used). */
  questionPattern: RegExp;
  selection: MenuSelection;
  /**
   * A line that, drawn below the menu, means the menu is history, not a live dialog (the CLI's
   * input box). Gemini, for one, leaves an answered dialog on screen above its restarted UI.
   */
  staleAfter: RegExp;
}

/**
 * A numbered-menu prompt: the question line and the options drawn below it. Returns undefined if
 * the question is shown without a menu (still drawing).
 */
export function menuPrompt(lines: readonly string[], spec: MenuPromptSpec): DetectedPrompt | undefined {
  const at = lastIndexMatching(lines, spec.questionPattern);
  if (at < 0) return undefined;
  // Numbered menus may share the question's line; unnumbered ones start below it.
  const unboxed = lines.map(unbox);
  const menu = parseNumberedMenu(unboxed, at) ?? parseMarkedMenu(unboxed, at + 1);
  if (!menu || menu.firstLine - at > 12) return undefined;
  if (indexMatching(unboxed, spec.staleAfter, menu.lastLine + 1) >= 0) return undefined;
  const question = unbox(lines[at]).trim();
  const options: QuestionOption[] = menuOptions(menu, spec.selection);
  return {
    kind: spec.kind,
    question,
    options,
    fingerprint: `${spec.kind}:${question}:${options.map((o) => o.label).join('|')}`,
  };
}

/** The keys that pick the option whose label matches `label` in a detected prompt. */
export function keysFor(prompt: DetectedPrompt, label: RegExp): string[] | undefined {
  return prompt.options.find((o) => label.test(o.label))?.keys;
}

// ───────────────────────────── trust-folder dialogs ─────────────────────────────

const ABSOLUTE_PATH = /^(?:\/|[A-Za-z]:\\)/;

/** The absolute path a dialog shows in the `within` lines under its `heading` line, if any. */
export function folderShownUnder(lines: readonly string[], heading: RegExp, within: number): string | undefined {
  const at = lastIndexMatching(lines, heading);
  if (at < 0) return undefined;
  return lines
    .slice(at + 1, at + 1 + within)
    .map((line) => line.trim())
    .find((line) => ABSOLUTE_PATH.test(line));
}

/** The same folder, written with or without trailing separators. */
export function sameFolder(shown: string, workdir: string): boolean {
  const trim = (folder: string) => folder.replace(/[\\/]+$/, '');
  return trim(shown) === trim(workdir);
}

export interface TrustAnswer {
  /** The auto-answer rule's name, reported in events (`claude.trust-folder`). */
  rule: string;
  /** The label of the option that trusts the folder. */
  accept: RegExp;
  /** The folder the dialog names, when it names one. */
  shown: string | undefined;
  workdir: string;
}

/**
 * Arms the trust dialog's auto-answer only for the spawn's own folder: a dialog naming another
 * folder (a parent, a symlinked elsewhere) is left to a person. A dialog naming no folder is about
 * the folder the CLI started in, which is the workdir.
 */
export function trustOwnFolder(prompt: DetectedPrompt, answer: TrustAnswer): void {
  const keys = keysFor(prompt, answer.accept);
  if (keys && (answer.shown === undefined || sameFolder(answer.shown, answer.workdir))) {
    prompt.autoAnswer = { rule: answer.rule, category: 'trustFolder', keys };
  }
}

// ───────────────────────────── input rows above a footer ─────────────────────────────

export interface InputRowSpec {
  /** The footer drawn under the input (the last match counts). */
  footer: RegExp;
  /** The input row; group 1 is what is typed. */
  row: RegExp;
  /** Rows that match `row` but are not the input (a menu entry): skipped. */
  skip?: RegExp;
  /** Hint text shown in an empty input. */
  placeholder: RegExp;
}

export interface InputRow {
  /** Index of the input row. */
  row: number;
  /** What is typed, '' while the placeholder shows. */
  text: string;
  /** Index of the footer line. */
  footer: number;
}

/**
 * The input row of CLIs that draw it right above a footer (Codex's composer, Gemini's ` > `): the
 * last matching row within 8 lines above the footer. Undefined while no footer is drawn (a dialog,
 * a login screen, or still starting).
 */
export function inputRowAboveFooter(lines: readonly string[], spec: InputRowSpec): InputRow | undefined {
  const footer = lastIndexMatching(lines, spec.footer);
  if (footer < 0) return undefined;
  for (let i = footer - 1; i >= Math.max(0, footer - 8); i--) {
    const match = spec.row.exec(lines[i]);
    if (!match || spec.skip?.test(match[1])) continue;
    const text = match[1].trim();
    return { row: i, text: spec.placeholder.test(text) ? '' : text, footer };
  }
  return undefined;
}

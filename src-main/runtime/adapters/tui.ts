import type { QuestionOption } from '../../../src-shared/agent';
import { menuOptions, parseNumberedMenu, type MenuSelection } from '../detect/options';
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

/** Strips a one-glyph reply marker (`● `, `• `, `✦ `) from the first line of a block. */
export function stripMarker(line: string, markers: RegExp): string {
  return line.replace(markers, '');
}

export interface MenuPromptSpec {
  kind: PromptKind;
  /** The question text, as shown (first matching line is used). */
  questionPattern: RegExp;
  selection: MenuSelection;
}

/**
 * A numbered-menu prompt: the question line and the options drawn below it. Returns undefined if
 * the question is shown without a menu (still drawing).
 */
export function menuPrompt(lines: readonly string[], spec: MenuPromptSpec): DetectedPrompt | undefined {
  const at = lastIndexMatching(lines, spec.questionPattern);
  if (at < 0) return undefined;
  const menu = parseNumberedMenu(lines, at);
  if (!menu || menu.firstLine - at > 12) return undefined;
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

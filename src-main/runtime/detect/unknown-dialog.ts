import type { QuestionOption } from '../../../src-shared/agent';
import type { DetectedPrompt } from '../adapters/types';
import type { ScreenSnapshot } from '../screen/screen-model';
import { keyHintOptions, lastHintLine, parseKeyHints, type KeyHint } from './key-hints';
import { menuOptions, parseMarkedMenu, parseNumberedMenu, yesNoOptions, type ParsedMenu } from './options';

/**
 * Does the bottom of a still screen look like a dialog no adapter rule knows? The signs, in the
 * last few non-blank lines: a hint line naming keys (`Enter to confirm · Esc to cancel`), a menu
 * with a selection marker or numbers, or a y/n question. The CLIs draw their dialogs at the bottom
 * of the screen, where their input box otherwise sits, so only that part is read.
 */

/** Non-blank lines at the bottom that may belong to the dialog. */
const BOTTOM_LINES = 14;
/** The hint line or y/n question sits within the last few non-blank lines. */
const HINT_WITHIN = 4;
const MAX_QUESTION_CHARS = 400;
/** Borders and rules: they frame a dialog and are not part of its text. */
const FRAME_LINE = /^[\s─━═╌╍┄┅▔▁\-╭╮╰╯┌┐└┘│┃║]*$/;

function bottom(screen: ScreenSnapshot): string[] {
  const lines = screen.lines.map((line) => line.replace(/[│┃║]/g, ' ').trimEnd());
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  return lines;
}

/** Index of the first line of the dialog block ending at `end`: after the nearest frame line above. */
function blockStart(lines: readonly string[], end: number): number {
  const floor = Math.max(0, end - BOTTOM_LINES);
  for (let i = end - 1; i >= floor; i--) if (lines[i].trim() !== '' && FRAME_LINE.test(lines[i])) return i + 1;
  return floor;
}

function questionText(lines: readonly string[], from: number, to: number): string {
  const text = lines
    .slice(from, to)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !FRAME_LINE.test(line))
    .join(' ')
    .replace(/\s+/g, ' ');
  return text.length > MAX_QUESTION_CHARS ? `${text.slice(0, MAX_QUESTION_CHARS - 1)}…` : text;
}

function findMenu(lines: readonly string[], from: number): ParsedMenu | undefined {
  return parseNumberedMenu(lines, from) ?? parseMarkedMenu(lines, from);
}

/**
 * A busy CLI's own footer names only a way out (`esc to interrupt`); a dialog also names a way on
 * (Enter, Tab, a letter).
 */
function offersAWayOn(hints: readonly KeyHint[]): boolean {
  return hints.some((hint) => hint.key !== 'escape' && hint.key !== 'ctrl+c');
}

function prompt(question: string, options: QuestionOption[]): DetectedPrompt {
  return {
    kind: 'unknown',
    question: question === '' ? 'The agent is showing a dialog.' : question,
    options,
    fingerprint: `unknown:${question}:${options.map((o) => `${o.label}=${o.keys.join('+')}`).join('|')}`,
  };
}

export function unknownDialog(screen: ScreenSnapshot): DetectedPrompt | undefined {
  const lines = bottom(screen);
  if (lines.length === 0) return undefined;
  const last = lines.length;

  const hint = lastHintLine(lines, HINT_WITHIN);
  if (hint >= 0 && offersAWayOn(parseKeyHints(lines[hint]))) {
    const start = blockStart(lines, hint);
    const menu = findMenu(lines.slice(0, hint), start);
    const hintOptions = keyHintOptions(parseKeyHints(lines[hint]));
    if (menu) {
      // The menu answers the question; the hint's other keys (Esc to cancel…) stay available.
      const extra = hintOptions.filter((o) => o.keys[0] !== 'enter');
      return prompt(questionText(lines, start, menu.firstLine), [...menuOptions(menu, 'arrows'), ...extra]);
    }
    return prompt(questionText(lines, start, hint), hintOptions);
  }

  const tail = lines.slice(-HINT_WITHIN);
  for (let k = tail.length - 1; k >= 0; k--) {
    const options = yesNoOptions(tail[k]);
    if (options) {
      const at = last - tail.length + k;
      return prompt(questionText(lines, blockStart(lines, at), at + 1), options);
    }
  }

  const start = Math.max(0, last - BOTTOM_LINES);
  const menu = findMenu(lines, start);
  // Only a menu that ends the screen: one in the history above an input box is not a dialog.
  if (menu && last - 1 - menu.lastLine <= 1) {
    const from = blockStart(lines, menu.firstLine);
    return prompt(questionText(lines, from, menu.firstLine), menuOptions(menu, 'arrows'));
  }
  return undefined;
}

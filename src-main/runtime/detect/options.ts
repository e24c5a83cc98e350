import type { QuestionOption } from '../../../src-shared/agent';

/**
 * Numbered menus as the TUIs draw them:
 *   Claude  `❯ 1. Yes` / `  2. No`
 *   Codex   `› 1. Yes, proceed (y)`
 *   Gemini  `● 1. Allow once`
 * The marker (❯ › > ● ◉) shows the highlighted option.
 */
const OPTION_LINE = /^[\s│┃║]*([❯›>●◉▶➤])?\s*(\d{1,2})[.)]\s+(.+?)\s*[│┃║]?\s*$/;

export interface ParsedMenu {
  options: { number: number; label: string }[];
  /** Index into `options` of the highlighted entry (0 when none is marked). */
  selected: number;
  /** Line index of the first option. */
  firstLine: number;
  /** Line index of the last option. */
  lastLine: number;
}

/** The first run of consecutively numbered options (1, 2, 3…) at or after `from`. */
export function parseNumberedMenu(lines: readonly string[], from = 0): ParsedMenu | undefined {
  for (let i = from; i < lines.length; i++) {
    const first = OPTION_LINE.exec(lines[i]);
    if (!first || first[2] !== '1') continue;
    const options: { number: number; label: string }[] = [];
    let selected = 0;
    let expected = 1;
    let lastLine = i;
    for (let j = i; j < lines.length && j < i + 20; j++) {
      const match = OPTION_LINE.exec(lines[j]);
      if (!match) {
        // Options may have a wrapped second line or a blank line between them.
        if (lines[j].trim() === '' || /^\s{3,}\S/.test(lines[j])) continue;
        break;
      }
      if (Number(match[2]) !== expected) break;
      if (match[1]) selected = options.length;
      options.push({ number: expected, label: match[3].trim() });
      lastLine = j;
      expected++;
    }
    if (options.length >= 2) return { options, selected, firstLine: i, lastLine };
  }
  return undefined;
}

/**
 * Menus drawn without numbers (Claude Code 2.1.3xx): the highlighted entry carries the marker and
 * the others are indented to the same text column.
 *   ` ❯ No, exit`
 *   `   Yes, I trust this folder`
 * Only `❯ › ▶ ➤` count as markers here: `●` is also a reply bullet.
 */
const MARKED_LINE = /^([\s│┃║]*)([❯›▶➤])[ \u00a0]+(\S.*?)\s*[│┃║]?\s*$/;
const MAX_MARKED_OPTIONS = 9;

/** The first marked menu at or after `from`: the marked line and its siblings directly above and below. */
export function parseMarkedMenu(lines: readonly string[], from = 0): ParsedMenu | undefined {
  for (let i = Math.max(0, from); i < lines.length; i++) {
    const marked = MARKED_LINE.exec(lines[i]);
    if (!marked) continue;
    const column = lines[i].indexOf(marked[3]);
    const sibling = (line: string | undefined): boolean =>
      line !== undefined && line.length > column && line.slice(0, column).replace(/[│┃║]/g, '').trim() === '' && line[column] !== ' ';
    let first = i;
    while (first - 1 >= from && sibling(lines[first - 1])) first--;
    let last = i;
    while (last + 1 < lines.length && sibling(lines[last + 1])) last++;
    const count = last - first + 1;
    if (count < 2 || count > MAX_MARKED_OPTIONS) continue;
    const options = lines.slice(first, last + 1).map((line, k) => ({
      number: k + 1,
      label: (first + k === i ? marked[3] : line.replace(/[│┃║]/g, '')).trim(),
    }));
    return { options, selected: i - first, firstLine: first, lastLine: last };
  }
  return undefined;
}

export type MenuSelection = 'arrows' | 'digit';

/**
 * Keys that pick each option. `arrows`: move from the highlighted entry, then Enter (Claude,
 * Gemini). `digit`: the option's number selects and confirms at once (Codex).
 */
export function menuOptions(menu: ParsedMenu, selection: MenuSelection): QuestionOption[] {
  return menu.options.map((option, index) => {
    if (selection === 'digit') return { label: option.label, keys: [String(option.number)] };
    const delta = index - menu.selected;
    const moves: string[] = Array.from({ length: Math.abs(delta) }, () => (delta > 0 ? 'down' : 'up'));
    return { label: option.label, keys: [...moves, 'enter'] };
  });
}

/** Yes/no prompts such as `[y/N]`, `(Y)es/(N)o`. */
export function yesNoOptions(line: string): QuestionOption[] | undefined {
  if (/\(Y\)es\/\(N\)o/i.test(line)) {
    return [
      { label: 'Yes', keys: ['y', 'enter'] },
      { label: 'No', keys: ['n', 'enter'] },
    ];
  }
  if (/[[(]y\/n[\])]/i.test(line) || /\byes\/no\b/i.test(line)) {
    return [
      { label: 'Yes', keys: ['y', 'enter'] },
      { label: 'No', keys: ['n', 'enter'] },
    ];
  }
  return undefined;
}

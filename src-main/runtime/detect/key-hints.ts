import type { QuestionOption } from '../../../src-shared/agent';

/**
 * Key-hint lines: the row under a TUI dialog that says which keys do what.
 *   Claude  `Enter to confirm · Esc to cancel`, `Enter to stay in auto mode · shift+Tab to leave … · Esc to cancel`
 *   Codex   `Press enter to confirm or esc to cancel`, `enter continue · esc back`
 * Each named key becomes an option whose label is the action. Navigation hints (`↑↓ to navigate`)
 * move the selection rather than answer, so they are left out.
 */

/** Key words as dialogs spell them → the runtime's key names (src-shared/keys.ts). */
const KEY_WORDS: ReadonlyArray<[RegExp, string]> = [
  [/^shift\s*\+\s*tab$/i, 'shift+tab'],
  [/^(?:enter|return|⏎|↵)$/i, 'enter'],
  [/^(?:esc|escape)$/i, 'escape'],
  [/^tab$/i, 'tab'],
  [/^space$/i, 'space'],
  [/^ctrl\s*\+\s*([a-z])$/i, 'ctrl+$1'],
];
const KEY_PATTERN = String.raw`shift\s*\+\s*tab|ctrl\s*\+\s*[a-z]|enter|return|esc|escape|tab|space|⏎|↵`;
/** One segment of a hint line: `<key> to <action>`, `<key> <action>`, `press <key> to <action>`. */
const HINT_SEGMENT = new RegExp(String.raw`^(?:press\s+)?(${KEY_PATTERN})\s+(?:to\s+)?(\S.*)$`, 'i');
/** Segments that move the selection (`↑↓ to navigate`) rather than answer: allowed, not options. */
const NAVIGATION_SEGMENT = /^[↑↓←→\s/]+(?:\s*(?:to\s+)?\w+)?$|^(?:arrow keys|arrows)\b/i;
const SEPARATORS = /\s*[·•|]\s*|\s+or\s+/i;

export interface KeyHint {
  key: string;
  action: string;
}

function keyName(word: string): string | undefined {
  const spaced = word.trim();
  for (const [pattern, name] of KEY_WORDS) {
    const match = pattern.exec(spaced);
    if (match) return name.replace('$1', (match[1] ?? '').toLowerCase());
  }
  return undefined;
}

/**
 * The key hints a line names, in order; [] unless the whole line is made of hints (prose that
 * happens to say "press enter when done" is not a hint line).
 */
export function parseKeyHints(line: string): KeyHint[] {
  const text = line.replace(/[│┃║]/g, ' ').trim();
  if (text === '' || text.length > 160) return [];
  const hints: KeyHint[] = [];
  for (const segment of text.split(SEPARATORS)) {
    if (segment === '' || NAVIGATION_SEGMENT.test(segment)) continue;
    const match = HINT_SEGMENT.exec(segment);
    const key = match ? keyName(match[1]) : undefined;
    if (!match || !key) return [];
    const action = match[2].trim().replace(/[.:]+$/, '');
    if (action.split(/\s+/).length > 8) return [];
    if (!hints.some((h) => h.key === key)) hints.push({ key, action });
  }
  return hints;
}

/** `stay in auto mode` → `Stay in auto mode`. */
function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Options answering a dialog by the keys its hint line names. */
export function keyHintOptions(hints: readonly KeyHint[]): QuestionOption[] {
  return hints.map((hint) => ({ label: capitalise(hint.action), keys: [hint.key] }));
}

/** Index of the last line (among the last `within`) that is a key-hint line, or -1. */
export function lastHintLine(lines: readonly string[], within = 8): number {
  let seen = 0;
  for (let i = lines.length - 1; i >= 0 && seen < within; i--) {
    if (lines[i].trim() === '') continue;
    seen++;
    if (parseKeyHints(lines[i]).length > 0) return i;
  }
  return -1;
}

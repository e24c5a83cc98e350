/**
 * Dropping the middle of a plain-text flood before the screen model parses it.
 *
 * The headless terminal parses 15–20 MB/s on these machines while a PTY delivers 40–90 MB/s, so an
 * agent that runs `cat` on a big file would otherwise be throttled to the parser's speed. For text
 * that holds nothing but printable characters, tabs and CR/LF, the final screen depends only on the
 * last lines: everything earlier scrolls out of the scrollback. If the unparsed text has at least
 * `capacity` line feeds after a CRLF, the part before that CRLF can go without changing the buffer,
 * the cursor or any mode. The caller guarantees the preconditions that make this exact: nothing
 * unparsed before the text, a full-screen scroll region and insert mode off.
 */

/**
 * Characters that could change state other than "which text is on which row": every C0 control
 * except TAB/LF/CR, DEL and the C1 range. (ESC is in here, so any escape sequence disqualifies.)
 */
const UNSAFE = /[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f\x80-\x9f]/;

export function isPlainText(text: string): boolean {
  return !UNSAFE.test(text);
}

const UNSAFE_GLOBAL = new RegExp(UNSAFE.source, 'g');

/** Index of the last character that is not plain text, or -1. One forward pass, no copies. */
export function lastUnsafeIndex(text: string): number {
  UNSAFE_GLOBAL.lastIndex = 0;
  let last = -1;
  for (let m = UNSAFE_GLOBAL.exec(text); m; m = UNSAFE_GLOBAL.exec(text)) last = m.index;
  return last;
}

/**
 * Returns the suffix of `text` that yields the same screen, or `text` itself when it is too short
 * or not plain. `capacity` is rows + scrollback + 1: the most rows a buffer can remember, plus one.
 */
export function compactPlainText(text: string, capacity: number, knownPlain = false): string {
  if (capacity <= 0 || (!knownPlain && !isPlainText(text))) return text;
  let lineFeeds = 0;
  for (let i = text.length - 1; i > 0; i--) {
    if (text.charCodeAt(i) !== 10) continue;
    lineFeeds++;
    // Cut only at a CRLF, so the kept text starts at column 0 exactly as the original did there.
    if (lineFeeds >= capacity && text.charCodeAt(i - 1) === 13) {
      return i - 1 === 0 ? text : text.slice(i - 1);
    }
  }
  return text;
}

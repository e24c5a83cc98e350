/**
 * Dropping the front of a plain-text flood before the screen model parses it.
 *
 * The headless terminal parses 15–20 MB/s on these machines while a PTY delivers 40–90 MB/s, so an
 * agent that runs `cat` on a big file would otherwise be throttled to the parser's speed. For text
 * that cannot change terminal state other than which text is on which row, the final screen
 * depends only on the last lines: everything earlier scrolls out of the scrollback. If the unparsed
 * text has at least `capacity` line feeds after a CRLF, the part before that CRLF can go without
 * changing the buffer, the cursor or any mode. The caller guarantees the preconditions that make
 * this exact: nothing unparsed before the text, a full-screen scroll region and insert mode off.
 */

const NON_ASCII = /[^\x00-\x7f]/;
const C1 = /[\x80-\x9f]/;

/**
 * Plain text holds no ESC (escape sequences), BS (can wrap backwards), SO/SI (charset shifts) or
 * C1 controls. NUL, BEL, VT and FF are harmless for compaction: VT/FF only add line feeds the count
 * does not see, which keeps more text, never less. This runs on every chunk of output, so it is
 * four memchr-fast `indexOf`s; the C1 scan only runs on non-ASCII text.
 */
export function isPlainText(text: string): boolean {
  if (text.indexOf('\x1b') >= 0 || text.indexOf('\x08') >= 0 || text.indexOf('\x0e') >= 0 || text.indexOf('\x0f') >= 0) return false;
  return !NON_ASCII.test(text) || !C1.test(text);
}

/** Where the kept tail of plain text starts: the CR of a CRLF, as chunk index and offset. */
export interface FloodCut {
  chunk: number;
  offset: number;
}

/**
 * The CRLF before the last `lineFeeds` line feeds of plain `chunks` (oldest first), or undefined
 * if there are not that many. Cutting only at a CRLF makes the kept text start at column 0, exactly
 * as the original did there. Walks back from the newest chunk, so the cost is proportional to what
 * is kept, not to the size of the flood.
 */
export function findFloodCut(chunks: readonly string[], lineFeeds: number): FloodCut | undefined {
  if (lineFeeds <= 0) return undefined;
  let seen = 0;
  for (let c = chunks.length - 1; c >= 0; c--) {
    const data = chunks[c];
    for (let i = data.lastIndexOf('\n'); i >= 0; i = i > 0 ? data.lastIndexOf('\n', i - 1) : -1) {
      if (++seen < lineFeeds) continue;
      if (i > 0 && data.charCodeAt(i - 1) === 13) return { chunk: c, offset: i - 1 };
      if (i === 0 && c > 0 && chunks[c - 1].endsWith('\r')) return { chunk: c - 1, offset: chunks[c - 1].length - 1 };
    }
  }
  return undefined;
}

/**
 * Returns the suffix of `text` that yields the same screen, or `text` itself when it is too short
 * or not plain. `capacity` is rows + scrollback + 1: the most rows a buffer can remember, plus one.
 */
export function compactPlainText(text: string, capacity: number): string {
  if (!isPlainText(text)) return text;
  const cut = findFloodCut([text], capacity);
  return cut && cut.offset > 0 ? text.slice(cut.offset) : text;
}

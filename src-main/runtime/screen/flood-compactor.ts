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
 *
 * The screen model drops only flood text (plain and ASCII) and only after a head that leaves the
 * cursor on a blank bottom row (findFloodHead), so the rows the dropped text would have scrolled
 * away can be synthesized exactly for the scroll tap (dropped-rows.ts).
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

/** Anything but printable ASCII, CR and LF. */
const NOT_PRINTABLE = /[^\x20-\x7e\r\n]/;

/**
 * How the screen model may treat a chunk of output:
 * - `printable`: printable ASCII, CR and LF only — flood text that row synthesis takes line by line;
 * - `flood`: plain text whose every character takes one or two cells (`charWidth`, from the
 *   terminal's own Unicode tables) or is a C0 control or DEL — may still be dropped, its rows
 *   synthesized character by character;
 * - `other`: escape sequences, BS, SO/SI, C1 controls, zero-width characters (which join the one
 *   before), or anything outside the BMP — parsed in full.
 * One regex scan for the common case; a native byte count for ASCII; a loop only over text that
 * holds non-ASCII characters.
 */
export type FloodClass = 'printable' | 'flood' | 'other';

export function classifyFloodText(text: string, charWidth?: (codePoint: number) => number): FloodClass {
  if (!NOT_PRINTABLE.test(text)) return 'printable';
  if (text.indexOf('\x1b') >= 0 || text.indexOf('\x08') >= 0 || text.indexOf('\x0e') >= 0 || text.indexOf('\x0f') >= 0) return 'other';
  // UTF-8 needs one byte per character exactly when all of them are ASCII (a native, fast count).
  if (Buffer.byteLength(text, 'utf8') === text.length) return 'flood';
  if (!charWidth) return 'other';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    // C1 controls act (NEL feeds a line, CSI starts a sequence); surrogates pair up beyond the BMP.
    if (code < 0xa0 || (code >= 0xd800 && code <= 0xdfff)) return 'other';
    const width = charWidth(code);
    if (width !== 1 && width !== 2) return 'other';
  }
  return 'flood';
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

/** A position in a list of chunks: chunk index and offset within it. */
export type ChunkPosition = FloodCut;

/**
 * Just past the first CRLF that has at least `lineFeeds` line feeds up to and including it, or
 * undefined if there is none yet. With `lineFeeds` = the screen's rows, plain text from there on
 * starts at column 0 of a blank bottom row wherever the cursor was: the row the last line feed
 * scrolled in. Walks forward, so the cost is proportional to the head, not to the flood.
 */
export function findFloodHead(chunks: readonly string[], lineFeeds: number): ChunkPosition | undefined {
  let seen = 0;
  for (let c = 0; c < chunks.length; c++) {
    const data = chunks[c];
    for (let i = data.indexOf('\n'); i >= 0; i = data.indexOf('\n', i + 1)) {
      if (++seen < lineFeeds) continue;
      const afterCr = i > 0 ? data.charCodeAt(i - 1) === 13 : c > 0 && chunks[c - 1].endsWith('\r');
      if (afterCr) return { chunk: c, offset: i + 1 };
    }
  }
  return undefined;
}

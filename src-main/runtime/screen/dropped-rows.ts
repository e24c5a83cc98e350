/**
 * The rows a terminal would have scrolled away while printing text that flood compaction drops
 * unparsed (feed-queue.ts), so the scroll tap still sees every row: a reply captured during a
 * busy turn, and the logs, stay whole while the parser only sees the last screenful of a flood.
 *
 * It reproduces exactly what xterm.js 6 does with plain text of one- and two-cell characters (no
 * escape sequences, no BS, SO or SI, no C1 controls, nothing zero-width or beyond the BMP: see
 * classifyFloodText), printed from column 0 of a blank row with the cursor on the bottom row of a
 * full-screen scroll region, where every line feed scrolls and every new row starts blank:
 * - printable characters fill one cell, or two for wide ones (CJK); one that does not fit before
 *   the right margin wraps to a new row marked as a continuation, clearing the rest of the old row
 *   (DECAWM on), or overwrites the last cell (DECAWM off; a wide one is dropped);
 * - writing over either half of a wide character clears the other half;
 * - CR returns to column 0 of the current row; later text overwrites the cells it covers;
 * - LF, VT and FF start a new row (and return to column 0 under LNM, xterm's `convertEol`); a
 *   pending wrap at the margin moves the cursor back to the last column;
 * - HT moves to the next tab stop (or the last column) without writing cells;
 * - every other C0 control and DEL leaves the screen as it is.
 * A row's text is what xterm's `translateToString(true)` returns: cells up to the last one with
 * content, empty cells in between as spaces, a wide character once. The flood-rows tests check all
 * of this against xterm itself on random text.
 */

export interface RowGeometry {
  cols: number;
  /** DECAWM: text wraps at the right margin. */
  wraparound: boolean;
  /** LNM: a line feed also returns the cursor to column 0. */
  convertEol: boolean;
  /** Tab-stop columns, ascending. */
  tabStops: readonly number[];
  /** Cells xterm gives a character from U+00A0 on (1 or 2; the caller lets no others through). */
  charWidth(codePoint: number): number;
}

export interface SynthesizedRow {
  text: string;
  /** The row continues the previous one (soft wrap). */
  wrapped: boolean;
}

export interface SynthesizedRows {
  /** Rows produced in all. */
  count: number;
  /** The last of them (as many as were asked to be kept), oldest first. */
  rows: SynthesizedRow[];
}

/** Marks the second cell of a wide character. */
const STUB = '';

/**
 * The newest rows are kept in a ring of entries, each one or more rows: a row built cell by cell,
 * or (the common case, and the reason a flood costs a line-feed scan rather than a string per row)
 * a line of printable ASCII that started on a fresh row and ended in CRLF, kept as a span of the
 * text it came from and cut into rows only if it is among the newest `keep` rows at the end.
 */
export class RowSynthesizer {
  /** Cells of the current row: a character, STUB (second half of a wide one), or empty. */
  private row: (string | undefined)[] = [];
  private x = 0;
  private wrapped = false;
  private count = 0;
  private entries = 0;
  private readonly entryText: string[] = [];
  /** Span bounds in `entryText`, or -1 for a built row. */
  private readonly entryStart: Int32Array;
  private readonly entryEnd: Int32Array;
  private readonly entryWrapped: Uint8Array;
  private finished = false;
  /** Chars fed so far. */
  fedChars = 0;

  /** @param keep how many of the newest rows to keep (older ones are only counted). */
  constructor(
    private readonly geometry: RowGeometry,
    private readonly keep: number,
  ) {
    this.entryStart = new Int32Array(keep);
    this.entryEnd = new Int32Array(keep);
    this.entryWrapped = new Uint8Array(keep);
  }

  /**
   * Prints `text`, which continues whatever was fed before. `printable`: the caller checked that
   * it holds nothing but printable ASCII, CR and LF.
   */
  feed(text: string, printable: boolean): void {
    if (this.finished) throw new Error('RowSynthesizer: feed after finish');
    this.fedChars += text.length;
    const spans = printable && this.geometry.wraparound;
    let start = 0;
    while (start < text.length) {
      const lf = text.indexOf('\n', start);
      if (lf < 0) {
        this.printLine(text, start, text.length, printable);
        return;
      }
      if (spans && this.x === 0 && this.row.length === 0 && !this.wrapped && lf > start && text.charCodeAt(lf - 1) === 13 && text.indexOf('\r', start) === lf - 1) {
        // Printed from column 0 of a fresh row, then CR and LF: the cursor ends on a fresh row at 0.
        this.pushSpan(text, start, lf - 1);
      } else {
        this.printLine(text, start, lf, printable);
        this.lineFeed();
      }
      start = lf + 1;
    }
  }

  /** Ends the text: the current row counts as produced (the next line feed would scroll it away). */
  finish(): SynthesizedRows {
    if (!this.finished) {
      this.finished = true;
      this.emitRow();
    }
    const newestFirst: SynthesizedRow[] = [];
    const cols = this.geometry.cols;
    for (let e = this.entries - 1; e >= Math.max(0, this.entries - this.keep) && newestFirst.length < this.keep; e--) {
      const slot = e % this.keep;
      const text = this.entryText[slot];
      const start = this.entryStart[slot];
      if (start < 0) {
        newestFirst.push({ text, wrapped: this.entryWrapped[slot] === 1 });
        continue;
      }
      const end = this.entryEnd[slot];
      const rows = spanRows(end - start, cols);
      for (let k = rows - 1; k >= 0 && newestFirst.length < this.keep; k--) {
        newestFirst.push({ text: text.slice(start + k * cols, Math.min(end, start + (k + 1) * cols)), wrapped: k > 0 });
      }
    }
    return { count: this.count, rows: newestFirst.reverse() };
  }

  private printLine(text: string, start: number, end: number, printable: boolean): void {
    if (printable) this.printSimple(text, start, end);
    else this.printControlled(text, start, end);
  }

  /** Printable ASCII and CRs only, between `start` and `end`. */
  private printSimple(text: string, start: number, end: number): void {
    let from = start;
    while (from < end) {
      const cr = text.indexOf('\r', from);
      const stop = cr < 0 || cr >= end ? end : cr;
      if (stop > from) this.print(text.slice(from, stop));
      if (stop === end) return;
      this.x = 0;
      from = stop + 1;
    }
  }

  private printControlled(text: string, start: number, end: number): void {
    let run = start;
    for (let i = start; i < end; i++) {
      const code = text.charCodeAt(i);
      if ((code >= 0x20 && code <= 0x7e) || code >= 0xa0) continue; // printable (one or two cells)
      if (i > run) this.print(text.slice(run, i));
      run = i + 1;
      if (code === 0x0d) this.x = 0;
      else if (code === 0x09) this.tab();
      else if (code === 0x0b || code === 0x0c) this.lineFeed();
      else if (code >= 0x80) throw new Error('RowSynthesizer: C1 control in flood text');
      // Other C0 controls and DEL change nothing on screen.
    }
    if (end > run) this.print(text.slice(run, end));
  }

  /** Prints a run of printable characters at the cursor, as xterm's InputHandler.print does. */
  private print(chars: string): void {
    const cols = this.geometry.cols;
    // Writing over the second half of a wide character clears its first half.
    if (this.x > 0 && this.cellWidth(this.x - 1) === 2) this.row[this.x - 1] = undefined;
    for (let i = 0; i < chars.length; i++) {
      const code = chars.charCodeAt(i);
      const width = code < 0xa0 ? 1 : this.geometry.charWidth(code);
      if (this.x + width > cols) {
        if (this.geometry.wraparound) {
          for (let c = this.x; c < cols; c++) this.row[c] = undefined;
          this.emitRow();
          this.wrapped = true;
          this.x = 0;
        } else {
          this.x = cols - 1;
          if (width === 2) continue;
        }
      }
      this.row[this.x] = chars[i];
      if (width === 2) this.row[this.x + 1] = STUB;
      this.x += width;
    }
    // A wide character whose first half was just overwritten loses its second half too.
    if (this.x < cols && this.row[this.x] === STUB) this.row[this.x] = undefined;
  }

  private cellWidth(index: number): number {
    const cell = this.row[index];
    if (cell === undefined) return 1;
    if (cell === STUB) return 0;
    const code = cell.charCodeAt(0);
    return code < 0xa0 ? 1 : this.geometry.charWidth(code);
  }

  /** xterm's translateToString(true) for the current row. */
  private rowText(): string {
    const row = this.row;
    let last = row.length - 1;
    while (last >= 0 && (row[last] === undefined || row[last] === STUB)) last--;
    if (last < 0) return '';
    const end = last + this.cellWidth(last);
    let text = '';
    for (let i = 0; i < end; ) {
      const cell = row[i];
      if (cell === undefined || cell === STUB) {
        text += ' ';
        i++;
      } else {
        text += cell;
        i += this.cellWidth(i);
      }
    }
    return text;
  }

  private tab(): void {
    const cols = this.geometry.cols;
    if (this.x >= cols) return;
    const next = this.geometry.tabStops.find((stop) => stop > this.x);
    this.x = next === undefined || next >= cols ? cols - 1 : next;
  }

  private lineFeed(): void {
    this.emitRow();
    this.wrapped = false;
    if (this.geometry.convertEol) this.x = 0;
    if (this.x >= this.geometry.cols) this.x--;
  }

  private emitRow(): void {
    const slot = this.entries++ % this.keep;
    this.entryText[slot] = this.rowText();
    this.entryStart[slot] = -1;
    this.entryWrapped[slot] = this.wrapped ? 1 : 0;
    this.count++;
    this.row = [];
  }

  private pushSpan(text: string, start: number, end: number): void {
    const slot = this.entries++ % this.keep;
    this.entryText[slot] = text;
    this.entryStart[slot] = start;
    this.entryEnd[slot] = end;
    this.count += spanRows(end - start, this.geometry.cols);
  }
}

/** Rows a line of `length` printable characters takes from column 0 with autowrap on. */
function spanRows(length: number, cols: number): number {
  return length === 0 ? 1 : Math.ceil(length / cols);
}

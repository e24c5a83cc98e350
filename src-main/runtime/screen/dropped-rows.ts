/**
 * The rows a terminal would have scrolled away while printing text that flood compaction drops
 * unparsed (feed-queue.ts), so the scroll tap still sees every row: a reply captured during a
 * busy turn, and the logs, stay whole while the parser only sees the last screenful of a flood.
 *
 * It reproduces exactly what xterm.js 6 does with plain text of one-cell characters (no escape
 * sequences, no BS, SO or SI, no C1 controls, nothing wide or zero-width: see classifyFloodText),
 * printed from column 0 of a blank row with the cursor on the bottom row of a full-screen scroll
 * region, where every line feed scrolls and every new row starts blank:
 * - printable characters (0x20–0x7e, and from 0xa0 the one-cell characters the caller let through)
 *   fill one cell each; at the right margin they wrap to a new row marked as a continuation
 *   (DECAWM on), or keep overwriting the last cell (DECAWM off);
 * - CR returns to column 0 of the current row; later text overwrites the cells it covers;
 * - LF, VT and FF start a new row (and return to column 0 under LNM, xterm's `convertEol`); a
 *   pending wrap at the margin moves the cursor back to the last column;
 * - HT moves to the next tab stop (or the last column) without writing cells;
 * - every other C0 control and DEL leaves the screen as it is.
 * A row's text is what xterm's `translateToString(true)` returns: cells up to the last written one,
 * unwritten cells in between as spaces. The screen-model tests check all of this against xterm
 * itself on random text.
 */

export interface RowGeometry {
  cols: number;
  /** DECAWM: text wraps at the right margin. */
  wraparound: boolean;
  /** LNM: a line feed also returns the cursor to column 0. */
  convertEol: boolean;
  /** Tab-stop columns, ascending. */
  tabStops: readonly number[];
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

/**
 * The newest rows are kept in a ring of entries, each one or more rows: a row built cell by cell,
 * or (the common case, and the reason a flood costs a line-feed scan rather than a string per row)
 * a line of printable ASCII that started on a fresh row and ended in CRLF, kept as a span of the
 * text it came from and cut into rows only if it is among the newest `keep` rows at the end.
 */
export class RowSynthesizer {
  /** Cells of the current row up to the last written one; unwritten cells are spaces. */
  private cells = '';
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
      if (spans && this.x === 0 && this.cells === '' && !this.wrapped && lf > start && text.charCodeAt(lf - 1) === 13 && text.indexOf('\r', start) === lf - 1) {
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
      if ((code >= 0x20 && code <= 0x7e) || code >= 0xa0) continue;
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

  /** Prints printable ASCII at the cursor. */
  private print(chars: string): void {
    const cols = this.geometry.cols;
    let i = 0;
    while (i < chars.length) {
      if (this.x >= cols) {
        if (this.geometry.wraparound) {
          this.emitRow();
          this.wrapped = true;
          this.x = 0;
        } else {
          // Without autowrap each further character overwrites the last cell: the last one stays.
          this.put(chars.slice(chars.length - 1), cols - 1);
          this.x = cols;
          return;
        }
      }
      const take = Math.min(chars.length - i, cols - this.x);
      this.put(take === chars.length ? chars : chars.slice(i, i + take), this.x);
      this.x += take;
      i += take;
    }
  }

  private put(chars: string, at: number): void {
    const length = this.cells.length;
    if (at === length) this.cells = length === 0 ? chars : this.cells + chars;
    else if (at > length) this.cells += ' '.repeat(at - length) + chars;
    else this.cells = this.cells.slice(0, at) + chars + this.cells.slice(at + chars.length);
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
    this.entryText[slot] = this.cells;
    this.entryStart[slot] = -1;
    this.entryWrapped[slot] = this.wrapped ? 1 : 0;
    this.count++;
    this.cells = '';
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

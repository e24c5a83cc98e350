import type { Terminal } from '@xterm/headless';
import type { SynthesizedRows } from './dropped-rows';
import { internalBufferService, type InternalBuffer, type InternalBufferLine } from './xterm-internals';

/**
 * Records every row that scrolls off the top of the screen (or of a scroll region), in order.
 *
 * Reading scrollback is not enough to recover a long reply: a TUI that scrolls inside a region
 * whose top is not row 0 (Codex draws its history that way), or that runs in the alternate screen,
 * or that uses CSI S, destroys the rows it scrolls away and xterm keeps nothing of them. The rows
 * all leave through xterm's `BufferService.scroll` (line feeds at the bottom margin) or through
 * CSI S, so we look at the row just before it goes.
 *
 * `BufferService.scroll` is private API (see xterm-internals.ts).
 *
 * Rows of a flood that compaction dropped before parsing (feed-queue.ts) never reach xterm; they
 * come in as synthesized rows (dropped-rows.ts) and take the place of the one blank row xterm
 * scrolls away instead of them, so the sequence is the same as if every byte had been parsed.
 */

/**
 * xterm builds a row's text with `+=`, which V8 keeps as a rope of ~60 nodes per 100-character row
 * (~2.8 KB instead of ~120 bytes). Reading the string as a number makes V8 flatten it in place;
 * the number itself is discarded. Without this, 1000 rows of history cost ~3 MB per agent.
 */
export function flatten(text: string): string {
  Number(text);
  return text;
}

export interface TappedRow {
  /** Monotonic sequence number, so consumers can ask for "rows since N". */
  seq: number;
  text: string;
  /** The row continues the previous one (soft wrap). */
  wrapped: boolean;
  /**
   * The row was on screen when the whole screen was erased (ED 2, what `clear` sends), not
   * scrolled off. Logs keep it; a turn's reply does not (it may predate the turn).
   */
  erased?: true;
}

interface PendingReplacement {
  /** Real rows still to be tapped before the one to replace. */
  passing: number;
  rows: SynthesizedRows;
}

export class ScrollTap {
  /** Circular buffer: slot `seq % capacity` holds row `seq`. */
  private readonly ring: TappedRow[] = [];
  private nextSeq = 0;
  private replacement: PendingReplacement | undefined;
  /** Text of the last erased screen recorded (see recordErasedScreen). */
  private lastErased = '';
  readonly active: boolean;

  /** @param capacity rows kept; older rows are forgotten first. */
  constructor(
    terminal: Terminal,
    private readonly capacity: number,
  ) {
    const service = internalBufferService(terminal);
    this.active = service !== undefined;
    if (!service) return;
    const originalScroll = service.scroll.bind(service);
    service.scroll = (eraseAttr: unknown, isWrapped?: boolean) => {
      const buffer = service.buffer;
      this.record(buffer.lines.get(buffer.ybase + buffer.scrollTop));
      originalScroll(eraseAttr, isWrapped);
    };
    // CSI Ps S (scroll up) removes rows from the top of the region without calling scroll().
    terminal.parser.registerCsiHandler({ final: 'S' }, (params) => {
      const buffer = service.buffer;
      const first = params[0];
      const count = Math.max(1, typeof first === 'number' ? first : 1);
      const height = buffer.scrollBottom - buffer.scrollTop + 1;
      for (let i = 0; i < Math.min(count, height); i++) this.record(buffer.lines.get(buffer.ybase + buffer.scrollTop + i));
      return false; // let xterm's own handler run
    });
    // CSI 2 J (erase the whole screen: `clear`, Ctrl+L) wipes the rows in place; xterm keeps none
    // of them. Logs should still show what was there. Only the normal screen: a full-screen program
    // in the alternate screen redraws its own UI, which is not history.
    terminal.parser.registerCsiHandler({ final: 'J' }, (params) => {
      if (params[0] !== 2 || terminal.buffer.active.type !== 'normal') return false;
      this.recordErasedScreen(service.buffer, terminal.rows);
      return false;
    });
  }

  /** The non-blank part of the screen about to be erased, unless it is what the last erase saw. */
  private recordErasedScreen(buffer: InternalBuffer, rows: number): void {
    const lines: InternalBufferLine[] = [];
    for (let y = 0; y < rows; y++) {
      const line = buffer.lines.get(buffer.ybase + y);
      if (line) lines.push(line);
    }
    const texts = lines.map((line) => line.translateToString(true));
    while (texts.length > 0 && texts[texts.length - 1] === '') texts.pop();
    const joined = texts.join('\n');
    // A program that clears and redraws the same screen (a prompt after each `clear`) adds it once.
    if (texts.length === 0 || joined === this.lastErased) return;
    this.lastErased = joined;
    for (let i = 0; i < texts.length; i++) {
      const seq = this.nextSeq++;
      this.ring[seq % this.capacity] = { seq, text: flatten(texts[i]), wrapped: lines[i].isWrapped, erased: true };
    }
  }

  private record(line: InternalBufferLine | undefined): void {
    if (!line) return;
    const replacement = this.replacement;
    if (replacement && replacement.passing-- === 0) {
      this.replacement = undefined;
      this.recordSynthesized(replacement.rows);
      return;
    }
    this.store(line.translateToString(true), line.isWrapped);
  }

  private store(text: string, wrapped: boolean): void {
    const seq = this.nextSeq++;
    this.ring[seq % this.capacity] = { seq, text: flatten(text), wrapped };
  }

  private recordSynthesized(synthesized: SynthesizedRows): void {
    // Rows older than what the ring holds only advance the sequence, as if tapped and forgotten.
    const kept = synthesized.rows.slice(-this.capacity);
    this.nextSeq += synthesized.count - kept.length;
    for (const row of kept) this.store(row.text, row.wrapped);
  }

  /**
   * After `passing` more rows have been tapped, the next row xterm scrolls away is replaced by
   * `rows`: the caller parsed text up to a line feed that left the cursor on a blank bottom row,
   * dropped what followed, and the rows that text would have produced start on that blank row.
   */
  replaceAhead(passing: number, rows: SynthesizedRows): void {
    this.flushReplacement();
    this.replacement = { passing, rows };
  }

  /**
   * Records a pending replacement now. For when the count it waits for no longer holds (the
   * terminal is resized mid-flood): the rows keep their order among themselves and come at most
   * a screenful early.
   */
  flushReplacement(): void {
    const replacement = this.replacement;
    if (!replacement) return;
    this.replacement = undefined;
    this.recordSynthesized(replacement.rows);
  }

  /** Records synthesized rows now (after any pending replacement). */
  insertNow(rows: SynthesizedRows): void {
    this.flushReplacement();
    this.recordSynthesized(rows);
  }

  /** The sequence number the next tapped row will get. */
  get position(): number {
    return this.nextSeq;
  }

  /** Rows tapped at or after `seq` that are still kept. */
  rowsSince(seq: number): TappedRow[] {
    const first = Math.max(seq, this.nextSeq - this.capacity, 0);
    const rows: TappedRow[] = [];
    for (let s = first; s < this.nextSeq; s++) rows.push(this.ring[s % this.capacity]);
    return rows;
  }

  /** The last `count` rows. */
  lastRows(count: number): TappedRow[] {
    return count <= 0 ? [] : this.rowsSince(this.nextSeq - count);
  }
}

import { type RowGeometry, RowSynthesizer, type SynthesizedRows } from './dropped-rows';
import { type ChunkPosition, classifyFloodText, findFloodCut, findFloodHead } from './flood-compactor';

/**
 * Decides what the screen's parser gets, and when.
 *
 * Sizes are in UTF-16 code units ("chars"), the unit xterm's write buffer counts in. The numbers
 * come from this machine class (2 cores): xterm parses ~15–20 MB/s, a PTY delivers 40–90 MB/s, and
 * the kernel buffers only a few hundred KB of PTY output. So:
 *
 * 1. The event loop must never stall for long. While it does not read, the PTY buffer fills and the
 *    agent blocks: at 75 MB/s the kernel's buffer lasts ~8 ms. Parsing therefore happens in pieces
 *    of PIECE_CHARS (~1 ms each) with a yield to I/O between pieces, and nothing here joins or
 *    scans a whole multi-megabyte batch at once.
 * 2. A plain-text flood is compacted (flood-compactor.ts): only the last `capacity` lines matter
 *    for the final screen. Whether each chunk is flood text (plain ASCII) is decided as it arrives.
 *    The scroll tap still gets every row, busy turn or not: the flood's head is parsed until the
 *    cursor sits on a blank bottom row, the middle is dropped and its rows synthesized
 *    (dropped-rows.ts), and a splice mark hands them to the tap in their place in the stream.
 *    Compaction is always on and decided here alone; nobody has to switch it off to keep a
 *    reply whole.
 * 3. While output arrives faster than FLOOD_CHARS_PER_WINDOW per FLOOD_WINDOW_MS, the next batch
 *    waits FLOOD_BATCH_DELAY_MS (or until FLOOD_BATCH_MAX chars wait). Each batch costs a full
 *    compacted scrollback of parsing (~100 KB, ~5 ms) however large it is, so few large batches are
 *    cheap and many small ones are not: at 100 ms, parsing takes ~5 % of the loop during a 70 MB/s
 *    flood (measured: 0.82–0.92 of raw node-pty throughput, against 0.71–0.79 at 50 ms), and the
 *    screen trails a flood by at most ~0.1 s. Ordinary agent output (a few KB per redraw, a few
 *    hundred KB/s at most) never counts as a flood and is parsed at once, so detection latency is
 *    unaffected.
 * 4. Output that cannot be compacted (a coloured flood) is parsed in full and may queue up. Above
 *    PENDING_HIGH the PTY is paused, below PENDING_LOW it resumes: ~0.4 s of parsing at most, which
 *    bounds how far detection trails the agent and stays far below the ~50 M chars at which xterm
 *    throws "write data discarded". PENDING_HIGH is above FLOOD_BATCH_MAX, so a compactable flood
 *    never pauses the PTY.
 */
const PIECE_CHARS = 16 * 1024;
const PENDING_HIGH = 8 * 1024 * 1024;
const PENDING_LOW = 2 * 1024 * 1024;
/** Below this, pending output is parsed as is: compaction cannot save more than it costs. */
const COMPACT_MIN = 16 * 1024;
const FLOOD_WINDOW_MS = 100;
const FLOOD_CHARS_PER_WINDOW = 100 * 1024;
const FLOOD_BATCH_DELAY_MS = 100;
const FLOOD_BATCH_MAX = 4 * 1024 * 1024;
/**
 * How much flood text may wait before the part compaction would drop anyway is discarded.
 * Waiting output that survives a young-generation GC is promoted and later needs a full GC to free
 * (17–22 ms pauses measured here); trimming every 256 KB (~3 ms at flood rates) lets it die young,
 * and it keeps row synthesis to small steps.
 */
const TRIM_AT = 256 * 1024;

/** What compaction needs to know about the terminal; undefined from the sink when it is not exact. */
export interface CompactionState {
  /** Lines the terminal can remember (rows + scrollback + 1). */
  capacity: number;
  /** Rows on screen: line feeds after which plain text surely starts on a blank bottom row. */
  rows: number;
  geometry: RowGeometry;
  /** Rows the scroll tap keeps (synthesizing older ones would be wasted). */
  tapCapacity: number;
}

export interface FeedSink {
  /** Parses `data`; calls `done` when it is parsed. */
  write(data: string, done: () => void): void;
  /** Called with every piece before it is parsed: the exact stream the terminal sees. */
  fed?(data: string): void;
  /** Called with the number of chars compaction dropped. */
  dropped?(chars: number): void;
  /** Cells the terminal gives a BMP code point (asked for non-ASCII text only). */
  charWidth?(codePoint: number): number;
  /**
   * The state that makes compaction exact (full-screen scroll region, insert mode off, ASCII
   * printed as is), or undefined when it does not hold.
   */
  compaction(): CompactionState | undefined;
  /**
   * Everything before dropped text has been parsed, ending in a line feed that left the cursor on
   * a blank bottom row; `rows` are what the dropped text would have scrolled away from there.
   */
  splice(rows: SynthesizedRows): void;
}

interface TextChunk {
  kind: 'text';
  data: string;
  /** Flood text: may be dropped with its rows synthesized (classifyFloodText). */
  flood: boolean;
  /** Printable ASCII, CR and LF only (row synthesis takes the fast path). */
  printable: boolean;
}

/** Where dropped text was: its rows, handed to the sink when parsing reaches this point. */
interface SpliceMark {
  kind: 'splice';
  synth: RowSynthesizer;
}

type Item = TextChunk | SpliceMark;

function textOf(items: readonly Item[]): string[] {
  return items.map((item) => (item.kind === 'text' ? item.data : ''));
}

export class FeedQueue {
  /**
   * Output not yet handed to the parser. Holds at most one splice mark, in the flood at its front:
   * preceded by the flood's head, followed by text that starts with the CRLF the dropped text
   * ended before.
   */
  private pending: Item[] = [];
  private pendingLength = 0;
  /** Pieces of the batch being parsed, not yet handed over. */
  private pieces: Item[] = [];
  private piecesLength = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private paused = false;
  private windowStart = 0;
  private windowChars = 0;
  private flooding = false;
  private disposed = false;
  /** Queued pieces that are not flood text. */
  private piecesNonFlood = 0;
  private inFlightFlood = true;
  private sinceTrim = 0;
  /** Chars dropped by compaction so far (a metric). */
  compactedChars = 0;

  private readonly charWidth: ((codePoint: number) => number) | undefined;

  constructor(
    private readonly sink: FeedSink,
    private readonly onPressure: (paused: boolean) => void,
  ) {
    this.charWidth = sink.charWidth?.bind(sink);
  }

  /** Chars received and not yet parsed. */
  get backlog(): number {
    return this.pendingLength + this.piecesLength + this.inFlight;
  }

  push(data: string): void {
    if (this.disposed || data.length === 0) return;
    const kind = classifyFloodText(data, this.charWidth);
    this.pending.push({ kind: 'text', data, flood: kind !== 'other', printable: kind === 'printable' });
    this.pendingLength += data.length;
    this.trackRate(data.length);
    this.sinceTrim += data.length;
    if (this.sinceTrim >= TRIM_AT) {
      this.sinceTrim = 0;
      this.trimFlood();
    }
    this.updatePressure();
    if (this.inFlight > 0 || this.pieces.length > 0) return; // the piece loop will come back for it
    if (this.flooding && this.pendingLength < FLOOD_BATCH_MAX) this.schedule(FLOOD_BATCH_DELAY_MS);
    else this.schedule(0);
  }

  private trackRate(chars: number): void {
    const now = Date.now();
    if (now - this.windowStart >= FLOOD_WINDOW_MS) {
      // A full window's verdict carries into the next one; a silent gap ends the flood.
      this.flooding = now - this.windowStart < 2 * FLOOD_WINDOW_MS && this.windowChars >= FLOOD_CHARS_PER_WINDOW;
      this.windowStart = now;
      this.windowChars = 0;
    }
    this.windowChars += chars;
    if (this.windowChars >= FLOOD_CHARS_PER_WINDOW) this.flooding = true;
  }

  /** Runs the feed loop after `delayMs` (0: after pending I/O). An earlier request wins. */
  private schedule(delayMs: number): void {
    if (this.immediate) return;
    if (delayMs > 0) {
      if (!this.timer) this.timer = setTimeout(() => this.run(), delayMs);
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.immediate = setImmediate(() => this.run());
  }

  private run(): void {
    this.timer = undefined;
    this.immediate = undefined;
    if (this.disposed || this.inFlight > 0) return;
    if (this.pieces.length === 0) this.takeBatch();
    let piece = this.pieces.shift();
    // Everything before a splice mark is parsed by now: the terminal is where the rows start.
    while (piece?.kind === 'splice') {
      this.sink.splice(piece.synth.finish());
      piece = this.pieces.shift();
    }
    if (piece === undefined) return;
    this.piecesLength -= piece.data.length;
    if (!piece.flood) this.piecesNonFlood--;
    this.inFlight = piece.data.length;
    this.inFlightFlood = piece.flood;
    this.sink.fed?.(piece.data);
    this.sink.write(piece.data, () => {
      this.inFlight = 0;
      this.updatePressure();
      if (this.disposed) return;
      if (this.pieces.length > 0) this.schedule(0);
      else if (this.pending.length > 0) this.schedule(this.flooding && this.pendingLength < FLOOD_BATCH_MAX ? FLOOD_BATCH_DELAY_MS : 0);
    });
  }

  /**
   * Drops pending flood text as it arrives, so it never piles up. Allowed only while everything
   * queued for the parser is flood text and the terminal's state permits compaction: then nothing
   * queued can change that state, and the flood at the front of `pending` needs nothing from what
   * precedes it but that.
   */
  private trimFlood(): void {
    if (this.piecesNonFlood > 0 || (this.inFlight > 0 && !this.inFlightFlood)) return;
    const state = this.sink.compaction();
    if (state) this.compactPending(state);
  }

  /** Moves pending output into `pieces`, compacting a flood on the way. */
  private takeBatch(): void {
    if (this.pending.length === 0) return;
    const hasSplice = this.pending.some((item) => item.kind === 'splice');
    if (hasSplice || this.pendingLength >= COMPACT_MIN) {
      const state = this.sink.compaction();
      if (state) this.compactPending(state);
      let lastUnsafe = -1;
      for (let i = this.pending.length - 1; i >= 0; i--) {
        const item = this.pending[i];
        if (item.kind === 'text' && !item.flood) {
          lastUnsafe = i;
          break;
        }
      }
      let tail = 0;
      for (let i = lastUnsafe + 1; i < this.pending.length; i++) {
        const item = this.pending[i];
        if (item.kind === 'text') tail += item.data.length;
      }
      // (A splice mark lies before the first non-flood chunk, so never in this tail.)
      if (lastUnsafe >= 0 && tail >= COMPACT_MIN) {
        // Parse up to the last escape sequence now; the flood after it is compacted next time,
        // once the terminal state it starts from is known.
        const now = this.pending.slice(0, lastUnsafe + 1);
        this.pending = this.pending.slice(lastUnsafe + 1);
        this.pendingLength = tail;
        this.addPieces(now);
        return;
      }
    }
    const all = this.pending;
    this.pending = [];
    this.pendingLength = 0;
    this.addPieces(all);
  }

  /**
   * For the flood text at the front of `pending` (up to the first chunk that is not flood text):
   * keeps its head (up to a line feed that leaves the cursor on a blank bottom row) and its tail
   * (from the CRLF before the last `capacity` line feeds, which alone decide the final screen),
   * and turns what lies between into synthesized rows at a splice mark. A later call extends the
   * same mark.
   */
  private compactPending(state: CompactionState): void {
    let end = this.pending.findIndex((item) => item.kind === 'text' && !item.flood);
    if (end < 0) end = this.pending.length;
    const run = this.pending.slice(0, end);
    const after = this.pending.slice(end);
    const markAt = run.findIndex((item) => item.kind === 'splice');
    let mark: SpliceMark | undefined;
    let prefix: Item[];
    let rest: Item[];
    if (markAt >= 0) {
      mark = run[markAt] as SpliceMark;
      prefix = run.slice(0, markAt);
      rest = run.slice(markAt + 1);
    } else {
      const head = findFloodHead(textOf(run), state.rows);
      if (!head) return;
      [prefix, rest] = splitItems(run, head);
    }
    const cut = findFloodCut(textOf(rest), state.capacity);
    if (!cut || (cut.chunk === 0 && cut.offset === 0)) return; // the tail starts right there: nothing to drop
    mark ??= { kind: 'splice', synth: new RowSynthesizer(state.geometry, state.tapCapacity) };
    const [dropped, kept] = splitItems(rest, cut);
    let chars = 0;
    for (const item of dropped) {
      if (item.kind !== 'text') continue;
      mark.synth.feed(item.data, item.printable);
      chars += item.data.length;
    }
    this.pending = [...prefix, mark, ...kept, ...after];
    this.pendingLength -= chars;
    this.compactedChars += chars;
    this.sink.dropped?.(chars);
  }

  private addPieces(items: readonly Item[]): void {
    // Consecutive small chunks are joined into pieces of up to PIECE_CHARS; large ones are split.
    let buffer: string[] = [];
    let bufferLength = 0;
    let bufferFlood = true;
    const flush = () => {
      if (bufferLength === 0) return;
      // (Pieces only go to the parser: whether they are printable no longer matters.)
      this.pieces.push({ kind: 'text', data: buffer.length === 1 ? buffer[0] : buffer.join(''), flood: bufferFlood, printable: false });
      this.piecesLength += bufferLength;
      if (!bufferFlood) this.piecesNonFlood++;
      buffer = [];
      bufferLength = 0;
      bufferFlood = true;
    };
    for (const item of items) {
      if (item.kind === 'splice') {
        flush();
        this.pieces.push(item);
        continue;
      }
      for (let start = 0; start < item.data.length; start += PIECE_CHARS) {
        const part = start === 0 && item.data.length <= PIECE_CHARS ? item.data : item.data.slice(start, start + PIECE_CHARS);
        if (bufferLength + part.length > PIECE_CHARS) flush();
        buffer.push(part);
        bufferLength += part.length;
        bufferFlood &&= item.flood;
      }
    }
    flush();
  }

  private updatePressure(): void {
    if (!this.paused && this.pendingLength >= PENDING_HIGH) {
      this.paused = true;
      this.onPressure(true);
    } else if (this.paused && this.pendingLength <= PENDING_LOW) {
      this.paused = false;
      this.onPressure(false);
    }
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.pending = [];
    this.pieces = [];
    this.pendingLength = 0;
    this.piecesLength = 0;
    this.piecesNonFlood = 0;
  }
}

/**
 * Splits items at `position` (an index into the items, counting splice marks as empty text):
 * everything before it, and everything from it on. A text chunk cut in the middle is sliced.
 */
function splitItems(items: readonly Item[], position: ChunkPosition): [Item[], Item[]] {
  const before = items.slice(0, position.chunk);
  const after = items.slice(position.chunk + 1);
  const at = items[position.chunk];
  if (at === undefined) return [before, after];
  if (at.kind === 'splice' || position.offset === 0) return [before, [at, ...after]];
  if (position.offset >= at.data.length) return [[...before, at], after];
  return [
    [...before, { ...at, data: at.data.slice(0, position.offset) }],
    [{ ...at, data: at.data.slice(position.offset) }, ...after],
  ];
}

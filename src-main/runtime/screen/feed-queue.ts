import { findFloodCut, isPlainText } from './flood-compactor';

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
 *    for the final screen. Whether each chunk is plain is decided as it arrives, so dropping the
 *    front of a flood is a matter of discarding whole chunks.
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
 * How much plain output may wait before the part compaction would drop anyway is discarded.
 * Waiting output that survives a young-generation GC is promoted and later needs a full GC to free
 * (17–22 ms pauses measured here); trimming every 256 KB (~3 ms at flood rates) lets it die young.
 */
const TRIM_AT = 256 * 1024;

export interface FeedSink {
  /** Parses `data`; calls `done` when it is parsed. */
  write(data: string, done: () => void): void;
  /** Called with every piece before it is parsed: the exact stream the terminal sees. */
  fed?(data: string): void;
  /** Called with the number of chars compaction dropped. */
  dropped?(chars: number): void;
  /** Lines the terminal can remember (rows + scrollback + 1). */
  capacity(): number;
  /** The terminal's current state lets plain text be compacted exactly. */
  compactable(): boolean;
}

interface Chunk {
  data: string;
  plain: boolean;
}


export class FeedQueue {
  private pending: Chunk[] = [];
  private pendingLength = 0;
  /** Pieces of the batch being parsed, not yet handed over. */
  private pieces: Chunk[] = [];
  private piecesLength = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private paused = false;
  private windowStart = 0;
  private windowChars = 0;
  private flooding = false;
  private compactionEnabled = true;
  private disposed = false;
  /** Pending chunks and queued pieces that are not plain text. */
  private pendingNonPlain = 0;
  private piecesNonPlain = 0;
  private inFlightPlain = true;
  private sinceTrim = 0;
  /** Chars dropped by compaction so far (a metric). */
  compactedChars = 0;

  constructor(
    private readonly sink: FeedSink,
    private readonly onPressure: (paused: boolean) => void,
  ) {}

  /** Chars received and not yet parsed. */
  get backlog(): number {
    return this.pendingLength + this.piecesLength + this.inFlight;
  }

  setCompaction(enabled: boolean): void {
    this.compactionEnabled = enabled;
  }

  push(data: string): void {
    if (this.disposed || data.length === 0) return;
    const plain = isPlainText(data);
    this.pending.push({ data, plain });
    this.pendingLength += data.length;
    if (!plain) this.pendingNonPlain++;
    this.trackRate(data.length);
    this.sinceTrim += data.length;
    if (this.sinceTrim >= TRIM_AT) {
      this.sinceTrim = 0;
      this.trimFloodPrefix();
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
    const piece = this.pieces.shift();
    if (piece === undefined) return;
    this.piecesLength -= piece.data.length;
    if (!piece.plain) this.piecesNonPlain--;
    this.inFlight = piece.data.length;
    this.inFlightPlain = piece.plain;
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
   * Discards whole pending chunks that compaction would drop. Allowed only when everything not yet
   * parsed is plain and the terminal's state permits compaction: then the state the pending text
   * starts from is the current one, whatever the queued pieces do.
   */
  private trimFloodPrefix(): void {
    if (!this.compactionEnabled || this.pendingNonPlain > 0 || this.piecesNonPlain > 0 || this.pending.length < 2) return;
    if (this.inFlight > 0 && !this.inFlightPlain) return;
    if (!this.sink.compactable()) return;
    // One line feed more than compaction needs, so takeBatch still finds its cut in what is kept.
    const cut = findFloodCut(this.pending.map((c) => c.data), this.sink.capacity() + 1);
    if (!cut || cut.chunk === 0) return;
    let dropped = 0;
    for (let i = 0; i < cut.chunk; i++) dropped += this.pending[i].data.length;
    this.pending = this.pending.slice(cut.chunk);
    this.pendingLength -= dropped;
    this.recordDropped(dropped);
  }

  private recordDropped(chars: number): void {
    this.compactedChars += chars;
    this.sink.dropped?.(chars);
  }

  /** Moves pending output into `pieces`, compacting a plain flood on the way. */
  private takeBatch(): void {
    if (this.pending.length === 0) return;
    let chunks = this.pending;
    if (this.compactionEnabled && this.pendingLength >= COMPACT_MIN) {
      let lastUnsafe = -1;
      for (let i = chunks.length - 1; i >= 0; i--) {
        if (!chunks[i].plain) {
          lastUnsafe = i;
          break;
        }
      }
      if (lastUnsafe >= 0) {
        // Parse up to the last escape sequence now; the plain run after it is compacted next
        // time, once the terminal state it starts from is known.
        let tail = 0;
        for (let i = lastUnsafe + 1; i < chunks.length; i++) tail += chunks[i].data.length;
        if (tail >= COMPACT_MIN) {
          this.pending = chunks.slice(lastUnsafe + 1);
          this.pendingLength = tail;
          this.pendingNonPlain = 0;
          this.addPieces(chunks.slice(0, lastUnsafe + 1));
          return;
        }
      } else if (this.sink.compactable()) {
        chunks = this.dropFloodPrefix(chunks);
      }
    }
    this.pending = [];
    this.pendingLength = 0;
    this.pendingNonPlain = 0;
    this.addPieces(chunks);
  }

  /** For all-plain chunks: keeps the text from the CRLF before the last `capacity` line feeds. */
  private dropFloodPrefix(chunks: Chunk[]): Chunk[] {
    const cut = findFloodCut(chunks.map((c) => c.data), this.sink.capacity());
    if (!cut || (cut.chunk === 0 && cut.offset === 0)) return chunks;
    let dropped = cut.offset;
    for (let d = 0; d < cut.chunk; d++) dropped += chunks[d].data.length;
    this.recordDropped(dropped);
    return [{ data: chunks[cut.chunk].data.slice(cut.offset), plain: true }, ...chunks.slice(cut.chunk + 1)];
  }

  private addPieces(chunks: readonly Chunk[]): void {
    // Consecutive small chunks are joined into pieces of up to PIECE_CHARS; large ones are split.
    let buffer: string[] = [];
    let bufferLength = 0;
    let bufferPlain = true;
    const flush = () => {
      if (bufferLength === 0) return;
      this.pieces.push({ data: buffer.length === 1 ? buffer[0] : buffer.join(''), plain: bufferPlain });
      this.piecesLength += bufferLength;
      if (!bufferPlain) this.piecesNonPlain++;
      buffer = [];
      bufferLength = 0;
      bufferPlain = true;
    };
    for (const chunk of chunks) {
      for (let start = 0; start < chunk.data.length; start += PIECE_CHARS) {
        const part = start === 0 && chunk.data.length <= PIECE_CHARS ? chunk.data : chunk.data.slice(start, start + PIECE_CHARS);
        if (bufferLength + part.length > PIECE_CHARS) flush();
        buffer.push(part);
        bufferLength += part.length;
        bufferPlain &&= chunk.plain;
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
    this.pendingNonPlain = 0;
    this.piecesNonPlain = 0;
  }
}

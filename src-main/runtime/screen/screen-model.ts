import { SerializeAddon } from '@xterm/addon-serialize';
import { Terminal } from '@xterm/headless';
import { type CompactionState, FeedQueue } from './feed-queue';
import { flatten, ScrollTap, type TappedRow } from './scroll-tap';
import { internalBufferService, internalCharWidth, printsAsciiAsIs } from './xterm-internals';

/**
 * What the terminal shows, kept by a headless xterm.js of the session's size. State detection reads
 * the rendered screen (rows, with soft-wrapped rows joined), never raw bytes: redraws, spinners and
 * cursor moves all end up as the text a person would see.
 */

export interface ScreenSnapshot {
  cols: number;
  rows: number;
  /** Visible rows, right-trimmed; length === rows. */
  rowTexts: string[];
  /** rowTexts[i] continues rowTexts[i - 1]. */
  wrapped: boolean[];
  /** Visible logical lines (wrapped rows joined), trailing blank lines removed. */
  lines: string[];
  /** `lines` joined with '\n'. */
  text: string;
  cursorX: number;
  cursorY: number;
  altScreen: boolean;
  title: string;
  /**
   * The last state the program reported out of band, if it does: Codex sends
   * `OSC 7501 ; state=working:app=codex` (working, done, idle, blocked:…:kind=permission).
   */
  reportedState?: string;
}

export interface ScreenModes {
  applicationCursorKeys: boolean;
  bracketedPaste: boolean;
}

export interface ScreenModelOptions {
  cols: number;
  rows: number;
  scrollback: number;
  /** Rows remembered by the scroll tap (logs and reply capture). */
  tapCapacity?: number;
}

type Listener = () => void;

/** Joins soft-wrapped rows into logical lines. */
export function joinWrapped(rows: readonly { text: string; wrapped: boolean }[]): string[] {
  const lines: string[] = [];
  for (const row of rows) {
    if (row.wrapped && lines.length > 0) lines[lines.length - 1] += row.text;
    else lines.push(row.text);
  }
  return lines;
}

export class ScreenModel {
  readonly terminal: Terminal;
  private readonly serializer = new SerializeAddon();
  private readonly tap: ScrollTap;
  private readonly tapCapacity: number;
  /** xterm's own character widths (its active Unicode version), if it exposes them. */
  private readonly charWidth: ((codePoint: number) => number) | undefined;
  private readonly feed: FeedQueue;
  private cached: ScreenSnapshot | undefined;
  private title = '';
  private reportedState: string | undefined;
  private disposed = false;
  private readonly changeListeners = new Set<Listener>();
  private readonly pressureListeners = new Set<(paused: boolean) => void>();
  private readonly fedListeners = new Set<(data: string) => void>();
  private readonly droppedListeners = new Set<(chars: number) => void>();

  constructor(options: ScreenModelOptions) {
    this.terminal = new Terminal({
      cols: options.cols,
      rows: options.rows,
      scrollback: options.scrollback,
      allowProposedApi: true,
      // xterm logs malformed sequences to the console; the bytes come from the agent, so a program
      // printing garbage would otherwise flood the runtime's own stderr.
      logLevel: 'off',
    });
    this.terminal.loadAddon(this.serializer);
    this.charWidth = internalCharWidth(this.terminal);
    this.tapCapacity = options.tapCapacity ?? Math.max(2_000, options.scrollback * 2);
    this.tap = new ScrollTap(this.terminal, this.tapCapacity);
    this.terminal.onWriteParsed(() => {
      this.cached = undefined;
      for (const listener of this.changeListeners) listener();
    });
    this.terminal.onTitleChange((title) => {
      this.title = title;
    });
    this.terminal.parser.registerOscHandler(7501, (data) => {
      this.reportedState = data;
      this.cached = undefined;
      return true;
    });
    this.feed = new FeedQueue(
      {
        write: (data, done) => this.terminal.write(data, done),
        fed: (data) => {
          for (const listener of this.fedListeners) listener(data);
        },
        dropped: (chars) => {
          for (const listener of this.droppedListeners) listener(chars);
        },
        compaction: () => this.compactionState(),
        charWidth: this.charWidth,
        splice: (rows) => {
          // The feed queue parsed up to a line feed on the bottom row, so the next rows - 1 rows
          // to scroll away are the ones above the cursor, then the blank row the dropped text
          // started on. Anything else (a resize moved the cursor) records the rows at once.
          const buffer = internalBufferService(this.terminal)?.buffer;
          if (buffer && buffer.x === 0 && buffer.y === this.terminal.rows - 1) this.tap.replaceAhead(this.terminal.rows - 1, rows);
          else this.tap.insertNow(rows);
        },
      },
      (paused) => {
        for (const listener of this.pressureListeners) listener(paused);
      },
    );
  }

  /** Total chars dropped by flood compaction (a metric). */
  get compactedChars(): number {
    return this.feed.compactedChars;
  }

  get cols(): number {
    return this.terminal.cols;
  }
  get rows(): number {
    return this.terminal.rows;
  }
  get tapActive(): boolean {
    return this.tap.active;
  }

  /** Fires after xterm parsed new data (coalesced by xterm per write batch). */
  onChange(listener: Listener): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /**
   * Every piece of output exactly as the terminal parses it (after flood compaction), and the
   * chars compaction skipped. Replaying the pieces reproduces every screen the model had.
   */
  onFed(listener: (data: string) => void): () => void {
    this.fedListeners.add(listener);
    return () => this.fedListeners.delete(listener);
  }

  onDropped(listener: (chars: number) => void): () => void {
    this.droppedListeners.add(listener);
    return () => this.droppedListeners.delete(listener);
  }

  /** Fires with `true` when the PTY should pause (too much unparsed output) and `false` to resume. */
  onBackpressure(listener: (paused: boolean) => void): () => void {
    this.pressureListeners.add(listener);
    return () => this.pressureListeners.delete(listener);
  }

  /** Chars received but not yet parsed. */
  get pendingChars(): number {
    return this.feed.backlog;
  }

  write(data: string): void {
    if (this.disposed) return;
    this.feed.push(data);
  }

  /**
   * Compaction keeps the screen exact only with a full-screen scroll region and insert mode off,
   * and the dropped rows can be synthesized exactly only while ASCII prints as itself and the tap
   * works.
   */
  private compactionState(): CompactionState | undefined {
    const terminal = this.terminal;
    const buffer = internalBufferService(terminal)?.buffer;
    const charWidth = this.charWidth;
    if (!buffer || !this.tap.active || !charWidth) return undefined;
    if (buffer.scrollTop !== 0 || buffer.scrollBottom !== terminal.rows - 1 || terminal.modes.insertMode) return undefined;
    if (!printsAsciiAsIs(terminal)) return undefined;
    const tabStops: number[] = [];
    for (let col = 0; col < terminal.cols; col++) if (buffer.tabs[col]) tabStops.push(col);
    return {
      capacity: terminal.rows + (terminal.options.scrollback ?? 0) + 1,
      rows: terminal.rows,
      tapCapacity: this.tapCapacity,
      geometry: { cols: terminal.cols, wraparound: terminal.modes.wraparoundMode, convertEol: terminal.options.convertEol === true, tabStops, charWidth },
    };
  }

  /** Resolves once everything written so far has been parsed. */
  flush(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    return new Promise((resolve) => {
      if (this.pendingChars === 0) {
        // An empty write still queues behind anything xterm holds internally.
        this.terminal.write('', resolve);
        return;
      }
      const check = () => {
        if (this.pendingChars === 0 || this.disposed) {
          dispose();
          resolve();
        }
      };
      const dispose = this.onChange(check);
    });
  }

  get modes(): ScreenModes {
    const modes = this.terminal.modes;
    return { applicationCursorKeys: modes.applicationCursorKeysMode, bracketedPaste: modes.bracketedPasteMode };
  }

  snapshot(): ScreenSnapshot {
    if (this.cached) return this.cached;
    const buffer = this.terminal.buffer.active;
    const rowTexts: string[] = [];
    const wrapped: boolean[] = [];
    for (let y = 0; y < this.terminal.rows; y++) {
      const line = buffer.getLine(buffer.viewportY + y);
      rowTexts.push(line ? flatten(line.translateToString(true)) : '');
      wrapped.push(line ? line.isWrapped : false);
    }
    const lines = joinWrapped(rowTexts.map((text, i) => ({ text, wrapped: wrapped[i] })));
    while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
    this.cached = {
      cols: this.terminal.cols,
      rows: this.terminal.rows,
      rowTexts,
      wrapped,
      lines,
      text: lines.join('\n'),
      cursorX: buffer.cursorX,
      cursorY: buffer.cursorY,
      altScreen: buffer.type === 'alternate',
      title: this.title,
      reportedState: this.reportedState,
    };
    return this.cached;
  }

  /** Sequence number of the next row that will scroll off; pair with {@link rowsSince}. */
  get tapPosition(): number {
    return this.tap.position;
  }

  /** Rows that scrolled away since `seq` (not screens erased by `clear`: those may predate `seq`'s turn). */
  rowsSince(seq: number): TappedRow[] {
    return this.tap.rowsSince(seq).filter((row) => !row.erased);
  }

  /**
   * The last `count` logical lines the agent showed: rows that scrolled away, then the screen.
   * ANSI-free by construction (rendered text).
   */
  recentLines(count: number): string[] {
    const snapshot = this.snapshot();
    const screenRows = snapshot.rowTexts.map((text, i) => ({ text, wrapped: snapshot.wrapped[i] }));
    const tapped = this.tap.lastRows(count + 1);
    const lines = joinWrapped([...tapped, ...screenRows]);
    while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
    return lines.slice(-count);
  }

  /** The screen (and up to `scrollback` rows of history) as an escape sequence that redraws it. */
  serialize(scrollback = 200): string {
    return this.serializer.serialize({ scrollback });
  }

  resize(cols: number, rows: number): void {
    // A pending replacement counts rows of the current size.
    this.tap.flushReplacement();
    this.terminal.resize(cols, rows);
    this.cached = undefined;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.feed.dispose();
    this.changeListeners.clear();
    this.fedListeners.clear();
    this.droppedListeners.clear();
    this.pressureListeners.clear();
    this.terminal.dispose();
  }
}

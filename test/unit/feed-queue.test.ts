import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SynthesizedRows } from '../../src-main/runtime/screen/dropped-rows';
import { FeedQueue, type CompactionState, type FeedSink } from '../../src-main/runtime/screen/feed-queue';

/**
 * FeedQueue under fake timers: when output reaches the parser, in what pieces, how a flood is
 * batched and compacted, and when the PTY is paused. The numbers below are feed-queue.ts's own
 * (not exported there); a change to them should make these tests speak up.
 */
const PIECE_CHARS = 16 * 1024;
const FLOOD_BATCH_DELAY_MS = 100;
const FLOOD_CHARS_PER_WINDOW = 100 * 1024;
const FLOOD_BATCH_MAX = 4 * 1024 * 1024;
const PENDING_HIGH = 8 * 1024 * 1024;

/** One thing the sink saw, in order. */
type SinkEvent = { kind: 'fed'; data: string } | { kind: 'write'; data: string } | { kind: 'splice'; rows: SynthesizedRows } | { kind: 'dropped'; chars: number };

/**
 * A parser stand-in. With `manual` writes, each write stays in flight until the test calls
 * `complete()`; otherwise a write completes as soon as it is made.
 */
class FakeSink implements FeedSink {
  readonly events: SinkEvent[] = [];
  private readonly inFlight: (() => void)[] = [];
  compactionState: CompactionState | undefined;

  constructor(private readonly manual = false) {}

  write(data: string, done: () => void): void {
    this.events.push({ kind: 'write', data });
    if (this.manual) this.inFlight.push(done);
    else done();
  }
  fed(data: string): void {
    this.events.push({ kind: 'fed', data });
  }
  dropped(chars: number): void {
    this.events.push({ kind: 'dropped', chars });
  }
  compaction(): CompactionState | undefined {
    return this.compactionState;
  }
  splice(rows: SynthesizedRows): void {
    this.events.push({ kind: 'splice', rows });
  }

  /** Finishes the oldest write in flight. */
  complete(): void {
    const done = this.inFlight.shift();
    if (!done) throw new Error('no write in flight');
    done();
  }
  get pendingWrites(): number {
    return this.inFlight.length;
  }
  writes(): string[] {
    return this.events.flatMap((e) => (e.kind === 'write' ? [e.data] : []));
  }
  written(): string {
    return this.writes().join('');
  }
}

/** Output that is never flood text: it carries an escape sequence (SGR) in every chunk. */
function coloured(chars: number): string {
  const sgr = '\x1b[1m';
  return sgr + 'c'.repeat(chars - sgr.length);
}

/** `count` numbered lines of plain text ending in CRLF, starting at `from`. */
function lines(from: number, count: number): string {
  let text = '';
  for (let i = from; i < from + count; i++) text += `line ${i}\r\n`;
  return text;
}

/**
 * setImmediate stays real: the feed loop yields with it between pieces, and fake timers would
 * turn an immediate set from inside a timer into a 1 ms timer. Timers and the clock are faked.
 */
const FAKED = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] as const;

/** One turn of the event loop: every immediate set before it has run. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Lets the feed loop run for as long as it has work due now (each piece is its own turn), without
 * firing a timer set for later, such as a flood batch's delay.
 */
async function parseDueNow(): Promise<void> {
  for (;;) {
    const before = sink.events.length;
    await nextTurn();
    if (sink.events.length === before) return;
  }
}

/** Runs everything, timers included, until the queue is idle. */
async function drain(): Promise<void> {
  for (;;) {
    await parseDueNow();
    if (vi.getTimerCount() === 0) return;
    vi.runOnlyPendingTimers();
  }
}

let sink: FakeSink;
let pressure: boolean[];
let queue: FeedQueue;

function makeQueue(manual: boolean): void {
  sink = new FakeSink(manual);
  pressure = [];
  queue = new FeedQueue(sink, (paused) => pressure.push(paused));
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: [...FAKED] });
});

afterEach(() => {
  queue.dispose();
  vi.useRealTimers();
});

describe('FeedQueue: ordinary output', () => {
  it('is parsed after pending I/O, not inside push(), and chunks of one tick become one write', async () => {
    makeQueue(false);
    queue.push('hello ');
    queue.push('world');
    expect(sink.writes()).toEqual([]);
    expect(queue.backlog).toBe(11);
    await parseDueNow();
    expect(sink.writes()).toEqual(['hello world']);
    expect(queue.backlog).toBe(0);
  });

  it('hands each piece to fed() before parsing it: the exact stream the terminal sees', async () => {
    makeQueue(false);
    queue.push('abc');
    await parseDueNow();
    expect(sink.events).toEqual([
      { kind: 'fed', data: 'abc' },
      { kind: 'write', data: 'abc' },
    ]);
  });

  it('keeps one write in flight; what arrives meanwhile is parsed, joined, once it completes', async () => {
    makeQueue(true);
    queue.push('first');
    await parseDueNow();
    expect(sink.writes()).toEqual(['first']);
    queue.push('second ');
    queue.push('third');
    await drain();
    expect(sink.writes()).toEqual(['first']);
    expect(queue.backlog).toBe('first'.length + 'second third'.length);
    sink.complete();
    await parseDueNow();
    expect(sink.writes()).toEqual(['first', 'second third']);
  });

  it('parses a large batch in PIECE_CHARS pieces, one at a time, yielding between them', async () => {
    makeQueue(true);
    const text = coloured(PIECE_CHARS * 2 + 1000);
    queue.push(text);
    await parseDueNow();
    expect(sink.writes().map((w) => w.length)).toEqual([PIECE_CHARS]);
    sink.complete();
    // The next piece waits for the event loop, not for the completion callback's stack.
    expect(sink.pendingWrites).toBe(0);
    await parseDueNow();
    expect(sink.writes().map((w) => w.length)).toEqual([PIECE_CHARS, PIECE_CHARS]);
    sink.complete();
    await parseDueNow();
    sink.complete();
    await drain();
    expect(sink.writes().map((w) => w.length)).toEqual([PIECE_CHARS, PIECE_CHARS, 1000]);
    expect(sink.written()).toBe(text);
  });

  it('drops nothing when the terminal state does not allow compaction', async () => {
    makeQueue(false);
    const flood = lines(0, 20_000);
    queue.push(flood);
    await drain();
    expect(sink.written()).toBe(flood);
    expect(queue.compactedChars).toBe(0);
    expect(sink.events.some((e) => e.kind === 'splice' || e.kind === 'dropped')).toBe(false);
  });
});

describe('FeedQueue: floods', () => {
  it('batches output arriving faster than FLOOD_CHARS_PER_WINDOW: the batch waits FLOOD_BATCH_DELAY_MS', async () => {
    makeQueue(false);
    queue.push('x'.repeat(FLOOD_CHARS_PER_WINDOW - 1));
    await parseDueNow();
    expect(sink.writes()).toHaveLength(Math.ceil((FLOOD_CHARS_PER_WINDOW - 1) / PIECE_CHARS));
    const before = sink.written().length;
    vi.advanceTimersByTime(10);
    queue.push('y'.repeat(1000)); // the window now holds FLOOD_CHARS_PER_WINDOW: a flood
    await parseDueNow();
    vi.advanceTimersByTime(FLOOD_BATCH_DELAY_MS - 1);
    expect(sink.written().length).toBe(before);
    vi.advanceTimersByTime(1);
    expect(sink.written().slice(before)).toBe('y'.repeat(1000));
  });

  it('a silent gap ends the flood: output after it is parsed at once again', async () => {
    makeQueue(false);
    queue.push('x'.repeat(FLOOD_CHARS_PER_WINDOW));
    await parseDueNow();
    expect(sink.written()).toBe('');
    vi.advanceTimersByTime(FLOOD_BATCH_DELAY_MS);
    await parseDueNow();
    expect(sink.written().length).toBe(FLOOD_CHARS_PER_WINDOW);
    vi.advanceTimersByTime(1_000);
    queue.push('prompt> ');
    await parseDueNow();
    expect(sink.writes().at(-1)).toBe('prompt> ');
  });

  it('does not delay a batch once FLOOD_BATCH_MAX chars wait', async () => {
    makeQueue(false);
    queue.push('x'.repeat(FLOOD_CHARS_PER_WINDOW));
    vi.advanceTimersByTime(FLOOD_BATCH_DELAY_MS);
    await parseDueNow();
    const before = sink.written().length;
    expect(before).toBe(FLOOD_CHARS_PER_WINDOW);
    // Still a flood (the last window carried a full window's worth): just under the cap waits…
    queue.push('x'.repeat(FLOOD_BATCH_MAX - 1));
    await parseDueNow();
    expect(sink.written().length).toBe(before);
    // …and reaching the cap starts parsing now.
    queue.push('x');
    await parseDueNow();
    expect(sink.written().length).toBe(before + FLOOD_BATCH_MAX);
  });

  it('compacts a plain flood: the head and the last lines are parsed, the middle becomes synthesized rows at a splice', async () => {
    makeQueue(false);
    const rows = 4;
    const capacity = 10;
    sink.compactionState = {
      capacity,
      rows,
      tapCapacity: 50,
      geometry: { cols: 80, wraparound: true, convertEol: false, tabStops: [], charWidth: () => 1 },
    };
    const total = 30_000;
    let input = '';
    for (let from = 0; from < total; from += 100) {
      const chunk = lines(from, 100);
      input += chunk;
      queue.push(chunk);
    }
    await drain();

    const written = sink.written();
    const dropped = sink.events.flatMap((e) => (e.kind === 'dropped' ? [e.chars] : [])).reduce((a, b) => a + b, 0);
    expect(dropped).toBeGreaterThan(input.length * 0.9);
    expect(queue.compactedChars).toBe(dropped);
    expect(written.length + dropped).toBe(input.length);
    // The head: up to the CRLF after which the cursor surely sits on a blank bottom row.
    const head = lines(0, rows);
    expect(written.startsWith(head)).toBe(true);
    // The tail: the CRLF before the last `capacity` line feeds, and everything after it.
    const tail = '\r\n' + lines(total - capacity + 1, capacity - 1);
    expect(written.endsWith(tail)).toBe(true);
    expect(written).toBe(input.slice(0, head.length) + input.slice(input.length - written.length + head.length));

    // One splice, after the head was parsed and before the tail was: the rows of the dropped middle.
    const spliceAt = sink.events.findIndex((e) => e.kind === 'splice');
    expect(sink.events.filter((e) => e.kind === 'splice')).toHaveLength(1);
    const before = sink.events.slice(0, spliceAt).flatMap((e) => (e.kind === 'write' ? [e.data] : [])).join('');
    expect(before).toBe(head);
    const splice = sink.events[spliceAt] as { kind: 'splice'; rows: SynthesizedRows };
    const middle = input.slice(head.length, input.length - (written.length - head.length));
    const middleLines = middle.split('\r\n');
    expect(splice.rows.count).toBe(middleLines.length);
    expect(splice.rows.rows).toHaveLength(50);
    expect(splice.rows.rows.at(-1)).toEqual({ text: middleLines.at(-1), wrapped: false });
    expect(splice.rows.rows[0]).toEqual({ text: middleLines.at(-50), wrapped: false });
  });
});

describe('FeedQueue: pressure and disposal', () => {
  it('pauses the PTY when PENDING_HIGH chars wait and resumes once they are taken for parsing', async () => {
    makeQueue(true);
    queue.push(coloured(PENDING_HIGH - 1));
    expect(pressure).toEqual([]);
    queue.push('!'); // exactly PENDING_HIGH now
    expect(pressure).toEqual([true]);
    await parseDueNow();
    expect(pressure).toEqual([true]);
    sink.complete();
    expect(pressure).toEqual([true, false]);
    expect(queue.backlog).toBe(PENDING_HIGH - PIECE_CHARS);
  });

  it('after dispose(), parses nothing more: pending output is discarded and a late completion schedules nothing', async () => {
    makeQueue(true);
    queue.push('a');
    await parseDueNow();
    queue.push('b');
    queue.dispose();
    sink.complete();
    queue.push('c');
    await drain();
    expect(sink.writes()).toEqual(['a']);
    expect(vi.getTimerCount()).toBe(0);
  });
});

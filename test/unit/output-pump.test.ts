import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  COALESCE_MS,
  HIGH_WATER,
  IMMEDIATE_CHARS,
  LOW_WATER,
  MAX_FRAME_CHARS,
  OutputPump,
  STUCK_MS,
  type FlowGate,
  type PumpSink,
} from '../../src-main/server/output-pump';

/**
 * OutputPump under fake timers (setTimeout, setInterval and performance.now are all faked, so a
 * coalescing window or the stuck-consumer deadline passes exactly when the test says).
 */

/** A transport whose unsent byte count the test sets, recording every frame and the drop. */
class FakeSink implements PumpSink {
  readonly frames: string[] = [];
  unsent = 0;
  dropped = 0;
  send(frame: string): void {
    this.frames.push(frame);
  }
  buffered(): number {
    return this.unsent;
  }
  drop(): void {
    this.dropped++;
  }
}

/** Records hold and release calls, in order, with their token. */
class FakeGate implements FlowGate {
  readonly calls: string[] = [];
  holdFlow(token: string): void {
    this.calls.push(`hold:${token}`);
  }
  releaseFlow(token: string): void {
    this.calls.push(`release:${token}`);
  }
}

let sink: FakeSink;
let gate: FakeGate;
let pump: OutputPump;

beforeEach(() => {
  vi.useFakeTimers();
  sink = new FakeSink();
  gate = new FakeGate();
  pump = new OutputPump(sink, gate, 'viewer-1');
});

afterEach(() => {
  pump.dispose();
  vi.useRealTimers();
});

describe('OutputPump coalescing', () => {
  it('sends small output at once, chunk by chunk: a keystroke echo never waits for a window', () => {
    pump.push('a');
    expect(sink.frames).toEqual(['a']);
    pump.push('b');
    pump.push('c');
    expect(sink.frames).toEqual(['a', 'b', 'c']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('past IMMEDIATE_CHARS in one window, batches the rest of the window into one frame sent when it ends', () => {
    pump.push('x'.repeat(IMMEDIATE_CHARS));
    expect(sink.frames).toHaveLength(1);
    vi.advanceTimersByTime(3);
    pump.push('one ');
    pump.push('two ');
    pump.push('three');
    expect(sink.frames).toHaveLength(1);
    // The window opened at t=0, so the batch leaves at t=COALESCE_MS, not COALESCE_MS after the push.
    vi.advanceTimersByTime(COALESCE_MS - 3 - 1);
    expect(sink.frames).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sink.frames).toEqual(['x'.repeat(IMMEDIATE_CHARS), 'one two three']);
  });

  it('opens a fresh window after COALESCE_MS: small output goes out at once again', () => {
    pump.push('x'.repeat(IMMEDIATE_CHARS));
    pump.push('held');
    vi.advanceTimersByTime(COALESCE_MS);
    expect(sink.frames.at(-1)).toBe('held');
    vi.advanceTimersByTime(COALESCE_MS);
    pump.push('echo');
    expect(sink.frames.at(-1)).toBe('echo');
  });

  it('sends a full frame as soon as MAX_FRAME_CHARS are pending, without waiting for the window', () => {
    pump.push('x'.repeat(IMMEDIATE_CHARS));
    pump.push('y'.repeat(MAX_FRAME_CHARS - 1));
    expect(sink.frames).toHaveLength(1);
    pump.push('z');
    expect(sink.frames).toHaveLength(2);
    expect(sink.frames[1]).toBe('y'.repeat(MAX_FRAME_CHARS - 1) + 'z');
    // The window's timer was cancelled with the flush: nothing more goes out.
    vi.advanceTimersByTime(COALESCE_MS * 2);
    expect(sink.frames).toHaveLength(2);
  });

  it('flush() sends what is pending now, and empty pushes send nothing', () => {
    pump.push('x'.repeat(IMMEDIATE_CHARS));
    pump.push('tail');
    pump.push('');
    pump.flush();
    expect(sink.frames).toEqual(['x'.repeat(IMMEDIATE_CHARS), 'tail']);
    pump.flush();
    expect(sink.frames).toHaveLength(2);
  });
});

describe('OutputPump flow control', () => {
  it('holds the PTY once the consumer passes HIGH_WATER and releases it only below LOW_WATER', () => {
    sink.unsent = HIGH_WATER; // at the mark, not past it
    pump.push('a');
    expect(pump.holding).toBe(false);
    sink.unsent = HIGH_WATER + 1;
    vi.advanceTimersByTime(COALESCE_MS);
    pump.push('b');
    expect(pump.holding).toBe(true);
    expect(gate.calls).toEqual(['hold:viewer-1']);
    // Between the marks: still held (hysteresis), however long the polls go on below STUCK_MS.
    sink.unsent = LOW_WATER;
    vi.advanceTimersByTime(STUCK_MS / 2);
    expect(pump.holding).toBe(true);
    sink.unsent = LOW_WATER - 1;
    vi.advanceTimersByTime(10);
    expect(pump.holding).toBe(false);
    expect(gate.calls).toEqual(['hold:viewer-1', 'release:viewer-1']);
    // Released: polling stopped and no further gate calls.
    vi.advanceTimersByTime(STUCK_MS * 2);
    expect(vi.getTimerCount()).toBe(0);
    expect(gate.calls).toHaveLength(2);
    expect(sink.dropped).toBe(0);
  });

  it('drops a consumer that stays above HIGH_WATER for STUCK_MS, releasing its hold and ignoring later output', () => {
    sink.unsent = HIGH_WATER + 1;
    pump.push('a');
    expect(gate.calls).toEqual(['hold:viewer-1']);
    vi.advanceTimersByTime(STUCK_MS - 10);
    expect(sink.dropped).toBe(0);
    vi.advanceTimersByTime(20);
    expect(sink.dropped).toBe(1);
    expect(gate.calls).toEqual(['hold:viewer-1', 'release:viewer-1']);
    pump.push('after the drop');
    pump.flush();
    expect(sink.frames).toEqual(['a']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a consumer that drains in time is never dropped, however often it goes back above HIGH_WATER', () => {
    for (let round = 0; round < 5; round++) {
      sink.unsent = HIGH_WATER + 1;
      vi.advanceTimersByTime(COALESCE_MS);
      pump.push(`r${round}`);
      vi.advanceTimersByTime(STUCK_MS - 100);
      sink.unsent = 0;
      vi.advanceTimersByTime(10);
      expect(pump.holding).toBe(false);
    }
    expect(sink.dropped).toBe(0);
    expect(gate.calls).toEqual(Array.from({ length: 5 }, () => ['hold:viewer-1', 'release:viewer-1']).flat());
  });

  it('dispose() discards pending output, cancels the window and releases a hold exactly once', () => {
    sink.unsent = HIGH_WATER + 1;
    pump.push('x'.repeat(IMMEDIATE_CHARS));
    pump.push('pending');
    pump.dispose();
    pump.dispose();
    vi.advanceTimersByTime(STUCK_MS * 2);
    expect(sink.frames).toEqual(['x'.repeat(IMMEDIATE_CHARS)]);
    expect(gate.calls).toEqual(['hold:viewer-1', 'release:viewer-1']);
    expect(sink.dropped).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('takes its marks from options', () => {
    const small = new OutputPump(sink, gate, 'viewer-2', { highWater: 10, lowWater: 5, stuckMs: 50 });
    sink.unsent = 11;
    small.push('a');
    expect(gate.calls).toEqual(['hold:viewer-2']);
    vi.advanceTimersByTime(60);
    expect(sink.dropped).toBe(1);
    small.dispose();
  });
});

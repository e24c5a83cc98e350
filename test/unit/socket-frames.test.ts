import { describe, expect, it } from 'vitest';
import { frameText, parseTypedFrame } from '../../src-main/server/socket-frames';

describe('socket frames (shared by the terminal and event sockets)', () => {
  it('takes JSON objects with a string type as frames', () => {
    expect(parseTypedFrame('{"type":"resize","cols":80,"rows":24}')).toEqual({ type: 'resize', cols: 80, rows: 24 });
    expect(parseTypedFrame('{"type":"ping"}')).toEqual({ type: 'ping' });
  });

  it('leaves everything else alone: plain input, broken JSON, arrays, objects without a string type', () => {
    for (const text of ['ls -la\r', '{not json', '[1,2]', '{"type":3}', '{"cols":80}', 'null', '']) {
      expect(parseTypedFrame(text), text).toBeUndefined();
    }
  });

  it('reads a message in any shape ws delivers', () => {
    const text = '{"type":"ping"} é';
    const bytes = Buffer.from(text, 'utf8');
    expect(frameText(bytes)).toBe(text);
    expect(frameText([bytes.subarray(0, 5), bytes.subarray(5)])).toBe(text);
    expect(frameText(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length))).toBe(text);
  });
});

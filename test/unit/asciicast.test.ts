import { describe, expect, it } from 'vitest';
import { castEventLine, compressIdle, formatSize, parseCast, parseSize } from '../../src-shared/asciicast';

describe('src-shared/asciicast (the one reader and line encoder)', () => {
  it('reads back what the encoder writes', () => {
    const text = [
      JSON.stringify({ version: 2, width: 100, height: 30, title: 'demo' }),
      castEventLine(0.1234567, 'o', 'hello\r\n'),
      castEventLine(0.5, 'i', 'ls\r'),
      castEventLine(0.75, 'r', formatSize(80, 24)),
      castEventLine(1, 'm', 'flood skipped'),
      '',
    ].join('\n');
    const cast = parseCast(text);
    expect(cast.header).toMatchObject({ version: 2, width: 100, height: 30, title: 'demo' });
    expect(cast.events).toEqual([
      { time: 0.123457, code: 'o', data: 'hello\r\n' },
      { time: 0.5, code: 'i', data: 'ls\r' },
      { time: 0.75, code: 'r', data: '80x24' },
      { time: 1, code: 'm', data: 'flood skipped' },
    ]);
    expect(cast.duration).toBe(1);
    expect(cast.skipped).toBe(0);
    expect(parseSize(cast.events[2].data)).toEqual({ cols: 80, rows: 24 });
  });

  it('counts a line cut off by a crash instead of failing the whole recording', () => {
    const cast = parseCast(`${JSON.stringify({ version: 2, width: 80, height: 24 })}\n${castEventLine(0, 'o', 'a')}\n[0.5, "o", "unterminat`);
    expect(cast.events.map((e) => e.data)).toEqual(['a']);
    expect(cast.skipped).toBe(1);
  });

  it('refuses text that is not an asciicast v2 recording', () => {
    expect(() => parseCast('')).toThrow(/empty/);
    expect(() => parseCast('{"version":1}\n')).toThrow(/asciicast v2/);
  });

  it('caps idle gaps when asked, keeping order', () => {
    const cast = parseCast([JSON.stringify({ version: 2, width: 80, height: 24 }), castEventLine(1, 'o', 'a'), castEventLine(31, 'o', 'b')].join('\n'));
    expect(compressIdle(cast, 2).events.map((e) => e.time)).toEqual([1, 3]);
    expect(parseSize('bad')).toBeUndefined();
  });
});

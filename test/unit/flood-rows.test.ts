import { Terminal } from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { ScreenModel } from '../../src-main/runtime/screen/screen-model';
import { ScrollTap, type TappedRow } from '../../src-main/runtime/screen/scroll-tap';
import { printsAsciiAsIs } from '../../src-main/runtime/screen/xterm-internals';

/**
 * Flood compaction drops the middle of a plain-text flood unparsed and synthesizes the rows it
 * would have scrolled away. These tests hold the screen model to what xterm itself does with every
 * byte: the same tapped rows in the same order (text and soft-wrap flags), the same count, the
 * same screen and scrollback.
 */

const TAP = 2_000;

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface FloodOptions {
  seed: number;
  lines: number;
  cols: number;
  /** Allow tabs, mid-line CRs, bare LFs, VT/FF, other C0 controls and DEL. */
  controls: boolean;
  /** Mix in non-ASCII characters from this list. */
  unicode?: string[];
}

/** Lines of random printable ASCII (some empty, some exactly `cols` wide, some wrapping) with CRLFs. */
function flood({ seed, lines, cols, controls, unicode }: FloodOptions): string {
  const next = random(seed);
  const parts: string[] = [];
  const oddities = ['\t', '\r', '\x07', '\x00', '\x7f', '\x0b', '\x0c', '\x01', '\x1f'];
  for (let i = 0; i < lines; i++) {
    const shape = next();
    const length = shape < 0.05 ? 0 : shape < 0.1 ? cols : shape < 0.2 ? cols + Math.floor(next() * cols * 2) : Math.floor(next() * cols);
    let line = `${i}:`;
    while (line.length < length) {
      if (controls && next() < 0.03) line += oddities[Math.floor(next() * oddities.length)];
      else if (unicode && next() < 0.1) line += unicode[Math.floor(next() * unicode.length)];
      else line += String.fromCharCode(0x20 + Math.floor(next() * 95));
    }
    parts.push(line);
    parts.push(controls && next() < 0.02 ? '\n' : '\r\n');
  }
  return parts.join('');
}

/** What xterm alone makes of the whole stream, parsed in one go with a tap on it. */
async function reference(stream: string, cols: number, rows: number, scrollback: number) {
  const terminal = new Terminal({ cols, rows, scrollback, allowProposedApi: true, logLevel: 'off' });
  const tap = new ScrollTap(terminal, TAP);
  await new Promise<void>((resolve) => terminal.write(stream, resolve));
  const model = { position: tap.position, rows: tap.rowsSince(0), screen: visible(terminal) };
  terminal.dispose();
  return model;
}

function visible(terminal: Terminal): { text: string; wrapped: boolean }[] {
  const buffer = terminal.buffer.active;
  const out: { text: string; wrapped: boolean }[] = [];
  for (let y = 0; y < buffer.length; y++) {
    const line = buffer.getLine(y)!;
    out.push({ text: line.translateToString(true), wrapped: line.isWrapped });
  }
  return out;
}

const plain = (rows: TappedRow[]) => rows.map((r) => ({ seq: r.seq, text: r.text, wrapped: r.wrapped }));

/** Feeds `parts` to a screen model as a PTY would (each part split into 4 KB reads), yielding between parts. */
async function throughModel(parts: string[], cols: number, rows: number, scrollback: number) {
  const screen = new ScreenModel({ cols, rows, scrollback, tapCapacity: TAP });
  for (const part of parts) {
    for (let i = 0; i < part.length; i += 4096) screen.write(part.slice(i, i + 4096));
    await new Promise((r) => setImmediate(r));
  }
  await screen.flush();
  const model = { position: screen.tapPosition, rows: screen.rowsSince(0), screen: visible(screen.terminal), compacted: screen.compactedChars };
  screen.dispose();
  return model;
}

async function expectSameAsXterm(parts: string[], cols: number, rows: number, scrollback: number): Promise<number> {
  const expected = await reference(parts.join(''), cols, rows, scrollback);
  const actual = await throughModel(parts, cols, rows, scrollback);
  expect(actual.position).toBe(expected.position);
  expect(plain(actual.rows)).toEqual(plain(expected.rows));
  expect(actual.screen).toEqual(expected.screen);
  return actual.compacted;
}

describe('flood compaction keeps every tapped row', () => {
  it('reads the charset state it depends on', () => {
    const terminal = new Terminal({ cols: 20, rows: 5, allowProposedApi: true, logLevel: 'off' });
    expect(printsAsciiAsIs(terminal)).toBe(true);
    terminal.dispose();
  });

  it('matches xterm for a plain flood typed at a prompt, then a 400-line reply', async () => {
    const cols = 80;
    const rows = 24;
    const prompt = '\x1b[1;32muser@host\x1b[0m:~$ cat big.txt\r\n';
    const big = flood({ seed: 1, lines: 30_000, cols, controls: false });
    let reply = '';
    for (let i = 1; i <= 400; i++) reply += `reply ${i}\r\n`;
    const compacted = await expectSameAsXterm([prompt, big, reply + '\x1b[1;32muser@host\x1b[0m:~$ '], cols, rows, 200);
    // Most of the flood never reached the parser, yet the rows above are identical.
    expect(compacted).toBeGreaterThan(big.length * 0.8);
  });

  for (const seed of [2, 3, 4, 5]) {
    it(`matches xterm with tabs, CRs, bare LFs, VT/FF and other controls (seed ${seed})`, async () => {
      const cols = 30 + seed * 7;
      const rows = 5 + seed;
      const next = random(seed * 101);
      // The flood starts with the cursor mid-screen and mid-line, over rows that already hold text.
      const before = `${'old row\r\n'.repeat(3)}\x1b[2;5Hcursor here`;
      const parts = [before];
      for (let i = 0; i < 6; i++) parts.push(flood({ seed: seed * 1000 + i, lines: 2_000 + Math.floor(next() * 3_000), cols, controls: true }));
      parts.push('tail without newline');
      const compacted = await expectSameAsXterm(parts, cols, rows, 50);
      expect(compacted).toBeGreaterThan(0);
    });
  }

  it('matches xterm with autowrap off, LNM on and custom tab stops', async () => {
    const cols = 40;
    // DECAWM off, LNM on, clear all tab stops and set two (columns 4 and 21).
    const setup = '\x1b[?7l\x1b[20h\x1b[3g\r\x1b[4C\x1bH\x1b[17C\x1bH\r\n';
    const body = flood({ seed: 9, lines: 20_000, cols, controls: true });
    const compacted = await expectSameAsXterm([setup, body, 'done\r\n'], cols, 10, 30);
    expect(compacted).toBeGreaterThan(0);
  });

  it('matches xterm in the alternate screen, which keeps no scrollback', async () => {
    const body = flood({ seed: 13, lines: 20_000, cols: 50, controls: true });
    const compacted = await expectSameAsXterm(['\x1b[?1049h\x1b[H', body, 'end\r\n'], 50, 12, 100);
    expect(compacted).toBeGreaterThan(0);
  });

  it('matches xterm with one-cell non-ASCII text (Latin, Cyrillic, Greek, symbols), and drops it', async () => {
    const narrow = ['é', 'ü', 'ñ', 'ж', 'Ω', '€', '\u00a0', '\u00ad', 'ß'];
    const body = flood({ seed: 17, lines: 20_000, cols: 45, controls: true, unicode: narrow });
    const compacted = await expectSameAsXterm(['\x1b[1mUTF-8 log\x1b[0m\r\n', body, 'fin\r\n'], 45, 10, 40);
    expect(compacted).toBeGreaterThan(body.length * 0.8);
  });

  for (const [seed, cols, controls] of [[23, 45, false], [29, 31, true], [31, 20, true]] as const) {
    it(`matches xterm with wide (CJK) characters among one-cell ones, and drops them (seed ${seed})`, async () => {
      const wide = ['中', '文', '字', '\uff21', '가', 'é', 'ж', '€'];
      const body = flood({ seed, lines: 20_000, cols, controls, unicode: wide });
      const compacted = await expectSameAsXterm(['\x1b[?25l', body, 'fin\r\n'], cols, 9, 40);
      expect(compacted).toBeGreaterThan(body.length * 0.8);
    });
  }

  it('matches xterm where text overwrites half of a wide character or a wide one wraps over old text', async () => {
    const cols = 20;
    const lines = [
      // The wide character does not fit in the last cell: it wraps, clearing that cell's old "a".
      `${'a'.repeat(cols)}\r${'b'.repeat(cols - 1)}中`,
      // A tab lands on the second half of 中 (columns 7–8): printing there clears the first half.
      'abcdefg中xyz\rx\ty',
      // Overwriting the first half of 中 with a narrow character, then CJK again across the margin.
      '中文中文\ra\x07b' + '字'.repeat(12),
    ];
    const body = Array.from({ length: 30_000 }, (_, i) => lines[i % lines.length] + '\r\n').join('');
    const compacted = await expectSameAsXterm(['start\r\n', body, 'fin\r\n'], cols, 8, 30);
    expect(compacted).toBeGreaterThan(body.length * 0.8);
  });

  it('matches xterm with wide characters and autowrap off', async () => {
    const body = flood({ seed: 37, lines: 20_000, cols: 30, controls: true, unicode: ['中', '文', 'é'] });
    const compacted = await expectSameAsXterm(['\x1b[?7l', body, 'fin\r\n'], 30, 9, 40);
    expect(compacted).toBeGreaterThan(0);
  });

  for (const [label, chars] of [
    ['zero-width', ['é', '中', '\u0301', '\u200b', 'ж']],
    ['astral', ['é', '😀', '𝄞']],
  ] as const) {
    it(`matches xterm when ${label} characters appear (those chunks are parsed in full)`, async () => {
      const body = flood({ seed: 19, lines: 20_000, cols: 45, controls: false, unicode: [...chars] });
      const compacted = await expectSameAsXterm([body, 'fin\r\n'], 45, 10, 40);
      expect(compacted).toBe(0);
    });
  }

  it('parses in full while DEC line drawing is invoked (ASCII would not print as itself)', async () => {
    const body = flood({ seed: 11, lines: 20_000, cols: 40, controls: false });
    const compacted = await expectSameAsXterm(['\x1b(0', body, '\x1b(B'], 40, 10, 30);
    expect(compacted).toBe(0);
  });

  it('matches xterm when several floods are separated by escape sequences', async () => {
    const parts: string[] = [];
    for (let i = 0; i < 4; i++) {
      parts.push(`\x1b[3${i}mstep ${i}\x1b[0m\r\n`);
      parts.push(flood({ seed: 20 + i, lines: 8_000, cols: 60, controls: i % 2 === 1 }));
    }
    const compacted = await expectSameAsXterm(parts, 60, 20, 100);
    expect(compacted).toBeGreaterThan(0);
  });
});

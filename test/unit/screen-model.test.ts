import { describe, expect, it } from 'vitest';
import { ScreenModel } from '../../src-main/runtime/screen/screen-model';
import { compactPlainText } from '../../src-main/runtime/screen/flood-compactor';

function lines(n: number, prefix = 'line'): string {
  let out = '';
  for (let i = 1; i <= n; i++) out += `${prefix} ${String(i).padStart(3, '0')}\r\n`;
  return out;
}

describe('ScreenModel', () => {
  it('renders text and joins soft-wrapped rows into one logical line', async () => {
    const screen = new ScreenModel({ cols: 20, rows: 5, scrollback: 100 });
    screen.write('hello\r\n' + 'x'.repeat(30) + '\r\n');
    await screen.flush();
    const snap = screen.snapshot();
    expect(snap.lines).toEqual(['hello', 'x'.repeat(30)]);
    expect(snap.rowTexts.slice(0, 3)).toEqual(['hello', 'x'.repeat(20), 'x'.repeat(10)]);
    screen.dispose();
  });

  it('taps rows that scroll off inside a scroll region, which xterm itself discards', async () => {
    const screen = new ScreenModel({ cols: 40, rows: 10, scrollback: 100 });
    // Region rows 3..8 (1-based), cursor at its bottom, then 30 lines scroll through it.
    screen.write('\x1b[3;8r\x1b[8;1H');
    screen.write(lines(30));
    await screen.flush();
    const start = 0;
    const tapped = screen.rowsSince(start).map((r) => r.text);
    const visible = screen.snapshot().rowTexts;
    const all = [...tapped, ...visible];
    for (let i = 1; i <= 30; i++) expect(all).toContain(`line ${String(i).padStart(3, '0')}`);
    // xterm's own buffer has none of the early lines:
    const buffer = screen.terminal.buffer.active;
    let kept = 0;
    for (let y = 0; y < buffer.length; y++) if (buffer.getLine(y)?.translateToString(true) === 'line 001') kept++;
    expect(kept).toBe(0);
    expect(screen.tapActive).toBe(true);
    screen.dispose();
  });

  it('taps rows removed by CSI S', async () => {
    const screen = new ScreenModel({ cols: 40, rows: 4, scrollback: 10 });
    screen.write('a1\r\na2\r\na3\r\na4');
    screen.write('\x1b[2S');
    await screen.flush();
    expect(screen.rowsSince(0).map((r) => r.text)).toEqual(['a1', 'a2']);
    screen.dispose();
  });

  it('serializes the screen so a new viewer can redraw it', async () => {
    const screen = new ScreenModel({ cols: 40, rows: 5, scrollback: 10 });
    screen.write('\x1b[31mred\x1b[0m plain');
    await screen.flush();
    const copy = new ScreenModel({ cols: 40, rows: 5, scrollback: 10 });
    copy.write(screen.serialize());
    await copy.flush();
    expect(copy.snapshot().lines[0]).toBe('red plain');
    screen.dispose();
    copy.dispose();
  });
});

describe('compactPlainText', () => {
  it('keeps only the last capacity lines, starting at a CRLF', () => {
    const text = lines(100);
    const out = compactPlainText(text, 10);
    expect(out.startsWith('\r\n')).toBe(true);
    expect(out.split('\n').length - 1).toBe(10);
    expect(out.endsWith('line 100\r\n')).toBe(true);
  });

  it('leaves text with escape sequences or too few lines untouched', () => {
    expect(compactPlainText(lines(5), 10)).toBe(lines(5));
    const colored = '\x1b[31m' + lines(100);
    expect(compactPlainText(colored, 10)).toBe(colored);
  });

  it('gives the same screen as parsing everything', async () => {
    const text = 'prefix' + lines(500) + 'tail';
    const full = new ScreenModel({ cols: 30, rows: 8, scrollback: 20 });
    const compact = new ScreenModel({ cols: 30, rows: 8, scrollback: 20 });
    full.write('start\r\n');
    compact.write('start\r\n');
    full.write(text);
    compact.write(compactPlainText(text, 8 + 20 + 1));
    await full.flush();
    await compact.flush();
    expect(compact.serialize(20)).toBe(full.serialize(20));
    expect(compact.snapshot()).toEqual(full.snapshot());
    full.dispose();
    compact.dispose();
  });
});

/**
 * Summarises the recorded casts: which terminal modes/sequences each CLI emits, and how many of the
 * 400 `line NNN` rows of the LONG reply survive in @xterm/headless scrollback + screen after replay.
 *
 *   npx tsx scripts/analyze-screen-casts.ts [dir]      (default test/fixtures/screens)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Terminal } from '@xterm/headless';
import { parseCast } from '../src-shared/asciicast';

const SEQUENCES: Record<string, RegExp> = {
  '?2004h bracketed paste': /\x1b\[\?2004h/g,
  '?2026h synchronized output': /\x1b\[\?2026h/g,
  '?1049h alt screen': /\x1b\[\?1049h/g,
  '?1004h focus events': /\x1b\[\?1004h/g,
  '?25l hide cursor': /\x1b\[\?25l/g,
  '?1000h/?1002h/?1003h/?1006h mouse': /\x1b\[\?100[0236]h/g,
  '>Nu kitty keyboard push': /\x1b\[>\d+u/g,
  '?u kitty keyboard query': /\x1b\[\?u/g,
  '>4;Nm modifyOtherKeys': /\x1b\[>4;\d+m/g,
  '6n cursor position query': /\x1b\[6n/g,
  'OSC 10/11 color query': /\x1b\](1[01]);\?/g,
  'OSC 0/2 title': /\x1b\][02];/g,
  'DECSTBM set region': /\x1b\[\d+;\d+r/g,
  'DECSTBM reset (CSI r)': /\x1b\[r/g,
  'RI (ESC M)': /\x1bM/g,
  'SU (CSI n S)': /\x1b\[\d*S/g,
  'SD (CSI n T)': /\x1b\[\d*T/g,
  'IL (CSI n L)': /\x1b\[\d*L/g,
  'DL (CSI n M)': /\x1b\[\d*M/g,
  'ED2 (CSI 2J)': /\x1b\[2J/g,
  'ED3 (CSI 3J) clear scrollback': /\x1b\[3J/g,
};

/** Replay output events (up to marker `untilMarker`, if given) into a fresh headless terminal. */
async function replay(file: string, untilMarker?: string): Promise<{ term: Terminal; output: string }> {
  const { header, events } = parseCast(fs.readFileSync(file, 'utf8'));
  const term = new Terminal({ cols: header.width, rows: header.height, scrollback: 100000, allowProposedApi: true });
  const stop = untilMarker ? events.findIndex((e) => e.code === 'm' && e.data === untilMarker) : -1;
  const upto = stop >= 0 ? events.slice(0, stop) : events;
  const output = upto.filter((e) => e.code === 'o').map((e) => e.data).join('');
  // Chunked writes with completion callbacks keep us under xterm's write-buffer limit.
  for (let i = 0; i < output.length; i += 65536) {
    await new Promise<void>((r) => term.write(output.slice(i, i + 65536), () => r()));
  }
  return { term, output };
}

function lineNumbers(term: Terminal): { distinct: number; inScrollback: number; onScreen: number } {
  const b = term.buffer.active;
  const all = new Set<string>();
  const scroll = new Set<string>();
  const screen = new Set<string>();
  for (let i = 0; i < b.length; i++) {
    const m = /line (\d{3})\b/.exec(b.getLine(i)?.translateToString(true) ?? '');
    if (!m) continue;
    all.add(m[1]);
    (i < b.baseY ? scroll : screen).add(m[1]);
  }
  return { distinct: all.size, inScrollback: scroll.size, onScreen: screen.size };
}

async function main(): Promise<void> {
  const dir = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'test', 'fixtures', 'screens'));
  for (const cli of fs.readdirSync(dir).sort()) {
    const cliDir = path.join(dir, cli);
    if (!fs.statSync(cliDir).isDirectory()) continue;
    const totals: Record<string, number> = {};
    for (const f of fs.readdirSync(cliDir).filter((x) => x.endsWith('.cast')).sort()) {
      const { output } = await replay(path.join(cliDir, f));
      for (const [name, re] of Object.entries(SEQUENCES)) totals[name] = (totals[name] ?? 0) + (output.match(re) ?? []).length;
    }
    console.log(`\n## ${cli}: sequence counts over all casts`);
    for (const [name, n] of Object.entries(totals)) if (n) console.log(`  ${name.padEnd(34)} ${n}`);
    for (const name of fs.readdirSync(cliDir).filter((x) => /^long.*\.cast$/.test(x)).sort()) {
      const file = path.join(cliDir, name);
      for (const at of ['long_done', 'exit']) {
        const { term, output } = await replay(file, at);
        const n = lineNumbers(term);
        const b = term.buffer.active;
        console.log(`  ${name} @${at}: ${n.distinct}/400 "line NNN" rows in headless scrollback+screen (scrollback ${n.inScrollback}, screen ${n.onScreen}); ${b.type} buffer, length ${b.length}, baseY ${b.baseY}`);
        if (at === 'exit') {
          const regions = [...new Set(output.match(/\x1b\[\d+;\d+r/g) ?? [])].map((s) => s.slice(1));
          if (regions.length) console.log(`  ${name} DECSTBM regions: ${regions.join(' ')}`);
        }
      }
    }
  }
}

void main();

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listTranscripts, TranscriptWriter, transcriptThread, type TranscriptOptions } from '../../src-main/runtime/transcript';

function options(dir: string, overrides: Partial<TranscriptOptions> = {}): TranscriptOptions {
  return {
    dir,
    cols: 100,
    rows: 30,
    maxBytes: 1024 * 1024,
    keepParts: 3,
    meta: { id: 'a1', name: 'demo', type: 'shell', workdir: '/tmp', command: '/bin/sh', args: [], createdAt: new Date().toISOString() },
    ...overrides,
  };
}

/** Each test's transcripts folder, so listing it sees only what this run wrote. */
const made: string[] = [];
function transcriptsDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'transcripts-'));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

function readCast(file: string): unknown[] {
  return fs.readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as unknown);
}

describe('TranscriptWriter (asciicast v2, written by the worker thread)', () => {
  it('runs its writer on the worker thread started from transcript-worker.ts', async () => {
    // From source the worker is the .ts entry loaded through tsx; a failure here would otherwise
    // only show as recordings silently moving to the main thread.
    expect(await transcriptThread()).toBe('worker');
  });

  it('records output, input and resize in order with a header', async () => {
    const dir = path.join(transcriptsDir(), 'a1');
    const writer = new TranscriptWriter(options(dir));
    writer.output('hello ');
    writer.output('world\r\n');
    writer.input('ls\r');
    writer.resize(80, 24);
    writer.output('done');
    await writer.close(0);
    const [header, ...events] = readCast(path.join(dir, '0001.cast'));
    expect(header).toMatchObject({ version: 2, width: 100, height: 30 });
    expect(events.map((e) => (e as unknown[]).slice(1))).toEqual([
      ['o', 'hello world\r\n'],
      ['i', 'ls\r'],
      ['r', '80x24'],
      ['o', 'done'],
    ]);
    const times = events.map((e) => (e as number[])[0]);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'))).toMatchObject({ id: 'a1', exitCode: 0, parts: ['0001.cast'] });
    expect(listTranscripts(path.dirname(dir)).map((m) => m.id)).toEqual(['a1']);
  });

  it('rotates at the size cap and keeps only the newest parts, each a valid recording', async () => {
    const dir = path.join(transcriptsDir(), 'a1');
    const writer = new TranscriptWriter(options(dir, { maxBytes: 20_000, keepParts: 2 }));
    const block = 'x'.repeat(1000) + '\r\n';
    for (let i = 0; i < 100; i++) writer.output(block + `#${i}`);
    await writer.close(null);
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as { parts: string[] };
    expect(meta.parts.length).toBe(2);
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cast')).sort();
    expect(files).toEqual(meta.parts);
    expect(Number(meta.parts[0].slice(0, 4))).toBeGreaterThan(2);
    for (const part of files) {
      const [header] = readCast(path.join(dir, part));
      expect(header).toMatchObject({ version: 2 });
      expect(fs.statSync(path.join(dir, part)).size).toBeLessThan(20_000 + 40_000);
    }
    expect(fs.readFileSync(path.join(dir, files[1]), 'utf8')).toContain('#99');
  });
});

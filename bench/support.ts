import * as fs from 'node:fs';
import * as path from 'node:path';

/** A file of 100-character lines (like a build log) for `cat` floods; returns its path. */
export function makeTextFile(dir: string, megabytes: number): string {
  const file = path.join(dir, `flood-${megabytes}mb.txt`);
  const line = `${'0123456789abcdefghijklmnopqrstuvwxyz'.repeat(3).slice(0, 99)}\n`;
  const block = line.repeat(10_000);
  const fd = fs.openSync(file, 'w');
  for (let written = 0; written < megabytes * 1024 * 1024; written += block.length) fs.writeSync(fd, block);
  fs.closeSync(fd);
  return file;
}

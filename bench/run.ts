import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Benchmark, BenchResult } from './types';

/**
 * `npm run bench`: runs every `bench/*.bench.ts` and prints one table. Results are ratios against
 * baselines measured in the same run; nothing here fails the build (CI machines are noisy).
 * `npm run bench -- <filter>` runs only benchmarks whose name contains the filter.
 */
async function main(): Promise<void> {
  const filter = process.argv[2]?.toLowerCase();
  const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.bench.ts')).sort();
  const all: { group: string; result: BenchResult }[] = [];
  for (const file of files) {
    const mod = (await import(path.join(__dirname, file))) as { benchmarks: Benchmark[] };
    for (const bench of mod.benchmarks) {
      if (filter && !bench.name.toLowerCase().includes(filter)) continue;
      process.stderr.write(`▶ ${bench.name}…\n`);
      const started = Date.now();
      try {
        for (const result of await bench.run()) {
          all.push({ group: bench.name, result });
          printResult(result);
        }
      } catch (error) {
        process.stderr.write(`  ✗ ${bench.name} failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      }
      process.stderr.write(`  (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    }
  }
  process.stdout.write('\nSummary\n');
  for (const { result } of all) printResult(result, process.stdout);
}

function printResult(r: BenchResult, out: NodeJS.WritableStream = process.stderr): void {
  const base = r.baseline ? ` | baseline ${r.baseline.name}: ${r.baseline.value} ${r.baseline.unit}` : '';
  const ratio = r.ratio !== undefined ? ` | ratio ${r.ratio}` : '';
  const goal = r.goal ? ` | goal ${r.goal}: ${r.met ? 'met' : 'NOT met'}` : '';
  out.write(`  ${r.name}: ${r.value} ${r.unit}${base}${ratio}${goal}${r.notes ? ` (${r.notes})` : ''}\n`);
}

void main().then(() => process.exit(0));

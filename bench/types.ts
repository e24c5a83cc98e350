/**
 * Every benchmark module exports `benchmarks: Benchmark[]`; bench/run.ts runs them in order and
 * prints one table. Benchmarks report ratios against a baseline measured in the same run (raw
 * node-pty, say), because absolute numbers on a shared 2-core CI machine mean little.
 */
export interface BenchResult {
  /** What was measured, e.g. "session throughput (cat 64 MB)". */
  name: string;
  value: number;
  unit: string;
  /** The baseline measured in the same run, when the result is a ratio against one. */
  baseline?: { name: string; value: number; unit: string };
  /** value / baseline.value (or as the benchmark defines it). */
  ratio?: number;
  /** The goal in words, e.g. "ratio ≥ 0.8". */
  goal?: string;
  /** Whether the goal was met in this run. Informational: benchmarks never fail the build. */
  met?: boolean;
  notes?: string;
}

export interface Benchmark {
  name: string;
  run(): Promise<BenchResult[]>;
}

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as pty from 'node-pty';
import { AgentManager } from '../src-main/runtime/agent-manager';
import { defaultConfig } from '../src-main/runtime/config';
import { silentLogger } from '../src-main/runtime/logger';
import type { BenchResult } from './types';

/**
 * RSS this process gains per idle agent. Each agent prints 1100 lines (filling the 1000-line
 * scrollback) and then sleeps; the CLI's own memory is in its own process and not counted.
 * WARMUP agents are started first, so one-time costs (the transcript worker thread, compiled code,
 * the allocator's first arenas) are not charged to the agents measured. Raw node-pty with the same
 * children, measured the same way, is the baseline.
 */
const AGENTS = 20;
const WARMUP = 4;
const SCRIPT = 'for i in $(seq 1 1100); do echo "line $i of the agent output, long enough to look like real text from a CLI"; done; exec sleep 600';

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) collect?.();
}

function rssMb(): number {
  gc();
  return process.memoryUsage().rss / 1024 / 1024;
}

async function settle(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-mem-'));
  const raws: pty.IPty[] = [];
  const rawSpawn = () => {
    const p = pty.spawn('sh', ['-c', SCRIPT], { cols: 120, rows: 40, cwd: dir, env: process.env as Record<string, string> });
    p.onData(() => undefined);
    raws.push(p);
  };
  for (let i = 0; i < WARMUP; i++) rawSpawn();
  await settle(2_000);
  const baseline = rssMb();
  for (let i = 0; i < AGENTS; i++) rawSpawn();
  await settle(3_000);
  const rawPer = (rssMb() - baseline) / AGENTS;
  for (const p of raws) p.kill('SIGKILL');
  await settle(500);

  const manager = new AgentManager(defaultConfig({ dataDir: path.join(dir, 'data'), maxAgents: AGENTS + WARMUP + 1, scrollback: 1000 }), { logger: silentLogger });
  for (let i = 0; i < WARMUP; i++) await manager.spawn({ type: 'custom', command: 'sh', args: ['-c', SCRIPT], workdir: dir });
  await settle(3_000);
  const before = rssMb();
  for (let i = 0; i < AGENTS; i++) await manager.spawn({ type: 'custom', command: 'sh', args: ['-c', SCRIPT], workdir: dir });
  await settle(5_000);
  const lines = manager.logs(manager.list()[0].id, 2000).length;
  const runtimePer = (rssMb() - before) / AGENTS;
  await manager.stopAll();
  fs.rmSync(dir, { recursive: true, force: true });

  const results: BenchResult[] = [
    {
      name: `RSS per idle agent (${AGENTS} agents after ${WARMUP} warm-up, scrollback full: ${lines} lines kept)`,
      value: Number(runtimePer.toFixed(2)),
      unit: 'MB',
      baseline: { name: 'raw node-pty per PTY', value: Number(rawPer.toFixed(2)), unit: 'MB' },
      goal: '≤ 5 MB per agent',
      met: runtimePer <= 5,
    },
  ];
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as pty from 'node-pty';
import { AgentManager } from '../src-main/runtime/agent-manager';
import { defaultConfig } from '../src-main/runtime/config';
import { silentLogger } from '../src-main/runtime/logger';
import { makeTextFile } from './support';
import type { Benchmark, BenchResult } from './types';

/**
 * Runtime benchmarks. Each compares the runtime with raw node-pty in the same run:
 * - output throughput through an AgentSession (screen model, output buffer, transcript on);
 * - RSS the runtime adds per idle agent with a full 1000-line scrollback.
 */

/**
 * Throughput is a rate: both sides are timed from their first byte of output to completion (raw:
 * the process exit; session: `agent_stopped`, which waits until the screen model has parsed
 * everything). Spawn set-up is not throughput; the ready-latency benchmark covers start-up.
 */
const CAT_MB = 128;
const YES_MB = 24;
const ROUNDS = 2;

interface Run {
  chars: number;
  ms: number;
}

function scratch(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'raven-bench-'));
}


function rawPty(command: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    let start = 0;
    const proc = pty.spawn(command, args, { name: 'xterm-256color', cols: 120, rows: 40, cwd, env: { ...process.env, TERM: 'xterm-256color' } as Record<string, string> });
    let chars = 0;
    proc.onData((data) => {
      if (chars === 0) start = performance.now();
      chars += data.length;
    });
    proc.onExit(() => resolve({ chars, ms: performance.now() - start }));
  });
}

async function throughSession(manager: AgentManager, command: string, args: string[], cwd: string): Promise<Run> {
  let start = 0;
  const agent = await manager.spawn({ type: 'custom', command, args, workdir: cwd });
  const session = manager.sessionFor(agent.id);
  let chars = 0;
  session.onData((data) => {
    if (chars === 0) start = performance.now();
    chars += data.length;
  });
  await new Promise<void>((resolve) => {
    const off = manager.on((event) => {
      if (event.type === 'agent_stopped' && event.agentId === agent.id) {
        off();
        resolve();
      }
    });
  });
  // agent_stopped fires after the screen model has parsed everything, so this is end-to-end.
  return { chars, ms: performance.now() - start };
}

function mbps(run: Run): number {
  return run.chars / 1024 / 1024 / (run.ms / 1000);
}

async function throughput(label: string, command: string, args: string[], cwd: string, manager: AgentManager): Promise<BenchResult> {
  const raw: number[] = [];
  const session: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    raw.push(mbps(await rawPty(command, args, cwd)));
    session.push(mbps(await throughSession(manager, command, args, cwd)));
  }
  const best = (xs: number[]) => Math.max(...xs);
  const ratio = best(session) / best(raw);
  return {
    name: `session output throughput (${label})`,
    value: Number(best(session).toFixed(1)),
    unit: 'MB/s',
    baseline: { name: 'raw node-pty onData', value: Number(best(raw).toFixed(1)), unit: 'MB/s' },
    ratio: Number(ratio.toFixed(2)),
    goal: 'ratio ≥ 0.8',
    met: ratio >= 0.8,
    notes: `best of ${ROUNDS} interleaved rounds`,
  };
}

/** Runs the memory probe in a fresh Node process so earlier benchmarks do not skew its RSS. */
function memoryProbe(): Promise<BenchResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(__dirname, 'memory-probe.ts')], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, SHELL: '/bin/sh' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`memory probe exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop() as string) as BenchResult[]);
    });
  });
}

export const benchmarks: Benchmark[] = [
  {
    name: 'runtime throughput',
    async run() {
      const dir = scratch();
      const manager = new AgentManager(defaultConfig({ dataDir: path.join(dir, 'data'), maxAgents: 4 }), { logger: silentLogger });
      try {
        const file = makeTextFile(dir, CAT_MB);
        const results = [await throughput(`cat ${CAT_MB} MB file`, 'cat', [file], dir, manager)];
        results.push(await throughput(`yes, ${YES_MB} MB`, 'sh', ['-c', `yes | head -c ${YES_MB * 1024 * 1024}`], dir, manager));
        return results;
      } finally {
        await manager.stopAll();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  { name: 'runtime memory per idle agent', run: memoryProbe },
];


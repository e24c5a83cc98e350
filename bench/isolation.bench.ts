import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { SpawnConfig } from '../src-shared/agent';
import { AgentManager } from '../src-main/runtime/agent-manager';
import { defaultConfig } from '../src-main/runtime/config';
import { silentLogger } from '../src-main/runtime/logger';
import { cliSpawnEnv, createCliHome, type CliName } from '../test/support/cli-home';
import { startModelServer } from '../test/support/model-server';
import type { Benchmark, BenchResult } from './types';

/**
 * What the `sandbox` isolation costs at start-up: spawn → `agent_ready` for each CLI with
 * `isolation: none` and with `sandbox` (network `allowlist`, so the egress proxy and the in-sandbox
 * bridge are on the path), alternating the two so machine noise hits both alike. The goal is the
 * issue's: within +0.3 s of `none` (docs/isolation.md "Start-up cost").
 */

const RUNS = 3;
const TYPES: Record<CliName | 'shell', string> = { claude: 'claude-code', codex: 'codex', gemini: 'gemini-cli', shell: 'shell' };
const GOAL_MS = 300;

async function spawnToReady(cli: CliName | 'shell', modelUrl: string, isolation: SpawnConfig['isolation']): Promise<number> {
  const home = createCliHome(cli === 'shell' ? 'claude' : cli, 'logged-in', { baseUrl: modelUrl, preAcceptTrust: true, preApproveKey: true });
  const env = cli === 'shell' ? { ...process.env, SHELL: '/bin/bash', HOME: home.home } : cliSpawnEnv(home);
  const baseEnv = { ...env, PATH: `${path.resolve(__dirname, '../node_modules/.bin')}${path.delimiter}${env.PATH ?? ''}` };
  const manager = new AgentManager(defaultConfig({ dataDir: path.join(home.root, 'data') }), { logger: silentLogger, baseEnv: baseEnv as NodeJS.ProcessEnv });
  try {
    const started = performance.now();
    const ready = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${cli} (${JSON.stringify(isolation)}): no agent_ready in 60 s`)), 60_000);
      const off = manager.on((event) => {
        if (event.type === 'agent_ready') {
          clearTimeout(timer);
          off();
          resolve(performance.now());
        } else if (event.type === 'agent_error' || event.type === 'agent_stopped') {
          clearTimeout(timer);
          off();
          reject(new Error(`${cli} (${JSON.stringify(isolation)}): ${event.type} before ready`));
        }
      });
    });
    await manager.spawn({ type: TYPES[cli], workdir: home.workdir, isolation });
    return (await ready) - started;
  } finally {
    await manager.stopAll();
    home.cleanup();
  }
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export const benchmarks: Benchmark[] = [
  {
    name: 'isolation start-up cost',
    async run() {
      const server = await startModelServer();
      const results: BenchResult[] = [];
      try {
        for (const cli of ['shell', 'claude', 'codex', 'gemini'] as const) {
          const none: number[] = [];
          const sandbox: number[] = [];
          for (let i = 0; i < RUNS; i++) {
            none.push(await spawnToReady(cli, server.url, 'none'));
            sandbox.push(await spawnToReady(cli, server.url, { mode: 'sandbox', network: 'allowlist' }));
          }
          const extra = median(sandbox) - median(none);
          results.push({
            name: `spawn → agent_ready, ${cli}, sandbox (allowlist) vs none`,
            value: Math.round(median(sandbox)),
            unit: 'ms (median)',
            baseline: { name: 'isolation none', value: Math.round(median(none)), unit: 'ms (median)' },
            ratio: Number((median(sandbox) / median(none)).toFixed(2)),
            goal: `≤ +${GOAL_MS} ms`,
            met: extra <= GOAL_MS,
            notes: `${extra >= 0 ? '+' : ''}${Math.round(extra)} ms; sandbox ${sandbox.map(Math.round).join(', ')} / none ${none.map(Math.round).join(', ')} ms`,
          });
        }
      } finally {
        await server.close();
      }
      return results;
    },
  },
];

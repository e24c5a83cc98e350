import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { adapterFor } from '../src-main/runtime/adapters/registry';
import { AgentManager } from '../src-main/runtime/agent-manager';
import { defaultConfig } from '../src-main/runtime/config';
import { silentLogger } from '../src-main/runtime/logger';
import { ScreenModel } from '../src-main/runtime/screen/screen-model';
import { cliSpawnEnv, createCliHome, type CliName } from '../test/support/cli-home';
import { startModelServer } from '../test/support/model-server';
import type { Benchmark, BenchResult } from './types';

/**
 * Ready-detection latency: from the moment the CLI's idle prompt is on screen to `agent_ready`.
 *
 * Every output chunk is recorded with its arrival time. Afterwards the chunks are replayed into a
 * fresh screen model and classified after each one; the "prompt drawn" moment is the arrival of
 * the first chunk after which the screen classifies as ready and keeps doing so up to the event.
 * The difference is what the runtime adds: parsing, the settle time, the classification throttle.
 * HOMEs pre-accept trust and the API key, so start-up goes straight to the prompt.
 */

const RUNS = 3;
const TYPES: Record<CliName | 'shell', string> = { claude: 'claude-code', codex: 'codex', gemini: 'gemini-cli', shell: 'shell' };

async function measureOnce(cli: CliName | 'shell', modelUrl: string): Promise<number> {
  const home = cli === 'shell' ? undefined : createCliHome(cli, 'logged-in', { baseUrl: modelUrl, preAcceptTrust: true, preApproveKey: true });
  const env = home ? cliSpawnEnv(home) : { ...process.env, SHELL: '/bin/bash', HOME: '/nonexistent' };
  const baseEnv = { ...env, PATH: `${path.resolve(__dirname, '../node_modules/.bin')}${path.delimiter}${env.PATH ?? ''}` };
  const dataDir = path.join(home?.root ?? '/tmp', 'bench-data');
  const manager = new AgentManager(defaultConfig({ dataDir }), { logger: silentLogger, baseEnv: baseEnv as NodeJS.ProcessEnv });
  const chunks: { at: number; data: string }[] = [];
  try {
    const agent = await manager.spawn({ type: TYPES[cli], workdir: home?.workdir ?? '/tmp' });
    manager.sessionFor(agent.id).onData((data) => chunks.push({ at: performance.now(), data }));
    const readyAt = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${cli}: no agent_ready`)), 60_000);
      const off = manager.on((event) => {
        if (event.type === 'agent_ready' && event.agentId === agent.id) {
          clearTimeout(timer);
          off();
          resolve(performance.now());
        }
      });
    });
    const adapter = adapterFor(TYPES[cli] === 'shell' ? 'shell' : (TYPES[cli] as 'claude-code' | 'codex' | 'gemini-cli'));
    const screen = new ScreenModel({ cols: 120, rows: 40, scrollback: 1000 });
    let promptDrawnAt: number | undefined;
    for (const chunk of chunks.filter((c) => c.at <= readyAt)) {
      screen.write(chunk.data);
      await screen.flush();
      const state = adapter.classify(screen.snapshot(), { workdir: home?.workdir ?? '/tmp', keyFromRuntime: true, quietMs: 0, startup: true });
      if (state.kind === 'ready') promptDrawnAt ??= chunk.at;
      else promptDrawnAt = undefined;
    }
    screen.dispose();
    if (promptDrawnAt === undefined) throw new Error(`${cli}: the screen at agent_ready does not classify as ready`);
    return readyAt - promptDrawnAt;
  } finally {
    await manager.stopAll();
    home?.cleanup();
  }
}

export const benchmarks: Benchmark[] = [
  {
    name: 'ready-detection latency',
    async run() {
      const server = await startModelServer();
      const results: BenchResult[] = [];
      try {
        for (const cli of ['shell', 'claude', 'codex', 'gemini'] as const) {
          const samples: number[] = [];
          for (let i = 0; i < RUNS; i++) samples.push(await measureOnce(cli, server.url));
          samples.sort((a, b) => a - b);
          const worst = samples[samples.length - 1];
          results.push({
            name: `ready latency, ${cli} (idle prompt on screen → agent_ready)`,
            value: Math.round(samples[Math.floor(samples.length / 2)]),
            unit: 'ms (median)',
            goal: '≤ 300 ms',
            met: worst <= 300,
            notes: `${RUNS} runs: ${samples.map((s) => Math.round(s)).join(', ')} ms`,
          });
        }
      } finally {
        await server.close();
      }
      return results;
    },
  },
];

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RuntimeEvent, RuntimeEventType } from '../../src-shared/events';
import { AgentManager } from '../../src-main/runtime/agent-manager';
import { defaultConfig, type RuntimeConfig } from '../../src-main/runtime/config';
import { createLogger } from '../../src-main/runtime/logger';

/** A manager with a scratch data folder, recording every event, for integration tests. */
export interface Harness {
  manager: AgentManager;
  events: RuntimeEvent[];
  dataDir: string;
  scratch: string;
  waitFor<T extends RuntimeEventType>(type: T, agentId: string, timeoutMs?: number, predicate?: (e: Extract<RuntimeEvent, { type: T }>) => boolean): Promise<Extract<RuntimeEvent, { type: T }>>;
  close(): Promise<void>;
}

export function createHarness(overrides: Partial<RuntimeConfig> = {}, baseEnv: NodeJS.ProcessEnv = process.env): Harness {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-test-'));
  const dataDir = path.join(scratch, 'data');
  const level = process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : 'silent';
  const manager = new AgentManager(defaultConfig({ dataDir, logLevel: level, ...overrides }), {
    logger: createLogger(level),
    baseEnv,
  });
  const events: RuntimeEvent[] = [];
  const waiters = new Set<() => void>();
  manager.on((event) => {
    events.push(event);
    for (const w of [...waiters]) w();
  });
  return {
    manager,
    events,
    dataDir,
    scratch,
    waitFor(type, agentId, timeoutMs = 20_000, predicate) {
      type E = Extract<RuntimeEvent, { type: typeof type }>;
      const find = () => events.find((e): e is E => e.type === type && e.agentId === agentId && (!predicate || predicate(e as E)));
      const found = find();
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const fail = (why: string) => {
          clearTimeout(timer);
          waiters.delete(check);
          reject(new Error(`${why} waiting for ${type} on ${agentId}; ${describeHistory(manager, events, agentId)}`));
        };
        const timer = setTimeout(() => fail('timed out'), timeoutMs);
        // An agent that has stopped will never emit anything else: say so now, with its last screen,
        // instead of after the whole timeout.
        const stopped = () => type !== 'agent_stopped' && events.some((e) => e.type === 'agent_stopped' && e.agentId === agentId);
        const check = () => {
          const hit = find();
          if (hit) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(hit);
          } else if (stopped()) {
            fail('agent stopped while');
          }
        };
        waiters.add(check);
      });
    },
    async close() {
      await manager.stopAll({ timeoutMs: 3_000 });
      fs.rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** What an agent did, for a failure message: its events (with error and exit details) and last screen. */
function describeHistory(manager: AgentManager, events: RuntimeEvent[], agentId: string): string {
  const seen = events.filter((e) => e.agentId === agentId).map((e) => {
    if (e.type === 'status_changed') return `status:${e.status}`;
    if (e.type === 'agent_error') return `agent_error(${e.code}: ${e.error})`;
    if (e.type === 'agent_stopped') return `agent_stopped(${e.reason}, exit ${e.exitCode})`;
    return e.type;
  });
  let screen = '';
  try {
    // The rendered rows, as a person saw them: the raw output of a TUI is mostly cursor movement.
    screen = manager.logs(agentId, 30).join('\n').trimEnd();
  } catch {
    screen = '(no output)';
  }
  return `saw ${seen.join(', ')}\n--- last screen ---\n${screen}`;
}

/** A scratch folder inside the harness's scratch area. */
export function scratchDir(harness: Harness, name: string): string {
  const dir = path.join(harness.scratch, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { AgentStatus } from '../../src-shared/agent';
import type { AgentMetrics, RuntimeMetrics } from '../../src-shared/api';
import type { AgentManager } from '../runtime/agent-manager';

/**
 * Counters behind `GET /agents/:id/metrics` and `GET /metrics`, fed by runtime events; output
 * volume is counted by the session itself. Entries for agents the manager has forgotten are pruned.
 */

interface Counters {
  messages: number;
  questions: number;
  autoResponses: number;
}

/** Event-loop delay sampling period: fine enough to see a 50 ms stall, cheap enough to leave on. */
const LOOP_RESOLUTION_MS = 10;

export class MetricsTracker {
  private readonly counters = new Map<string, Counters>();
  private readonly unsubscribe: () => void;
  private readonly loop: IntervalHistogram;
  httpRequests = 0;

  constructor(private readonly manager: AgentManager) {
    this.loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    this.loop.enable();
    this.unsubscribe = manager.on((event) => {
      const entry = this.entry(event.agentId);
      switch (event.type) {
        case 'message':
          entry.messages++;
          break;
        case 'question':
          entry.questions++;
          break;
        case 'blocking_prompt':
          if (event.autoResponded) entry.autoResponses++;
          break;
        case 'agent_stopped':
          this.prune();
          break;
        default:
          break;
      }
    });
  }

  private entry(agentId: string): Counters {
    let entry = this.counters.get(agentId);
    if (!entry) {
      entry = { messages: 0, questions: 0, autoResponses: 0 };
      this.counters.set(agentId, entry);
    }
    return entry;
  }

  private prune(): void {
    for (const id of this.counters.keys()) if (!this.manager.has(id)) this.counters.delete(id);
  }

  agent(agentId: string, viewers: number): AgentMetrics {
    const handle = this.manager.get(agentId);
    const entry = this.counters.get(agentId) ?? { messages: 0, questions: 0, autoResponses: 0 };
    const started = handle.startedAt ? Date.parse(handle.startedAt) : undefined;
    const ended = handle.stoppedAt ? Date.parse(handle.stoppedAt) : Date.now();
    return {
      agentId,
      status: handle.status,
      uptime: started === undefined ? 0 : Math.max(0, Math.round((ended - started) / 1000)),
      messageCount: entry.messages,
      questionCount: entry.questions,
      autoResponses: entry.autoResponses,
      outputChars: this.manager.sessionFor(agentId).outputChars,
      viewers,
      startedAt: handle.startedAt,
      lastActivityAt: handle.lastActivityAt,
    };
  }

  runtime(input: { version: string; viewers: number; viewerBufferedBytes: number; eventSubscribers: number }): RuntimeMetrics {
    const agents = this.manager.list();
    const byStatus: Partial<Record<AgentStatus, number>> = {};
    for (const agent of agents) byStatus[agent.status] = (byStatus[agent.status] ?? 0) + 1;
    const memory = process.memoryUsage();
    // The histogram records whole sampling intervals; the lag is what exceeds the interval.
    const ms = (ns: number) => Math.max(0, Math.round((ns / 1e6 - LOOP_RESOLUTION_MS) * 100) / 100);
    return {
      version: input.version,
      uptime: this.manager.uptimeSeconds,
      maxAgents: this.manager.config.maxAgents,
      agents: { total: agents.length, live: this.manager.liveCount(), byStatus },
      viewers: input.viewers,
      viewerBufferedBytes: input.viewerBufferedBytes,
      eventSubscribers: input.eventSubscribers,
      http: { requests: this.httpRequests },
      process: {
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        eventLoopLagP50Ms: ms(this.loop.percentile(50)),
        eventLoopLagP99Ms: ms(this.loop.percentile(99)),
        eventLoopLagMaxMs: ms(this.loop.max),
      },
    };
  }

  dispose(): void {
    this.unsubscribe();
    this.loop.disable();
    this.counters.clear();
  }
}

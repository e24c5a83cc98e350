import type { AgentHandle, AgentMessage, AgentStatus, AgentType } from '../../src-shared/agent';

let counter = 0;

/** An AgentHandle with sensible defaults, for tests of code that only reads handles. */
export function agent(overrides: Partial<AgentHandle> & { status?: AgentStatus; type?: AgentType } = {}): AgentHandle {
  counter++;
  const id = overrides.id ?? `agent-${counter}`;
  return {
    id,
    runtimeSessionId: id,
    name: overrides.name ?? `agent ${counter}`,
    type: 'shell',
    status: 'ready',
    capabilities: [],
    workdir: '/home/dev/project',
    command: '/bin/bash',
    args: [],
    cols: 120,
    rows: 40,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, counter)).toISOString(),
    automationPaused: false,
    ...overrides,
  };
}

/** A `message` event's AgentMessage, for tests that emit message events by hand. */
export function reply(agentId: string, content: string): AgentMessage {
  counter++;
  return { id: `${agentId}-msg-${counter}`, agentId, direction: 'outbound', type: 'response', content, timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, counter)).toISOString() };
}

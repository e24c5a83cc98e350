import { z } from 'zod';
import { AGENT_STATUSES, AGENT_TYPES } from '../../../src-shared/agent';
import { ERROR_CODES } from '../../../src-shared/errors';
import { THREAD_STATUSES } from '../../../src-shared/threads';
import { agentIsolationSchema, isolationSupportSchema } from './isolation';

/**
 * What each route answers, for the OpenAPI document. Every export here is a response schema, and
 * responses-agree.ts checks each against its src-shared type in both directions.
 */

export const errorBodySchema = z.object({
  error: z.string(),
  code: z.enum(ERROR_CODES),
  details: z.record(z.string(), z.unknown()).optional(),
});

const questionOptionSchema = z.object({ label: z.string(), keys: z.array(z.string()) });

const questionSchema = z.object({
  question: z.string(),
  options: z.array(questionOptionSchema),
  kind: z.string(),
  tool: z.string().optional().meta({ description: "For a permission question while the CLI's permission hook is pending: the tool asked about, by the CLI's own name." }),
  input: z.unknown().optional().meta({ description: "With tool: the tool's input as the hook gave it." }),
});

const loginSchema = z.object({
  method: z.enum(['device_code', 'oauth_browser', 'api_key', 'cli_auth', 'unknown']),
  loginUrl: z.string().optional(),
  trusted: z.boolean().optional().meta({ description: 'With loginUrl: true when the CLI\'s own login screen showed it; false: show with a warning, never open unasked.' }),
  deviceCode: z.string().optional(),
  instructions: z.string(),
  options: z.array(questionOptionSchema).optional().meta({ description: 'When the CLI shows a chooser of sign-in methods: its entries, answered through keys.' }),
});

export const agentHandleSchema = z.object({
  id: z.string(),
  runtimeSessionId: z.string(),
  runtimeEndpoint: z.string().optional(),
  name: z.string(),
  type: z.enum(AGENT_TYPES),
  status: z.enum(AGENT_STATUSES),
  pid: z.number().optional(),
  role: z.string().optional(),
  capabilities: z.array(z.string()),
  workdir: z.string(),
  command: z.string(),
  args: z.array(z.string()),
  cols: z.number(),
  rows: z.number(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  lastActivityAt: z.string().optional(),
  stoppedAt: z.string().optional(),
  exitCode: z.number().nullable().optional(),
  reason: z.string().optional(),
  error: z.string().optional(),
  version: z.string().optional(),
  automationPaused: z.boolean(),
  question: questionSchema.optional(),
  login: loginSchema.optional(),
  lastLogin: loginSchema.optional(),
  stalledSince: z.string().optional().meta({ description: 'While a busy agent has been still with no dialog past the stall threshold: when its screen last changed (agent_stalled event).' }),
  signals: z
    .object({
      hooks: z.boolean().meta({ description: "True once a hook of the agent's CLI has reached the runtime, while its channel is open." }),
      lastHookAt: z.string().optional().meta({ description: 'When the last hook arrived.' }),
    })
    .optional()
    .meta({ description: 'Structured signal sources fused with the screen (Claude Code hooks); absent when the agent runs on its screen alone.' }),
  isolation: agentIsolationSchema.optional().meta({ description: 'How the agent is isolated: mode, network, limits, refused connections.' }),
});

export const agentListSchema = z.object({ agents: z.array(agentHandleSchema), count: z.number() });
export const clearAgentsResponseSchema = z.object({ cleared: z.array(z.string()) });

export const healthSchema = z.object({
  healthy: z.boolean(),
  version: z.string(),
  activeAgents: z.number(),
  maxAgents: z.number(),
  uptime: z.number(),
  message: z.string(),
  adapters: z.array(z.object({ type: z.enum(AGENT_TYPES), displayName: z.string(), installed: z.boolean(), version: z.string().optional(), installHint: z.string() })),
  runtime: z.object({ name: z.string(), type: z.literal('local'), activeAgents: z.number() }),
  isolation: isolationSupportSchema.optional(),
});

export const sendResponseSchema = z.object({
  sent: z.literal(true),
  status: z.enum(AGENT_STATUSES),
  response: z.object({
    id: z.string(),
    agentId: z.string(),
    direction: z.enum(['inbound', 'outbound']),
    type: z.enum(['task', 'response', 'question']),
    content: z.string(),
    timestamp: z.string(),
    inReplyTo: z.string().optional(),
  }),
  question: questionSchema.optional(),
});

export const logsResponseSchema = z.object({ logs: z.array(z.string()), count: z.number() });
export const logEntriesResponseSchema = z.object({
  entries: z.array(
    z.object({
      timestamp: z.string(),
      level: z.enum(['debug', 'info', 'warn', 'error']),
      message: z.string(),
      metadata: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
});
/** `GET /agents/:id/logs` answers either shape, by `?format=`. */
export const logsOrEntriesResponseSchema = z.union([logsResponseSchema, logEntriesResponseSchema]);

export const outputResponseSchema = z.object({ output: z.string() });
export const transcriptListSchema = z.object({
  transcripts: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      type: z.string(),
      workdir: z.string(),
      command: z.string(),
      args: z.array(z.string()),
      createdAt: z.string(),
      stoppedAt: z.string().optional(),
      exitCode: z.number().nullable().optional(),
      parts: z.array(z.string()),
    }),
  ),
});
export const keysResponseSchema = z.object({ sent: z.literal(true), keys: z.array(z.string()) });
export const inputResponseSchema = z.object({ sent: z.literal(true), length: z.number() });
export const resizeResponseSchema = z.object({ cols: z.number(), rows: z.number() });
export const stopResponseSchema = z.object({ stopped: z.literal(true), agent: agentHandleSchema });

export const agentMetricsSchema = z.object({
  agentId: z.string(),
  status: z.enum(AGENT_STATUSES),
  uptime: z.number(),
  messageCount: z.number(),
  questionCount: z.number(),
  autoResponses: z.number(),
  outputChars: z.number(),
  viewers: z.number(),
  startedAt: z.string().optional(),
  lastActivityAt: z.string().optional(),
});

export const runtimeMetricsSchema = z.object({
  version: z.string(),
  uptime: z.number(),
  maxAgents: z.number(),
  agents: z.object({ total: z.number(), live: z.number(), byStatus: z.partialRecord(z.enum(AGENT_STATUSES), z.number()) }),
  viewers: z.number(),
  viewerBufferedBytes: z.number(),
  eventSubscribers: z.number(),
  http: z.object({ requests: z.number() }),
  process: z.object({
    rssBytes: z.number(),
    heapUsedBytes: z.number(),
    eventLoopLagP50Ms: z.number(),
    eventLoopLagP99Ms: z.number(),
    eventLoopLagMaxMs: z.number(),
  }),
});

export const threadHandleSchema = z.object({
  id: z.string(),
  executionId: z.string(),
  runtimeName: z.string(),
  agentId: z.string().optional(),
  agentType: z.string(),
  name: z.string(),
  role: z.string().optional(),
  status: z.enum(THREAD_STATUSES),
  workspace: z
    .object({ workspaceId: z.string().optional(), path: z.string(), repo: z.string().optional(), branch: z.string().optional(), worktreeId: z.string().optional() })
    .optional(),
  objective: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  lastActivityAt: z.string().optional(),
  summary: z.string().optional(),
  completion: z.object({ state: z.literal('partial'), summary: z.string() }).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export const threadListSchema = z.object({ threads: z.array(threadHandleSchema), count: z.number() });
export const threadSendResponseSchema = z.object({ sent: z.literal(true) });

export const ravenSpawnResponseSchema = z.object({
  agents: z.array(
    z.object({ id: z.string(), name: z.string(), status: z.enum(AGENT_STATUSES), runtimeSessionId: z.string(), runtimeEndpoint: z.string() }),
  ),
});

export const serviceDescriptionSchema = z.object({
  service: z.string(),
  version: z.string(),
  ui: z.object({ built: z.boolean(), path: z.string() }),
  endpoints: z.object({
    health: z.string(),
    agents: z.string(),
    threads: z.string(),
    spawn: z.string(),
    events: z.string(),
    metrics: z.string(),
    openapi: z.string(),
    websocket: z.object({ general: z.string(), events: z.string(), terminal: z.string() }),
  }),
});

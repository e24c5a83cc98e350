import * as path from 'node:path';
import { z } from 'zod';
import { MAX_METADATA_BYTES, MAX_METADATA_DEPTH } from '../../src-shared/limits';
import { nestsDeeperThan } from './json-depth';
import { AGENT_STATUSES, AGENT_TYPES, APPROVAL_PRESETS, MAX_COLS, MAX_ROWS, MIN_COLS, MIN_ROWS, resolveAgentType } from '../../src-shared/agent';
import type {
  CreateAgentRequest,
  InputRequest,
  KeysRequest,
  RavenSpawnRequest,
  ResizeRequest,
  SendRequest,
  StopRequest,
} from '../../src-shared/api';
import { ERROR_CODES } from '../../src-shared/errors';
import { THREAD_STATUSES, type ThreadHandle, type ThreadSendRequest } from '../../src-shared/threads';
import { keysToSequences } from '../../src-shared/keys';
import { AGENT_ID_PATTERN, MAX_LOG_LINES, MAX_SEND_TIMEOUT_MS } from '../runtime/agent-manager';
import { MAX_MESSAGE_CHARS } from '../runtime/session/session';

/**
 * One zod schema per route input, checked at the boundary. Bodies are strict: a field nobody
 * documented is a client bug we report (400) rather than silently drop. The same schemas produce
 * the OpenAPI document (openapi.ts).
 */

// ───────────────────────────── limits (each with its reason) ─────────────────────────────

/** Names and roles are labels in lists and terminal titles; 200 matches the manager's own cap. */
const MAX_LABEL = 200;
/** PATH_MAX on Linux. */
const MAX_PATH = 4096;
/** Generous for real environments (a few hundred variables) while bounding the work per request. */
const MAX_ENV_ENTRIES = 1000;
/** ARG_MAX-style cap per value: a single variable larger than this is a mistake, not configuration. */
const MAX_ENV_VALUE = 128 * 1024;
/** Argument lists are typed by people or templates; 1000 covers any real CLI invocation. */
const MAX_ARGS = 1000;
/** Key lists come from people and scripts answering prompts; 200 keys is minutes of typing. */
const MAX_KEYS = 200;
/** Longest key name in the vocabulary is ~20 chars ("ctrl+alt+shift+pagedown"); 64 leaves room for aliases. */
const MAX_KEY_NAME = 64;
/** Raven sends a handful of context files (CLAUDE.md, .mcp.json, settings); 200 is far above that. */
const MAX_CONTEXT_FILES = 200;
/** Raven's docs say 1–10 agents per spawn call. */
const MAX_SPAWN_COUNT = 10;
/** Stop grace: beyond a minute a stuck agent should be force-killed instead. */
const MAX_STOP_TIMEOUT_MS = 60_000;

// ───────────────────────────── building blocks ─────────────────────────────

const noNul = (value: string) => !value.includes('\0');
const osString = (max: number) => z.string().max(max).refine(noNul, { message: 'must not contain NUL characters' });

const agentTypeSchema = z
  .string()
  .min(1)
  .max(64)
  .refine((value) => resolveAgentType(value) !== undefined, {
    message: `unknown agent type; known types: ${AGENT_TYPES.join(', ')} (aliases such as claude, gemini are accepted)`,
  })
  .meta({ description: `One of ${AGENT_TYPES.join(', ')}, or an alias (claude, gemini, openai-codex, …).` });

const envSchema = z
  .record(
    z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[^=\0]+$/, { message: 'variable names must not contain "=" or NUL' }),
    osString(MAX_ENV_VALUE),
  )
  .refine((env) => Object.keys(env).length <= MAX_ENV_ENTRIES, { message: `at most ${MAX_ENV_ENTRIES} variables` });

const labelList = z.array(z.string().max(MAX_LABEL)).max(100);
const colsSchema = z.number().int().min(MIN_COLS).max(MAX_COLS);
const rowsSchema = z.number().int().min(MIN_ROWS).max(MAX_ROWS);

const autoRespondSchema = z.strictObject({
  trustFolder: z.boolean().optional(),
  apiKey: z.boolean().optional(),
  update: z.boolean().optional(),
  telemetry: z.boolean().optional(),
  survey: z.boolean().optional(),
});

const credentialsSchema = z.strictObject({
  anthropicKey: z.string().max(4096).optional(),
  openaiKey: z.string().max(4096).optional(),
  googleKey: z.string().max(4096).optional(),
  // Parallax AgentConfig fields; accepted for compatibility, not used by any adapter.
  githubToken: z.string().max(4096).optional(),
  custom: z.record(z.string(), z.string().max(4096)).optional(),
});

const keyName = z
  .string()
  .min(1)
  .max(MAX_KEY_NAME)
  .meta({ description: 'A key name (enter, esc, up, ctrl+c, shift+tab, f5, …) or a single character.' });

function validKeys(keys: string | string[]): boolean {
  try {
    keysToSequences(typeof keys === 'string' ? [keys] : keys);
    return true;
  } catch {
    return false;
  }
}

/** Query values arrive as a string or, when repeated, an array; comma lists are split too. */
function listParam<T extends z.ZodType<string, string>>(item: T) {
  return z
    .union([z.string(), z.array(z.string())])
    .transform((value) => (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== ''))
    .pipe(z.array(item));
}

const booleanParam = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

const intParam = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

// ───────────────────────────── params ─────────────────────────────

export const agentIdParams = z.strictObject({
  id: z.string().min(1).max(256).meta({ description: 'The agent id (also its runtimeSessionId).' }),
});

export const emptyObject = z.strictObject({});
export const transcriptParams = z.strictObject({
  id: z.string().regex(AGENT_ID_PATTERN),
  part: z.string().regex(/^\d{4}\.cast$/),
});

// ───────────────────────────── bodies ─────────────────────────────

export const createAgentBody = z
  .strictObject({
    id: z.string().regex(AGENT_ID_PATTERN, { message: 'letters, digits, ".", "_" and "-", up to 128, starting with a letter or digit' }).optional(),
    name: z.string().max(MAX_LABEL).optional(),
    type: agentTypeSchema,
    workdir: osString(MAX_PATH).min(1).optional(),
    command: osString(MAX_PATH).min(1).optional().meta({ description: 'For custom agents: the program to run.' }),
    args: z.array(osString(32 * 1024)).max(MAX_ARGS).optional(),
    env: envSchema.optional(),
    credentials: credentialsSchema.optional(),
    cols: colsSchema.optional(),
    rows: rowsSchema.optional(),
    capabilities: labelList.optional(),
    role: z.string().max(MAX_LABEL).optional(),
    autoRespond: autoRespondSchema.optional(),
    approvalPreset: z.enum(APPROVAL_PRESETS).optional(),
    reportsTo: z.string().max(MAX_LABEL).optional(),
    resources: z
      .strictObject({
        cpu: z.union([z.number(), z.string().max(64)]).optional(),
        memory: z.union([z.number(), z.string().max(64)]).optional(),
        timeout: z.number().optional(),
      })
      .optional(),
    autoRestart: z.boolean().optional(),
    idleTimeout: z.number().min(0).optional(),
    executionId: z.string().max(MAX_LABEL).optional(),
  })
  .refine((body) => resolveAgentType(body.type) !== 'custom' || (body.command !== undefined && body.command.trim() !== ''), {
    message: 'a custom agent needs a "command"',
    path: ['command'],
  })
  // Parallax requires a name for every spawn, and its scripts/test-runtime-api.sh checks that
  // {"type":"echo"} alone is a 400. Our other types default the name; echo, the type those
  // scripts use, keeps Parallax's rule so the script passes (docs/compatibility.md).
  .refine((body) => resolveAgentType(body.type) !== 'echo' || (body.name !== undefined && body.name.trim() !== ''), {
    message: 'Agent name is required',
    path: ['name'],
  });

export const sendBody = z.strictObject({
  message: z
    .string()
    .max(MAX_MESSAGE_CHARS)
    .refine((m) => m.trim() !== '', { message: 'the message is empty' }),
  timeout: z.number().int().min(1).max(MAX_SEND_TIMEOUT_MS).optional().meta({ description: 'Milliseconds to wait for the reply.' }),
  expectResponse: z.boolean().optional(),
});

export const keysBody = z.strictObject({
  keys: z
    .union([keyName, z.array(keyName).min(1).max(MAX_KEYS)])
    .refine(validKeys, { message: 'unknown key name; use names like enter, esc, up, ctrl+c, shift+tab, f5, or a single character' }),
});

export const inputBody = z.strictObject({
  data: z.string().min(1).max(MAX_MESSAGE_CHARS).meta({ description: 'Raw bytes for the terminal, e.g. "ls\\r".' }),
});

export const resizeBody = z.strictObject({ cols: colsSchema, rows: rowsSchema });
/** `POST /agents/:id/restart`: new credentials replace the old ones (e.g. a key entered at a login). */
export const restartBody = z.strictObject({ credentials: credentialsSchema.optional() });

export const stopBody = z.strictObject({
  force: z.boolean().optional(),
  timeout: z.number().int().min(0).max(MAX_STOP_TIMEOUT_MS).optional(),
});

const contextFileSchema = z.strictObject({
  path: z.string().min(1).max(1024).meta({ description: 'Relative to the workdir; may not leave it.' }),
  content: z.string(),
});

export const ravenSpawnBody = z
  .strictObject({
    agentType: agentTypeSchema,
    count: z.number().int().min(1).max(MAX_SPAWN_COUNT).optional(),
    name: z.string().max(MAX_LABEL).optional(),
    capabilities: labelList.optional(),
    permissions: labelList.optional(),
    config: z
      .strictObject({
        workdir: osString(MAX_PATH).min(1).optional(),
        env: envSchema.optional(),
        adapterConfig: z
          .looseObject({
            interactive: z.boolean().optional(),
            approvalPreset: z.enum(APPROVAL_PRESETS).optional(),
          })
          .optional(),
        contextFiles: z.array(contextFileSchema).max(MAX_CONTEXT_FILES).optional(),
        repoUrl: z.string().max(MAX_PATH).optional(),
        branch: z.string().max(MAX_LABEL).optional(),
        command: osString(MAX_PATH).min(1).optional().meta({ description: 'Runtime extension: the program of a custom agent.' }),
        args: z.array(osString(32 * 1024)).max(MAX_ARGS).optional(),
      })
      .optional(),
    workspaceId: z.string().max(MAX_LABEL).optional(),
    callbackUrl: z.url({ protocol: /^https?$/ }).max(MAX_PATH).optional(),
    projectId: z.string().max(MAX_LABEL).optional(),
    taskId: z.string().max(MAX_LABEL).optional(),
  })
  .refine((body) => resolveAgentType(body.agentType) !== 'custom' || (body.config?.command !== undefined && body.config.command.trim() !== ''), {
    message: 'a custom agent needs "config.command"',
    path: ['config', 'command'],
  });

/** Parallax answers a missing required field with "<field> is required"; so do we (still as VALIDATION_ERROR). */
const requiredText = (field: string, max: number) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `${field} is required` : undefined) })
    .max(max)
    .refine((value) => value.trim() !== '', { message: `${field} is required` });

/**
 * Free-form metadata is echoed in every thread answer, event and snapshot: bounded in depth and
 * size so that no later serialisation can fail or balloon. The body's own depth guard (64) has
 * already run, so measuring the size by serialising is safe.
 */
const metadataSchema = z
  .record(z.string().max(MAX_LABEL), z.unknown())
  .refine((value) => !nestsDeeperThan(value, MAX_METADATA_DEPTH), { message: `must nest at most ${MAX_METADATA_DEPTH} levels deep`, abort: true })
  .refine((value) => Buffer.byteLength(JSON.stringify(value), 'utf8') <= MAX_METADATA_BYTES, { message: `must be at most ${MAX_METADATA_BYTES} bytes as JSON` });

/** A relative path would be resolved against the runtime's own folder, which no client means. */
const absolutePath = osString(MAX_PATH)
  .min(1)
  .refine((value) => path.isAbsolute(value), { message: 'must be an absolute path' });

const threadWorkspaceSchema = z
  .union([
    absolutePath,
    z.looseObject({
      workspaceId: z.string().max(MAX_LABEL).optional(),
      path: absolutePath.optional(),
      repo: z.string().max(MAX_PATH).optional(),
      branch: z.string().max(MAX_LABEL).optional(),
      worktreeId: z.string().max(MAX_LABEL).optional(),
    }),
  ])
  .transform((workspace) => (typeof workspace === 'string' ? { path: workspace } : workspace))
  .meta({ description: 'The folder to work in: a path, or {path, workspaceId, repo, branch, worktreeId}. Absent: a scratch folder.' });

/**
 * Parallax's SpawnThreadInput. Loose on purpose: orchestrator versions add fields this runtime has
 * no use for, and refusing a whole thread over one of them would break the orchestrator; the
 * fields listed are checked as strictly as anywhere else.
 */
export const createThreadBody = z
  .looseObject({
    executionId: requiredText('executionId', MAX_LABEL),
    agentType: z.string({ error: (issue) => (issue.input === undefined ? 'agentType is required' : undefined) }).pipe(agentTypeSchema),
    name: requiredText('thread name', MAX_LABEL),
    objective: requiredText('objective', MAX_MESSAGE_CHARS),
    role: z.string().max(MAX_LABEL).optional(),
    workspace: threadWorkspaceSchema.optional(),
    contextFiles: z.array(contextFileSchema).max(MAX_CONTEXT_FILES).optional(),
    env: envSchema.optional(),
    environment: envSchema.optional().meta({ description: "The Parallax client's name for env; both are merged." }),
    metadata: metadataSchema.optional(),
    approvalPreset: z.enum(APPROVAL_PRESETS).optional(),
    command: osString(MAX_PATH).min(1).optional().meta({ description: 'For custom agents: the program to run.' }),
    args: z.array(osString(32 * 1024)).max(MAX_ARGS).optional(),
  })
  .refine((body) => resolveAgentType(body.agentType) !== 'custom' || (body.command !== undefined && body.command.trim() !== ''), {
    message: 'a custom agent needs a "command"',
    path: ['command'],
  });

export const threadSendBody = z
  .strictObject({
    message: z
      .string()
      .max(MAX_MESSAGE_CHARS)
      .refine((m) => m.trim() !== '', { message: 'the message is empty' })
      .optional(),
    raw: z.string().min(1).max(MAX_MESSAGE_CHARS).optional(),
    keys: z.array(keyName).min(1).max(MAX_KEYS).refine(validKeys, { message: 'unknown key name; use names like enter, esc, up, ctrl+c, shift+tab, f5, or a single character' }).optional(),
    metadata: metadataSchema.optional(),
  })
  .refine((body) => body.message !== undefined || body.raw !== undefined || body.keys !== undefined, { message: 'message, raw, or keys is required' });

export const threadIdParams = z.strictObject({
  id: z.string().min(1).max(256).meta({ description: 'The thread id (thread-…).' }),
});

// ───────────────────────────── queries ─────────────────────────────

export const listAgentsQuery = z.strictObject({
  status: listParam(z.enum(AGENT_STATUSES)).optional(),
  type: listParam(agentTypeSchema).optional(),
  role: listParam(z.string().max(MAX_LABEL)).optional(),
});

export const listThreadsQuery = z.strictObject({
  executionId: z.string().min(1).max(MAX_LABEL).optional(),
  status: listParam(z.enum(THREAD_STATUSES)).optional(),
  role: listParam(z.string().max(MAX_LABEL)).optional(),
  agentType: listParam(agentTypeSchema).optional(),
});

export const logsQuery = z.strictObject({
  lines: intParam(1, MAX_LOG_LINES).optional(),
  tail: intParam(1, MAX_LOG_LINES).optional(),
  format: z.enum(['json', 'text']).optional(),
});

export const deleteAgentQuery = z.strictObject({
  force: booleanParam.optional(),
  timeout: intParam(0, MAX_STOP_TIMEOUT_MS).optional(),
});

/** `DELETE /agents?status=stopped`: the only bulk delete there is, so the filter must be said out loud. */
export const clearAgentsQuery = z.strictObject({
  status: z.literal('stopped', { error: 'DELETE /agents clears stopped agents only: add ?status=stopped' }),
});

export const clearAgentsResponseSchema = z.object({ cleared: z.array(z.string()) });

export const eventsQuery = z.strictObject({
  agentId: z.string().min(1).max(256).optional(),
  threadId: z.string().min(1).max(256).optional(),
});

export const streamQuery = z.strictObject({
  format: z.enum(['text', 'sse']).optional().meta({ description: 'Overrides the Accept header.' }),
});

// ───────────────────────────── responses (documentation) ─────────────────────────────

export const errorBodySchema = z.object({
  error: z.string(),
  code: z.enum(ERROR_CODES),
  details: z.record(z.string(), z.unknown()).optional(),
});

const questionSchema = z.object({
  question: z.string(),
  options: z.array(z.object({ label: z.string(), keys: z.array(z.string()) })),
  kind: z.string(),
});

const loginSchema = z.object({ method: z.string(), loginUrl: z.string().optional(), trusted: z.boolean().optional(), deviceCode: z.string().optional(), instructions: z.string() });

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
});

export const agentListSchema = z.object({ agents: z.array(agentHandleSchema), count: z.number() });

export const healthSchema = z.object({
  healthy: z.boolean(),
  version: z.string(),
  activeAgents: z.number(),
  maxAgents: z.number(),
  uptime: z.number(),
  message: z.string(),
  adapters: z.array(z.object({ type: z.enum(AGENT_TYPES), displayName: z.string(), installed: z.boolean(), version: z.string().optional(), installHint: z.string() })),
  runtime: z.object({ name: z.string(), type: z.literal('local'), activeAgents: z.number() }),
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

export const logsResponseSchema = z.union([
  z.object({ logs: z.array(z.string()), count: z.number() }),
  z.object({ entries: z.array(z.object({ timestamp: z.string(), level: z.enum(['debug', 'info', 'warn', 'error']), message: z.string() })) }),
]);

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
  agents: z.object({ total: z.number(), live: z.number(), byStatus: z.record(z.string(), z.number()) }),
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
  endpoints: z.record(z.string(), z.unknown()),
});

// ───────────────────────────── schema ↔ wire-type agreement ─────────────────────────────

/** Compile-time check that what a schema accepts is what the shared wire type describes. */
type Agrees<Schema, Wire> = Schema extends Wire ? true : never;
const agreement: [
  Agrees<z.output<typeof createAgentBody>, CreateAgentRequest>,
  Agrees<z.output<typeof sendBody>, SendRequest>,
  Agrees<z.output<typeof keysBody>, KeysRequest>,
  Agrees<z.output<typeof inputBody>, InputRequest>,
  Agrees<z.output<typeof resizeBody>, ResizeRequest>,
  Agrees<z.output<typeof stopBody>, StopRequest>,
  Agrees<z.output<typeof ravenSpawnBody>, RavenSpawnRequest>,
  Agrees<z.output<typeof threadSendBody>, ThreadSendRequest>,
  Agrees<z.output<typeof threadHandleSchema>, ThreadHandle>,
] = [true, true, true, true, true, true, true, true, true];
void agreement;

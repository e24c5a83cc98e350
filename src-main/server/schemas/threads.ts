import { z } from 'zod';
import { APPROVAL_PRESETS } from '../../../src-shared/agent';
import { MAX_LABEL_CHARS, MAX_MESSAGE_CHARS, MAX_PATH_CHARS } from '../../../src-shared/limits';
import { THREAD_STATUSES, type ThreadSendRequest } from '../../../src-shared/threads';
import type { RequestMatchesWire } from './agreement';
import { isolationSpecSchema } from './isolation';
import {
  absolutePath,
  agentTypeSchema,
  argList,
  contextFileList,
  envSchema,
  idText,
  keyList,
  label,
  listParam,
  messageText,
  metadataSchema,
  namesProgramIfCustom,
  programPath,
  rawInput,
  requiredText,
} from './common';

/** Inputs of routes/threads.ts: Parallax's thread API. */

const threadWorkspaceSchema = z
  .union([
    absolutePath,
    z.looseObject({
      workspaceId: label.optional(),
      path: absolutePath.optional(),
      repo: z.string().max(MAX_PATH_CHARS).optional(),
      branch: label.optional(),
      worktreeId: label.optional(),
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
    executionId: requiredText('executionId', MAX_LABEL_CHARS),
    agentType: z.string({ error: (issue) => (issue.input === undefined ? 'agentType is required' : undefined) }).pipe(agentTypeSchema),
    name: requiredText('thread name', MAX_LABEL_CHARS),
    objective: requiredText('objective', MAX_MESSAGE_CHARS),
    role: label.optional(),
    workspace: threadWorkspaceSchema.optional(),
    contextFiles: contextFileList.optional(),
    env: envSchema.optional(),
    environment: envSchema.optional().meta({ description: "The Parallax client's name for env; both are merged." }),
    metadata: metadataSchema.optional(),
    approvalPreset: z.enum(APPROVAL_PRESETS).optional(),
    isolation: isolationSpecSchema.optional().meta({ description: 'Runtime extension: where the agent runs, as POST /agents\' isolation.' }),
    command: programPath.optional().meta({ description: 'For custom agents: the program to run.' }),
    args: argList.optional(),
  })
  .refine((body) => namesProgramIfCustom(body.agentType, body.command), {
    message: 'a custom agent needs a "command"',
    path: ['command'],
  });

export const threadSendBody = z
  .strictObject({
    message: messageText.optional(),
    raw: rawInput.optional(),
    keys: keyList.optional(),
    metadata: metadataSchema.optional(),
  })
  .refine((body) => body.message !== undefined || body.raw !== undefined || body.keys !== undefined, { message: 'message, raw, or keys is required' });

export const threadIdParams = z.strictObject({
  id: idText.meta({ description: 'The thread id (thread-…).' }),
});

export const listThreadsQuery = z.strictObject({
  executionId: z.string().min(1).max(MAX_LABEL_CHARS).optional(),
  status: listParam(z.enum(THREAD_STATUSES)).optional(),
  role: listParam(z.string().max(MAX_LABEL_CHARS)).optional(),
  agentType: listParam(agentTypeSchema).optional(),
});

const agreement: RequestMatchesWire<typeof threadSendBody, ThreadSendRequest> = true;
void agreement;

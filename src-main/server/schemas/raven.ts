import { z } from 'zod';
import { APPROVAL_PRESETS } from '../../../src-shared/agent';
import type { RavenSpawnRequest } from '../../../src-shared/api';
import { MAX_PATH_CHARS, MAX_SPAWN_COUNT } from '../../../src-shared/limits';
import type { RequestMatchesWire } from './agreement';
import { isolationSpecSchema } from './isolation';
import { agentTypeSchema, argList, contextFileList, envSchema, label, labelList, namesProgramIfCustom, osString, programPath } from './common';

/** Input of routes/raven.ts: `POST /api/spawn` as Raven Docs sends it (docs/compatibility.md "Spawning from Raven"). */

export const ravenSpawnBody = z
  .strictObject({
    agentType: agentTypeSchema,
    count: z.number().int().min(1).max(MAX_SPAWN_COUNT).optional(),
    name: label.optional(),
    capabilities: labelList.optional(),
    permissions: labelList.optional(),
    config: z
      .strictObject({
        workdir: osString(MAX_PATH_CHARS).min(1).optional(),
        env: envSchema.optional(),
        adapterConfig: z
          .looseObject({
            interactive: z.boolean().optional(),
            approvalPreset: z.enum(APPROVAL_PRESETS).optional(),
            isolation: isolationSpecSchema.optional().meta({ description: 'Runtime extension: where the agents run (none, sandbox, container, or a policy).' }),
          })
          .optional(),
        contextFiles: contextFileList.optional(),
        repoUrl: z.string().max(MAX_PATH_CHARS).optional(),
        branch: label.optional(),
        command: programPath.optional().meta({ description: 'Runtime extension: the program of a custom agent.' }),
        args: argList.optional(),
      })
      .optional(),
    workspaceId: label.optional(),
    callbackUrl: z.url({ protocol: /^https?$/ }).max(MAX_PATH_CHARS).optional(),
    projectId: label.optional(),
    taskId: label.optional(),
  })
  .refine((body) => namesProgramIfCustom(body.agentType, body.config?.command), {
    message: 'a custom agent needs "config.command"',
    path: ['config', 'command'],
  });

const agreement: RequestMatchesWire<typeof ravenSpawnBody, RavenSpawnRequest> = true;
void agreement;

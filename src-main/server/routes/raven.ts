import type { ServerContext } from '../context';
import { ravenSpawn } from '../../integrations/raven/spawn';
import { defineRoute, type MountedRoute } from '../route';
import { ravenSpawnBody } from '../schemas/raven';
import { ravenSpawnResponseSchema } from '../schemas/responses';

/** Raven Docs' spawn call. */
export function ravenRoutes(ctx: ServerContext): MountedRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/spawn',
      operationId: 'ravenSpawn',
      summary: 'Raven Docs spawn: clones config.repoUrl, writes config.contextFiles, spawns `count` agents, registers them with Raven and reports to callbackUrl.',
      description:
        'Without config.workdir each agent gets a scratch folder under the data folder. A missing absolute workdir is created. ' +
        'config.repoUrl (https, http, ssh, git, file URL or user@host:path) is cloned once for all agents: into config.workdir when that is a ' +
        'missing or empty local folder, else (workdir absent or equal to repoUrl) into a scratch folder. config.branch is checked out, or ' +
        'created from the default branch when the remote lacks it. A malformed URL is a 400; a failed clone a 500 SPAWN_FAILED with git\'s ' +
        'message (credentials masked). With callbackUrl and workspaceId, each agent is registered with Raven (access-request) before the ' +
        'answer, and a runtime heartbeat goes to Raven while any of them lives. config.adapterConfig.approvalPreset sets each CLI\'s approval flags; config.adapterConfig.isolation (a runtime extension, as the isolation of POST /agents) says where the agents run; other adapterConfig fields are accepted and ignored.',
      tag: 'raven',
      body: ravenSpawnBody,
      bodyRequired: true,
      errors: [400, 422, 429, 500],
      responses: { 201: { description: 'The spawned agents', schema: ravenSpawnResponseSchema } },
      handler: async ({ body, endpoint }) => ({ status: 201, body: await ravenSpawn(ctx, body, endpoint) }),
    }),
  ];
}

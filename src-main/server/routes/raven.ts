import type { ServerContext } from '../context';
import { ravenSpawn } from '../raven-spawn';
import { defineRoute, type MountedRoute } from '../route';
import { ravenSpawnBody, ravenSpawnResponseSchema } from '../schemas';

/** Raven Docs' spawn call. */
export function ravenRoutes(ctx: ServerContext): MountedRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/spawn',
      operationId: 'ravenSpawn',
      summary: 'Raven Docs spawn: writes config.contextFiles into the workdir, spawns `count` agents, reports to callbackUrl.',
      description:
        'Without config.workdir each agent gets a scratch folder under the data folder. A missing absolute workdir is created. ' +
        'config.adapterConfig is accepted but not yet mapped to CLI flags; config.repoUrl is refused (no cloning).',
      tag: 'raven',
      body: ravenSpawnBody,
      bodyRequired: true,
      errors: [400, 422, 429, 500],
      responses: { 201: { description: 'The spawned agents', schema: ravenSpawnResponseSchema } },
      handler: async ({ body, endpoint }) => ({ status: 201, body: await ravenSpawn(ctx, body, endpoint) }),
    }),
  ];
}

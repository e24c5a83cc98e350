import * as fs from 'node:fs';
import type { AgentHandle } from '../../../src-shared/agent';
import type { RavenSpawnRequest, RavenSpawnResponse } from '../../../src-shared/api';
import { newAgentId, type AgentManager } from '../../runtime/agent-manager';
import type { Logger } from '../../runtime/logger';
import type { CloneTracker } from '../../workspace/clone-tracker';
import { contextPathSegments, writeContextFiles } from '../../workspace/context-files';
import { scratchWorkdir } from '../../workspace/scratch';
import type { SpawnCallbacks } from './callbacks';
import type { RavenPresence } from './presence';
import { prepareSpawnWorkdir } from './workdir';

/**
 * Raven Docs' `POST /api/spawn` (docs/compatibility.md "Spawning from Raven"): prepares the workdir (a clone of
 * `config.repoUrl`, the given folder, or scratch folders; see workdir.ts), writes
 * `config.contextFiles` into it, spawns `count` agents, registers them with Raven and starts the
 * heartbeat (presence.ts), and has their start-up reported to `callbackUrl`. All or nothing:
 * Raven treats a failed call as "no agents", so a failure stops what was started and removes the clone.
 */

/** What a spawn needs from the server; the server's context provides it, tests may pass less. */
export interface RavenSpawnDeps {
  manager: AgentManager;
  logger: Logger;
  /** Scratch workdirs for spawns that name none. */
  scratchRoot: string;
  clones: CloneTracker;
  callbacks: SpawnCallbacks;
  raven: RavenPresence;
}

/** `body` has passed the route's schema, whose output matches RavenSpawnRequest (server/schemas/raven.ts checks that). */
export async function ravenSpawn(ctx: RavenSpawnDeps, body: RavenSpawnRequest, endpoint: string): Promise<RavenSpawnResponse> {
  const config = body.config ?? {};
  const count = body.count ?? 1;
  const files = config.contextFiles ?? [];
  // Checked before anything is cloned or created, so a bad path costs nothing.
  files.forEach((file, index) => contextPathSegments(file, `config.contextFiles[${index}]`));
  // Made up front: a clone's scratch folder is named after the first agent.
  const ids = Array.from({ length: count }, () => newAgentId());
  const workdir = await prepareSpawnWorkdir(config, { scratchRoot: ctx.scratchRoot, firstAgentId: ids[0], logger: ctx.logger, clones: ctx.clones });

  let releaseCallbacks = (): void => undefined;
  const registered = new Promise<void>((resolve) => {
    releaseCallbacks = resolve;
  });
  const filesWritten = new Set<string>();
  const spawned: AgentHandle[] = [];
  try {
    for (const [i, id] of ids.entries()) {
      let scratch: string | undefined;
      try {
        let dir = workdir.shared;
        if (dir === undefined) {
          scratch = scratchWorkdir(ctx.scratchRoot, id);
          dir = scratch;
        }
        // After the clone, so the files land in (and may overwrite) the checked-out tree.
        if (files.length > 0 && !filesWritten.has(dir)) {
          writeContextFiles(dir, files);
          filesWritten.add(dir);
        }
        // Registered before the spawn (a fast CLI may be ready before spawn() returns), but held
        // until Raven knows the agent (see SpawnCallbacks.watch).
        if (body.callbackUrl) ctx.callbacks.watch(id, { url: body.callbackUrl, workspaceId: body.workspaceId, runtimeEndpoint: endpoint }, registered);
        const handle = await ctx.manager.spawn({
          id,
          name: body.name !== undefined && count > 1 ? `${body.name}-${i + 1}` : body.name,
          type: body.agentType,
          workdir: dir,
          env: config.env,
          capabilities: body.capabilities,
          command: config.command,
          args: config.args,
          approvalPreset: config.adapterConfig?.approvalPreset,
          isolation: config.adapterConfig?.isolation,
        });
        spawned.push(handle);
      } catch (error) {
        ctx.callbacks.unwatch(id);
        if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
        throw error;
      }
    }
  } catch (error) {
    releaseCallbacks();
    await Promise.all(spawned.map((agent) => ctx.manager.stop(agent.id, { force: true }).catch(() => undefined)));
    // A retry with the same workdir needs it empty again.
    await workdir.undo().catch((undoError: unknown) => ctx.logger.warn('could not remove the clone of a failed spawn', { error: String(undoError) }));
    throw error;
  }

  try {
    // Before answering: Raven creates terminal sessions for these ids as soon as it reads the answer.
    await ctx.raven.announce(body, spawned, endpoint);
  } finally {
    releaseCallbacks();
  }
  return {
    agents: spawned.map((h) => ({ id: h.id, name: h.name, status: h.status, runtimeSessionId: h.runtimeSessionId, runtimeEndpoint: endpoint })),
  };
}

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { z } from 'zod';
import type { AgentHandle } from '../../src-shared/agent';
import type { RavenSpawnResponse } from '../../src-shared/api';
import { RuntimeError } from '../runtime/errors';
import type { ServerContext } from './context';
import { writeContextFiles } from './context-files';
import type { ravenSpawnBody } from './schemas';

/**
 * Raven Docs' `POST /api/spawn` (runtime-contract.md §1.3.2): prepares each agent's workdir
 * (creating it, or a scratch one under the data folder), writes `config.contextFiles` into it,
 * spawns `count` agents and registers the spawn-callback.
 */

type RavenSpawnBody = z.output<typeof ravenSpawnBody>;

/** Same shape as the manager's own ids, generated here so the scratch folder can carry it. */
function newAgentId(): string {
  return `agent-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/**
 * Raven's workdir may be a temp path it never created on this host (it prepares remote workspaces
 * by sending contextFiles instead), so a missing absolute folder is created.
 */
function prepareWorkdir(raw: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    throw new RuntimeError('VALIDATION_ERROR', 'config.workdir looks like a repository URL; this runtime does not clone repositories. Pass a local folder.', {
      field: 'config.workdir',
    });
  }
  const expanded = raw === '~' || raw.startsWith('~/') ? path.join(os.homedir(), raw.slice(1)) : raw;
  if (!path.isAbsolute(expanded)) {
    throw new RuntimeError('VALIDATION_ERROR', 'config.workdir must be an absolute path.', { field: 'config.workdir' });
  }
  const resolved = path.resolve(expanded);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(resolved);
  } catch {
    stat = undefined;
  }
  if (stat && !stat.isDirectory()) {
    throw new RuntimeError('VALIDATION_ERROR', `config.workdir "${resolved}" is not a folder.`, { field: 'config.workdir' });
  }
  if (!stat) {
    try {
      fs.mkdirSync(resolved, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new RuntimeError('VALIDATION_ERROR', `config.workdir "${resolved}" could not be created: ${(error as Error).message}`, { field: 'config.workdir' });
    }
  }
  return resolved;
}

export async function ravenSpawn(ctx: ServerContext, body: RavenSpawnBody, endpoint: string): Promise<RavenSpawnResponse> {
  const config = body.config ?? {};
  if (config.repoUrl !== undefined && config.repoUrl !== '') {
    throw new RuntimeError('VALIDATION_ERROR', 'config.repoUrl is not supported: this runtime does not clone repositories. Clone it and pass config.workdir.', {
      field: 'config.repoUrl',
    });
  }
  const count = body.count ?? 1;
  const sharedWorkdir = config.workdir !== undefined ? prepareWorkdir(config.workdir) : undefined;
  const filesWritten = new Set<string>();
  const spawned: AgentHandle[] = [];
  for (let i = 0; i < count; i++) {
    const id = newAgentId();
    let scratch: string | undefined;
    try {
      let workdir = sharedWorkdir;
      if (workdir === undefined) {
        scratch = path.join(ctx.scratchRoot, id);
        fs.mkdirSync(scratch, { recursive: true, mode: 0o700 });
        workdir = scratch;
      }
      if (config.contextFiles && config.contextFiles.length > 0 && !filesWritten.has(workdir)) {
        writeContextFiles(workdir, config.contextFiles);
        filesWritten.add(workdir);
      }
      // Registered before the spawn: a fast CLI may be ready before spawn() returns.
      if (body.callbackUrl) ctx.callbacks.watch(id, { url: body.callbackUrl, workspaceId: body.workspaceId, runtimeEndpoint: endpoint });
      const handle = await ctx.manager.spawn({
        id,
        name: body.name !== undefined && count > 1 ? `${body.name}-${i + 1}` : body.name,
        type: body.agentType,
        workdir,
        env: config.env,
        capabilities: body.capabilities,
        command: config.command,
        args: config.args,
        approvalPreset: config.adapterConfig?.approvalPreset,
      });
      spawned.push(handle);
    } catch (error) {
      ctx.callbacks.unwatch(id);
      if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
      // All or nothing: Raven treats a failed call as "no agents".
      for (const agent of spawned) {
        void ctx.manager.stop(agent.id, { force: true }).catch(() => undefined);
      }
      throw error;
    }
  }
  return {
    agents: spawned.map((h) => ({ id: h.id, name: h.name, status: h.status, runtimeSessionId: h.runtimeSessionId, runtimeEndpoint: endpoint })),
  };
}

import type { AgentHandle } from '../../../src-shared/agent';
import { SERVICE_NAME } from '../../../src-shared/api';
import type { Logger } from '../../runtime/logger';
import { postJson, safeUrl } from './http';

/**
 * Registers a spawned agent with Raven: `POST <base>/api/parallax-agents/access-request`
 * (docs/compatibility.md "Registering agents with Raven"). Raven keys terminal sessions, activity rows and the spawn-callback's
 * activity insert on a `parallax_agents` row with the agent's id; without one they fail.
 * The request creates that row (pending until an admin approves it).
 */

export const ACCESS_REQUEST_PATH = '/api/parallax-agents/access-request';
/** Raven's own defaults for a new agent (permissions.constants.ts); it requires at least one. */
export const DEFAULT_PERMISSIONS: readonly string[] = ['read:pages', 'read:tasks', 'read:projects', 'read:memory'];
/** Raven requires at least one capability; these agents are coding CLIs. */
export const DEFAULT_CAPABILITIES: readonly string[] = ['coding'];

export interface AccessRequestBody {
  workspaceId: string;
  agentId: string;
  agentName: string;
  capabilities: string[];
  requestedPermissions: string[];
  description: string;
  metadata: { agentType: string; runtimeEndpoint: string };
  endpoint: string;
}

/** What the spawn request said about the agents. */
export interface RegistrationSpawn {
  workspaceId: string;
  capabilities?: readonly string[];
  permissions?: readonly string[];
}

function nonEmpty(values: readonly string[] | undefined, fallback: readonly string[]): string[] {
  const kept = (values ?? []).map((v) => v.trim()).filter((v) => v !== '');
  return kept.length > 0 ? kept : [...fallback];
}

export function accessRequestBody(agent: AgentHandle, spawn: RegistrationSpawn, runtimeEndpoint: string): AccessRequestBody {
  return {
    workspaceId: spawn.workspaceId,
    agentId: agent.id,
    agentName: agent.name,
    capabilities: nonEmpty(spawn.capabilities, DEFAULT_CAPABILITIES),
    requestedPermissions: nonEmpty(spawn.permissions, DEFAULT_PERMISSIONS),
    description: `${agent.type} agent running on the ${SERVICE_NAME} at ${runtimeEndpoint}`,
    metadata: { agentType: agent.type, runtimeEndpoint },
    endpoint: runtimeEndpoint,
  };
}

/**
 * One attempt, bounded by `signal` (the caller's timeout). Returns whether Raven accepted it;
 * failures are logged at warn and go no further.
 */
export async function requestAccess(base: string, body: AccessRequestBody, signal: AbortSignal, logger: Logger): Promise<boolean> {
  const url = `${base}${ACCESS_REQUEST_PATH}`;
  const outcome = await postJson(url, body, signal);
  if (outcome.ok) {
    logger.info('agent registered with Raven', { agentId: body.agentId, workspaceId: body.workspaceId, url: safeUrl(url) });
    return true;
  }
  logger.warn('agent registration with Raven failed; Raven terminal sessions for it may not work', {
    agentId: body.agentId,
    workspaceId: body.workspaceId,
    url: safeUrl(url),
    outcome: outcome.reason,
  });
  return false;
}

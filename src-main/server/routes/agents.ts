import { resolveAgentType, type AgentType } from '../../../src-shared/agent';
import type { AgentListResponse, ClearAgentsResponse } from '../../../src-shared/api';
import { withEndpoint, type ServerContext } from '../context';
import { defineRoute, type MountedRoute } from '../route';
import { clearAgentsQuery, createAgentBody, deleteAgentQuery, listAgentsQuery } from '../schemas/agents';
import { agentIdParams } from '../schemas/common';
import { agentHandleSchema, agentListSchema, clearAgentsResponseSchema } from '../schemas/responses';

/** Listing, spawning, inspecting and deleting agents (the Parallax surface). */
export function agentRoutes(ctx: ServerContext): MountedRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/agents',
      operationId: 'listAgents',
      summary: 'List agents (filters: status, type, role; repeat or comma-separate values).',
      tag: 'agents',
      query: listAgentsQuery,
      responses: { 200: { description: 'The agents', schema: agentListSchema } },
      handler: ({ query, endpoint }) => {
        const type = query.type?.map((t) => resolveAgentType(t)).filter((t): t is AgentType => t !== undefined);
        const agents = ctx.manager.list({ status: query.status, type, role: query.role }).map((a) => withEndpoint(a, endpoint));
        const body: AgentListResponse = { agents, count: agents.length };
        return { status: 200, body };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/agents',
      operationId: 'createAgent',
      summary: 'Spawn an agent.',
      description: 'Parallax AgentConfig fields reportsTo, resources, autoRestart and idleTimeout are accepted and ignored; executionId becomes PARALLAX_EXECUTION_ID.',
      tag: 'agents',
      body: createAgentBody,
      bodyRequired: true,
      errors: [400, 422, 429, 500],
      responses: { 201: { description: 'The new agent (usually `starting`)', schema: agentHandleSchema } },
      handler: async ({ body, endpoint }) => {
        const env = body.executionId !== undefined ? { ...body.env, PARALLAX_EXECUTION_ID: body.executionId } : body.env;
        const credentials = body.credentials
          ? { anthropicKey: body.credentials.anthropicKey, openaiKey: body.credentials.openaiKey, googleKey: body.credentials.googleKey }
          : undefined;
        const handle = await ctx.manager.spawn({
          id: body.id,
          name: body.name,
          type: body.type,
          workdir: body.workdir,
          command: body.command,
          args: body.args,
          env,
          credentials,
          cols: body.cols,
          rows: body.rows,
          capabilities: body.capabilities,
          role: body.role,
          autoRespond: body.autoRespond,
          approvalPreset: body.approvalPreset,
          isolation: body.isolation,
        });
        return { status: 201, body: withEndpoint(handle, endpoint) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/agents/:id',
      operationId: 'getAgent',
      summary: 'One agent.',
      tag: 'agents',
      params: agentIdParams,
      errors: [404],
      responses: { 200: { description: 'The agent', schema: agentHandleSchema } },
      handler: ({ params, endpoint }) => ({ status: 200, body: withEndpoint(ctx.manager.get(params.id), endpoint) }),
    }),
    defineRoute({
      method: 'delete',
      path: '/agents/:id',
      operationId: 'deleteAgent',
      summary: 'Stop an agent and forget it; waits until its processes are gone. Its recording stays under /transcripts.',
      description:
        'Afterwards the id answers 404 AGENT_NOT_FOUND (Parallax maps 404 to "gone"), and an agent_removed event goes out. ' +
        'Use POST /agents/:id/stop to stop an agent and keep it listed. Parallax answers 500 for an unknown agent; this runtime answers 404 on purpose.',
      tag: 'agents',
      params: agentIdParams,
      query: deleteAgentQuery,
      errors: [404],
      responses: { 204: { description: 'Stopped and forgotten' } },
      handler: async ({ params, query }) => {
        await ctx.manager.remove(params.id, { force: query.force, timeoutMs: query.timeout });
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/agents',
      operationId: 'clearStoppedAgents',
      summary: 'Forget every stopped agent (?status=stopped is required). Live agents are not touched.',
      tag: 'agents',
      query: clearAgentsQuery,
      errors: [400],
      responses: { 200: { description: 'The ids forgotten', schema: clearAgentsResponseSchema } },
      handler: () => {
        const body: ClearAgentsResponse = { cleared: ctx.manager.clearStopped() };
        return { status: 200, body };
      },
    }),
  ];
}

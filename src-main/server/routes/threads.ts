import { resolveAgentType, type AgentType } from '../../../src-shared/agent';
import type { ThreadListResponse } from '../../../src-shared/threads';
import type { ServerContext } from '../context';
import { defineRoute, type MountedRoute } from '../route';
import { deleteAgentQuery } from '../schemas/agents';
import { threadHandleSchema, threadListSchema, threadSendResponseSchema } from '../schemas/responses';
import { createThreadBody, listThreadsQuery, threadIdParams, threadSendBody } from '../schemas/threads';

/** Parallax threads (docs/compatibility.md "Parallax threads"): an agent per objective, grouped by execution. */
export function threadRoutes(ctx: ServerContext): MountedRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/threads',
      operationId: 'listThreads',
      summary: 'List threads (filters: executionId, status, role, agentType).',
      tag: 'threads',
      query: listThreadsQuery,
      responses: { 200: { description: 'The threads', schema: threadListSchema } },
      handler: ({ query }) => {
        const agentType = query.agentType?.map((t) => resolveAgentType(t)).filter((t): t is AgentType => t !== undefined);
        const threads = ctx.threads.list({ executionId: query.executionId, status: query.status, role: query.role, agentType });
        const body: ThreadListResponse = { threads, count: threads.length };
        return { status: 200, body };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/threads',
      operationId: 'createThread',
      summary: 'Spawn a thread: an agent for one objective of an execution.',
      description:
        'Writes contextFiles into the workspace folder and spawns the agent with PARALLAX_EXECUTION_ID, PARALLAX_THREAD_ID, PARALLAX_THREAD_OBJECTIVE and PARALLAX_THREAD_MEMORY_FILE (the first context file). The objective is not sent: the orchestrator sends the first message. Fields not listed here are accepted and ignored.',
      tag: 'threads',
      body: createThreadBody,
      bodyRequired: true,
      errors: [400, 422, 429, 500],
      responses: { 201: { description: 'The new thread', schema: threadHandleSchema } },
      handler: async ({ body }) => {
        const env = body.env || body.environment ? { ...body.environment, ...body.env } : undefined;
        const thread = await ctx.threads.spawn({
          executionId: body.executionId,
          agentType: resolveAgentType(body.agentType) ?? body.agentType,
          name: body.name,
          objective: body.objective,
          role: body.role,
          workspace: body.workspace,
          contextFiles: body.contextFiles,
          env,
          metadata: body.metadata,
          approvalPreset: body.approvalPreset,
          isolation: body.isolation,
          command: body.command,
          args: body.args,
        });
        return { status: 201, body: thread };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/threads/:id',
      operationId: 'getThread',
      summary: 'One thread.',
      tag: 'threads',
      params: threadIdParams,
      errors: [404],
      responses: { 200: { description: 'The thread', schema: threadHandleSchema } },
      handler: ({ params }) => ({ status: 200, body: ctx.threads.get(params.id) }),
    }),
    defineRoute({
      method: 'delete',
      path: '/threads/:id',
      operationId: 'deleteThread',
      summary: "Stop a thread's agent and forget the thread.",
      description: 'Parallax answers 500 for an unknown thread; this runtime answers 404 THREAD_NOT_FOUND on purpose.',
      tag: 'threads',
      params: threadIdParams,
      query: deleteAgentQuery,
      errors: [404],
      responses: { 204: { description: 'Stopped' } },
      handler: async ({ params, query }) => {
        await ctx.threads.stop(params.id, { force: query.force, timeoutMs: query.timeout });
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/threads/:id/send',
      operationId: 'sendToThread',
      summary: 'Deliver a message, raw input and/or keys to the thread (in that order); returns once delivered.',
      tag: 'threads',
      params: threadIdParams,
      body: threadSendBody,
      bodyRequired: true,
      errors: [400, 404, 409],
      responses: { 200: { description: 'Delivered', schema: threadSendResponseSchema } },
      handler: async ({ params, body }) => {
        await ctx.threads.send(params.id, { message: body.message, raw: body.raw, keys: body.keys });
        return { status: 200, body: { sent: true } };
      },
    }),
  ];
}

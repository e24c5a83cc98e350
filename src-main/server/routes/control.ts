import type { InputResponse, KeysResponse, ResizeResponse, SendResponse, StopResponse } from '../../../src-shared/api';
import { withEndpoint, type ServerContext } from '../context';
import { defineRoute, type MountedRoute } from '../route';
import { agentIdParams } from '../schemas/common';
import { inputBody, keysBody, resizeBody, restartBody, sendBody, stopBody } from '../schemas/control';
import { agentHandleSchema, inputResponseSchema, keysResponseSchema, resizeResponseSchema, sendResponseSchema, stopResponseSchema } from '../schemas/responses';

/** Driving an agent: messages, keys, raw input, size, take-over, stop. */
export function controlRoutes(ctx: ServerContext): MountedRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/agents/:id/send',
      operationId: 'sendMessage',
      summary: 'Send a message and wait for the turn to end (or for a question).',
      description: 'With expectResponse:false it returns once the message is delivered. A timeout answers 504 TIMEOUT with details.partialResponse.',
      tag: 'control',
      params: agentIdParams,
      body: sendBody,
      bodyRequired: true,
      errors: [400, 404, 409, 504],
      responses: { 200: { description: 'The reply', schema: sendResponseSchema } },
      handler: async ({ params, body }) => {
        const result = await ctx.manager.send(params.id, body.message, { timeoutMs: body.timeout, expectResponse: body.expectResponse });
        const response: SendResponse = { sent: true, status: result.status, response: result.message };
        if (result.question) response.question = result.question;
        return { status: 200, body: response };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/agents/:id/keys',
      operationId: 'sendKeys',
      summary: 'Press keys by name ("enter", ["ctrl","c"], "down", …).',
      tag: 'control',
      params: agentIdParams,
      body: keysBody,
      bodyRequired: true,
      errors: [400, 404, 409],
      responses: { 200: { description: 'Pressed', schema: keysResponseSchema } },
      handler: async ({ params, body }) => {
        const keys = typeof body.keys === 'string' ? [body.keys] : body.keys;
        await ctx.manager.sendKeys(params.id, keys);
        const response: KeysResponse = { sent: true, keys };
        return { status: 200, body: response };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/agents/:id/input',
      operationId: 'writeInput',
      summary: 'Write raw input to the terminal, exactly as given.',
      tag: 'control',
      params: agentIdParams,
      body: inputBody,
      bodyRequired: true,
      errors: [400, 404, 409],
      responses: { 200: { description: 'Written', schema: inputResponseSchema } },
      handler: ({ params, body }) => {
        ctx.manager.write(params.id, body.data);
        const response: InputResponse = { sent: true, length: body.data.length };
        return { status: 200, body: response };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/agents/:id/resize',
      operationId: 'resizeTerminal',
      summary: 'Resize the PTY.',
      tag: 'control',
      params: agentIdParams,
      body: resizeBody,
      bodyRequired: true,
      errors: [400, 404, 409],
      responses: { 200: { description: 'The new size', schema: resizeResponseSchema } },
      handler: ({ params, body }) => {
        ctx.manager.resize(params.id, body.cols, body.rows);
        ctx.terminals.notifyResized(params.id);
        const response: ResizeResponse = { cols: body.cols, rows: body.rows };
        return { status: 200, body: response };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/agents/:id/pause',
      operationId: 'pauseAgent',
      summary: 'A person takes over: no auto-responses, no sends; the terminal stays interactive.',
      tag: 'control',
      params: agentIdParams,
      errors: [404],
      responses: { 200: { description: 'The agent (automationPaused: true)', schema: agentHandleSchema } },
      handler: ({ params, endpoint }) => ({ status: 200, body: withEndpoint(ctx.manager.pause(params.id), endpoint) }),
    }),
    defineRoute({
      method: 'post',
      path: '/agents/:id/resume',
      operationId: 'resumeAgent',
      summary: 'Hand the agent back to automation.',
      tag: 'control',
      params: agentIdParams,
      errors: [404],
      responses: { 200: { description: 'The agent (automationPaused: false)', schema: agentHandleSchema } },
      handler: ({ params, endpoint }) => ({ status: 200, body: withEndpoint(ctx.manager.resume(params.id), endpoint) }),
    }),
    defineRoute({
      method: 'post',
      path: '/agents/:id/stop',
      operationId: 'stopAgent',
      summary: "Stop an agent (Raven's form of DELETE); the body is optional.",
      tag: 'control',
      params: agentIdParams,
      body: stopBody,
      errors: [400, 404],
      responses: { 200: { description: 'Stopped', schema: stopResponseSchema } },
      handler: async ({ params, body, endpoint }) => {
        const agent = await ctx.manager.stop(params.id, { force: body.force, timeoutMs: body.timeout });
        const response: StopResponse = { stopped: true, agent: withEndpoint(agent, endpoint) };
        return { status: 200, body: response };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/agents/:id/restart',
      operationId: 'restartAgent',
      summary: 'Stop an agent and spawn it again from the same request, under a new id (the old id keeps its recording).',
      tag: 'control',
      params: agentIdParams,
      body: restartBody,
      errors: [400, 404, 422, 429, 500],
      responses: { 200: { description: 'The new agent', schema: agentHandleSchema } },
      handler: async ({ params, body, endpoint }) => {
        const agent = await ctx.manager.restart(params.id, { credentials: body.credentials });
        return { status: 200, body: withEndpoint(agent, endpoint) };
      },
    }),
  ];
}

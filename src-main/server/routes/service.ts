import type { ServerContext } from '../context';
import { healthBody } from '../health';
import { defineRoute, type MountedRoute } from '../route';
import { healthSchema, runtimeMetricsSchema } from '../schemas/responses';

/** Health and runtime-wide metrics. */
export function serviceRoutes(ctx: ServerContext): MountedRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/health',
      operationId: 'getHealth',
      summary: 'Always 200 JSON: healthy, version, activeAgents, maxAgents, uptime, message, adapters, runtime.',
      tag: 'service',
      responses: { 200: { description: 'Health', schema: healthSchema } },
      handler: async () => ({ status: 200, body: await healthBody(ctx.manager, ctx.adapters, ctx.version) }),
    }),
    defineRoute({
      method: 'get',
      path: '/metrics',
      operationId: 'getMetrics',
      summary: 'Runtime-wide metrics: agents by status, viewers, subscribers, memory, event-loop lag.',
      tag: 'service',
      responses: { 200: { description: 'Metrics', schema: runtimeMetricsSchema } },
      handler: () => ({
        status: 200,
        body: ctx.metrics.runtime({
          version: ctx.version,
          viewers: ctx.terminals.viewerCount(),
          viewerBufferedBytes: ctx.terminals.bufferedBytes(),
          eventSubscribers: ctx.events.size,
        }),
      }),
    }),
  ];
}

import type { LogEntriesResponse, LogsResponse, OutputResponse } from '../../../src-shared/api';
import { RuntimeError } from '../../runtime/errors';
import type { ServerContext } from '../context';
import { defineRoute, type MountedRoute } from '../route';
import { agentIdParams } from '../schemas/common';
import { eventsQuery, logsQuery, streamQuery, transcriptParams } from '../schemas/observe';
import { agentMetricsSchema, logsOrEntriesResponseSchema, outputResponseSchema, transcriptListSchema } from '../schemas/responses';
import { serveAgentStream, serveEventStream } from '../streams';

/** Parallax's default `tail`. */
const DEFAULT_LOG_LINES = 100;

/** Reading what agents do: logs, raw output, live streams, events, per-agent metrics. */
export function observeRoutes(ctx: ServerContext): MountedRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/agents/:id/logs',
      operationId: 'getLogs',
      summary: 'The last lines as a person saw them (?lines=N or ?tail=N; ?format=json for entries).',
      tag: 'observe',
      params: agentIdParams,
      query: logsQuery,
      errors: [400, 404],
      responses: { 200: { description: '{logs, count} or {entries}', schema: logsOrEntriesResponseSchema } },
      handler: ({ params, query }) => {
        const logs = ctx.manager.logs(params.id, query.lines ?? query.tail ?? DEFAULT_LOG_LINES);
        if (query.format === 'json') {
          // Screen lines carry no time of their own; they are stamped with the time of the request.
          const timestamp = new Date().toISOString();
          const body: LogEntriesResponse = { entries: logs.map((message) => ({ timestamp, level: 'info', message })) };
          return { status: 200, body };
        }
        const body: LogsResponse = { logs, count: logs.length };
        return { status: 200, body };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/agents/:id/output',
      operationId: 'getOutput',
      summary: 'The last 256 KB of raw terminal output (escape sequences included).',
      tag: 'observe',
      params: agentIdParams,
      errors: [404],
      responses: { 200: { description: 'Raw output', schema: outputResponseSchema } },
      handler: ({ params }) => {
        const body: OutputResponse = { output: ctx.manager.output(params.id) };
        return { status: 200, body };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/agents/:id/stream',
      operationId: 'streamOutput',
      summary: 'Live output: chunked text (curl -N), or SSE with Accept: text/event-stream.',
      description: 'SSE messages carry {type:"output",data} and a final {type:"end",reason,status}. EventSource clients may pass the API key as ?token=.',
      tag: 'observe',
      params: agentIdParams,
      query: streamQuery,
      errors: [404],
      responses: {
        200: { description: 'Terminal output as it arrives', contentType: 'text/plain' },
      },
      handler: ({ params, query, req, res }) => {
        const format = query.format ?? (/\btext\/event-stream\b/.test(req.headers.accept ?? '') ? 'sse' : 'text');
        serveAgentStream(ctx, res, params.id, format);
        return undefined;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/events',
      operationId: 'streamEvents',
      summary: 'Runtime and thread events as SSE: a snapshot frame, then {event, data, timestamp} frames (?agentId= and ?threadId= filter).',
      tag: 'observe',
      query: eventsQuery,
      responses: { 200: { description: 'Server-sent events', contentType: 'text/event-stream' } },
      errors: [503],
      handler: ({ query, res }) => {
        // The same cap as the event sockets: each subscriber costs a copy of every event.
        if (ctx.events.size >= ctx.limits.eventSubscribers) {
          throw new RuntimeError('LIMIT_REACHED', `${ctx.limits.eventSubscribers} event subscribers are connected already; close one first.`, { limit: ctx.limits.eventSubscribers });
        }
        serveEventStream(ctx, res, { agentId: query.agentId, threadId: query.threadId });
        return undefined;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/agents/:id/metrics',
      operationId: 'getAgentMetrics',
      summary: 'Counters for one agent (uptime, messages, output, viewers).',
      tag: 'observe',
      params: agentIdParams,
      errors: [404],
      responses: { 200: { description: 'Metrics', schema: agentMetricsSchema } },
      handler: ({ params }) => ({ status: 200, body: ctx.metrics.agent(params.id, ctx.terminals.viewerCount(params.id)) }),
    }),
    defineRoute({
      method: 'get',
      path: '/transcripts',
      operationId: 'listTranscripts',
      summary: 'Recorded sessions (asciicast v2), newest first; they outlive their agents.',
      tag: 'observe',
      responses: { 200: { description: '{transcripts}', schema: transcriptListSchema } },
      handler: () => ({ status: 200, body: { transcripts: ctx.manager.transcripts() } }),
    }),
    defineRoute({
      method: 'get',
      path: '/transcripts/:id/:part',
      operationId: 'getTranscriptPart',
      summary: 'One part of a recording (NNNN.cast) as asciicast v2 text.',
      tag: 'observe',
      params: transcriptParams,
      errors: [400, 404],
      responses: { 200: { description: 'asciicast v2', contentType: 'application/x-asciicast' } },
      handler: ({ params, res }) => {
        const text = ctx.manager.transcriptPart(params.id, params.part);
        res.status(200).type('application/x-asciicast').send(text);
        return undefined;
      },
    }),
  ];
}

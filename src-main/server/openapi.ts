import { z } from 'zod';
import { HTTP_STATUS_BY_CODE, type ErrorCode } from '../../src-shared/errors';
import type { RouteDoc } from './route';
import { errorBodySchema } from './schemas/responses';

/**
 * The OpenAPI 3.1 document, generated from the same route descriptions and zod schemas that
 * validate requests. Every route appears once per mount prefix (`/api` and none).
 */

type JsonSchema = Record<string, unknown>;

interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  schema: JsonSchema;
  description?: string;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, unknown>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, JsonSchema> };
  security: Record<string, string[]>[];
  'x-websockets': Record<string, unknown>;
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  delete out.$schema;
  return out;
}

/** `/agents/:id` → `/agents/{id}`. */
export function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): Parameter[] {
  if (!schema) return [];
  const json = jsonSchema(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      schema: rest,
      ...(typeof description === 'string' ? { description } : {}),
    };
  });
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Invalid input (VALIDATION_ERROR)',
  401: 'API key missing or wrong (UNAUTHORIZED)',
  403: 'Host or Origin not allowed (FORBIDDEN)',
  404: 'No such agent or thread (AGENT_NOT_FOUND, THREAD_NOT_FOUND)',
  409: 'The agent is not ready, or needs a login (AGENT_NOT_READY, AUTH_REQUIRED)',
  413: 'Body too large (PAYLOAD_TOO_LARGE)',
  422: 'The CLI is not installed (CLI_NOT_FOUND, details.installHint)',
  429: 'Too many agents (MAX_AGENTS)',
  500: 'Spawn failed or internal error (SPAWN_FAILED, INTERNAL)',
  504: 'No reply in time (TIMEOUT, details.partialResponse)',
};

function codesFor(status: number): ErrorCode[] {
  return (Object.entries(HTTP_STATUS_BY_CODE) as [ErrorCode, number][]).filter(([, s]) => s === status).map(([code]) => code);
}

function operation(doc: RouteDoc, prefix: string): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(doc.responses)) {
    const contentType = response.contentType ?? 'application/json';
    responses[status] = {
      description: response.description,
      ...(response.schema ? { content: { [contentType]: { schema: jsonSchema(response.schema, 'output') } } } : contentType !== 'application/json' ? { content: { [contentType]: {} } } : {}),
    };
  }
  const errorStatuses = new Set<number>([...(doc.errors ?? []), 401, 403]);
  if (doc.params || doc.query || doc.body) errorStatuses.add(400);
  if (doc.body) errorStatuses.add(413);
  for (const status of [...errorStatuses].sort()) {
    responses[String(status)] = {
      description: `${STATUS_TEXT[status] ?? 'Error'}; codes: ${codesFor(status).join(', ')}`,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  return {
    operationId: prefix === '' ? doc.operationId : `${doc.operationId}Api`,
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: [doc.tag],
    parameters: [...parameters(doc.params, 'path'), ...parameters(doc.query, 'query')],
    ...(doc.body
      ? { requestBody: { required: doc.bodyRequired === true, content: { 'application/json': { schema: jsonSchema(doc.body, 'input') } } } }
      : {}),
    responses,
  };
}

export function buildOpenApi(input: { version: string; prefixes: readonly string[]; routes: readonly RouteDoc[]; rootRoutes: readonly RouteDoc[] }): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  const add = (path: string, doc: RouteDoc, prefix: string) => {
    const key = toOpenApiPath(path);
    paths[key] ??= {};
    paths[key][doc.method] = operation(doc, prefix);
  };
  for (const doc of input.rootRoutes) add(doc.path, doc, '');
  for (const prefix of input.prefixes) {
    for (const doc of input.routes) add(`${prefix}${doc.path}`, doc, prefix);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Raven Agent Runtime',
      version: input.version,
      description:
        'Runs AI coding CLIs as PTY sessions. Every REST route is served both under /api (Parallax, Raven Docs) and without it. ' +
        'Errors are {error, code, details?}. When an API key is configured, send it as Authorization: Bearer <key>, ApiKey <key>, a raw plx_ key, or X-API-Key.',
    },
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
      schemas: { Error: jsonSchema(errorBodySchema, 'output') },
    },
    // `{}`: the key is optional (off unless configured).
    security: [{}, { bearer: [] }, { apiKey: [] }],
    'x-websockets': {
      '/ws/agents/{id}/terminal': {
        description:
          'Raw terminal I/O as text frames; every viewer may type and resize (shared input). Client JSON frames: {"type":"resize","cols","rows"}, {"type":"ping"}; any other text is input. ' +
          'By default the server sends terminal bytes only. Query: frames=1 (also JSON frames: connected first, mode, resized, error, pong; hello=1 is the older name), ' +
          'replay=0 (no screen snapshot), mode=view (read-only), token=<api key>. Close codes: 4404 unknown agent, 4408 too slow (reconnect), 4410 agent stopped, 1001 shutdown.',
      },
      '/ws/events': {
        description:
          'First a {"event":"snapshot","data":{"agents":[…]}} frame, then {event, data, timestamp} for every runtime event. Query: agentId=<id>, token=<api key>. ' +
          'message events carry data.message (Parallax AgentMessage); agent_removed follows DELETE or clearing; on shutdown runtime_stopping comes first, then each agent_stopped. ' +
          'Send {"type":"ping"} for {"type":"pong"}.',
      },
    },
  };
}

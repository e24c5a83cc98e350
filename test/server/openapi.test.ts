import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../src-shared/errors';
import { createLogger } from '../../src-main/runtime/logger';
import { createServerParts, type ServerParts } from '../../src-main/server';
import type { OpenApiDocument } from '../../src-main/server/openapi';
import { createHarness, type Harness } from '../support/runtime-harness';
import { readStream } from './stream-reader';
import { SHELL_ENV, startTestServer, type TestServer } from './support';

/** The parts of express 5's router internals the coverage check reads. */
interface RouterLayer {
  rawPath?: string;
  handle: unknown;
  route?: { path: string; methods: Record<string, boolean> };
}
interface RouterLike {
  stack: RouterLayer[];
}

function expressRoutes(parts: ServerParts): Set<string> {
  const app = parts.built.app as unknown as { router: RouterLike };
  const api = parts.built.apiRouter as unknown as RouterLike;
  const out = new Set<string>();
  const addRoutes = (router: RouterLike, prefix: string) => {
    for (const layer of router.stack) {
      if (!layer.route) continue;
      for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') out.add(`${method.toUpperCase()} ${prefix}${layer.route.path}`);
    }
  };
  addRoutes(app.router, '');
  let mounts = 0;
  for (const layer of app.router.stack) {
    if (layer.handle !== api) continue;
    mounts++;
    addRoutes(api, layer.rawPath === '/' ? '' : (layer.rawPath ?? ''));
  }
  expect(mounts).toBe(2);
  return out;
}

function documentedRoutes(doc: OpenApiDocument): Set<string> {
  const out = new Set<string>();
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const method of Object.keys(operations)) out.add(`${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`);
  }
  return out;
}

let h: Harness;
let parts: ServerParts;
let t: TestServer;
beforeAll(async () => {
  h = createHarness({}, SHELL_ENV);
  parts = createServerParts({ manager: h.manager, host: '127.0.0.1', port: 0, allowedOrigins: [], version: '9.9.9', logger: createLogger('silent') }, () => 'http://127.0.0.1:1');
  t = await startTestServer();
});
afterAll(async () => {
  parts.dispose();
  await h.close();
  await t.close();
});

describe('OpenAPI document', () => {
  it('lists exactly the routes express serves, in both path families', async () => {
    const doc = (await t.request('GET', '/openapi.json')).json as OpenApiDocument;
    const served = expressRoutes(parts);
    const documented = documentedRoutes(doc);
    expect([...served].filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((r) => !served.has(r))).toEqual([]);
    // Both families, and Raven's spawn.
    for (const route of ['GET /health', 'GET /api/health', 'POST /api/spawn', 'POST /spawn', 'DELETE /api/agents/:id', 'POST /agents/:id/stop', 'GET /events', 'GET /']) {
      expect(documented.has(route), route).toBe(true);
    }
    expect(served.size).toBeGreaterThanOrEqual(41);
  });

  it('is a well-formed OpenAPI 3.1 document generated from the schemas', async () => {
    const doc = (await t.request('GET', '/api/openapi.json')).json as OpenApiDocument;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe('0.0.0-test');
    const ids = new Set<string>();
    for (const operations of Object.values(doc.paths)) {
      for (const op of Object.values(operations) as { operationId: string; responses: Record<string, unknown> }[]) {
        expect(ids.has(op.operationId), op.operationId).toBe(false);
        ids.add(op.operationId);
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
      }
    }
    const send = (doc.paths['/api/agents/{id}/send'] as Record<string, { requestBody: { content: Record<string, { schema: { properties: Record<string, unknown>; required: string[]; additionalProperties: boolean } }> } }>).post;
    const schema = send.requestBody.content['application/json'].schema;
    expect(Object.keys(schema.properties).sort()).toEqual(['expectResponse', 'message', 'timeout']);
    expect(schema.required).toEqual(['message']);
    expect(schema.additionalProperties).toBe(false);
    const spawn = doc.paths['/api/spawn'] as Record<string, { responses: Record<string, unknown> }>;
    expect(Object.keys(spawn.post.responses)).toEqual(expect.arrayContaining(['201', '400', '413', '422', '429']));
    expect(Object.keys(doc['x-websockets'])).toEqual(['/ws/agents/{id}/terminal', '/ws/events']);
  });

  it('every documented operation reaches a handler (never the unknown-route 404)', async () => {
    const doc = (await t.request('GET', '/openapi.json')).json as OpenApiDocument;
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const method of Object.keys(operations)) {
        const concrete = path.replace('{id}', 'ghost');
        let code: string | undefined;
        let status: number;
        if (concrete.endsWith('/events')) {
          const read = await readStream(`${t.url}${concrete}`, { done: (body) => body.includes('snapshot') });
          status = read.status;
        } else {
          const res = await t.request(method.toUpperCase(), concrete, { body: method === 'get' || method === 'delete' ? undefined : {} });
          status = res.status;
          code = (res.json as ErrorBody | undefined)?.code;
        }
        expect(code, `${method} ${path}`).not.toBe('NOT_FOUND');
        expect(status, `${method} ${path}`).toBeLessThan(500);
      }
    }
  });
});

/** `/docs/json` documents every /api/v1 route: its summary, tag, inputs and responses. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';

interface Operation {
  summary?: string;
  tags?: string[];
  parameters?: { in: string; name: string }[];
  requestBody?: unknown;
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  security?: unknown[];
}

/** Route → what it must document (path in OpenAPI form). */
const ROUTES: [method: string, path: string, inputs: string[]][] = [
  ['get', '/api/v1/assets', []],
  ['get', '/api/v1/assets/{layer}/{name}', ['path:layer', 'path:name']],
  ['get', '/api/v1/assets/{layer}/{name}/materializations', ['path:layer', 'query:limit', 'query:before']],
  ['get', '/api/v1/assets/{layer}/{name}/partitions', ['query:days']],
  ['get', '/api/v1/assets/{layer}/{name}/checks', ['path:name']],
  ['get', '/api/v1/graph', []],
  ['get', '/api/v1/runs', ['query:status', 'query:asset', 'query:trigger', 'query:from', 'query:to', 'query:limit', 'query:cursor']],
  ['get', '/api/v1/runs/{id}', ['path:id']],
  ['get', '/api/v1/runs/{id}/events', ['path:id', 'query:after', 'query:before', 'query:limit']],
  ['get', '/api/v1/runs/{id}/events/stream', ['path:id', 'query:after']],
  ['post', '/api/v1/runs', ['body']],
  ['post', '/api/v1/runs/{id}/cancel', ['path:id']],
  ['post', '/api/v1/runs/{id}/reexecute', ['path:id', 'body']],
  ['get', '/api/v1/schedules', []],
  ['get', '/api/v1/schedules/{name}', ['path:name', 'query:limit', 'query:before']],
  ['post', '/api/v1/schedules/{name}/enable', ['path:name']],
  ['post', '/api/v1/schedules/{name}/disable', ['path:name']],
  ['get', '/api/v1/backfills', ['query:limit']],
  ['get', '/api/v1/backfills/{id}', ['path:id']],
  ['post', '/api/v1/backfills', ['body']],
  ['post', '/api/v1/backfills/{id}/cancel', ['path:id']],
  ['post', '/api/v1/backfills/{id}/reexecute-failed', ['path:id']],
  ['get', '/api/v1/marts', []],
  ['get', '/api/v1/marts/{name}/rows', ['path:name', 'query:partition', 'query:sort', 'query:order', 'query:limit', 'query:offset']],
  ['get', '/api/v1/drift', ['query:source', 'query:kind']],
  ['get', '/api/v1/market/coins', ['query:symbol', 'query:coin_id', 'query:source', 'query:sort', 'query:order', 'query:limit', 'query:cursor']],
  ['get', '/api/v1/market/latest', ['query:source', 'query:symbol', 'query:coin_id', 'query:sort', 'query:order', 'query:limit', 'query:cursor']],
  ['get', '/api/v1/market/coins/{coinId}/history', ['path:coinId', 'query:source', 'query:from', 'query:to', 'query:order', 'query:limit', 'query:cursor']],
  ['get', '/api/v1/market/coins/{coinId}/daily', ['path:coinId', 'query:from', 'query:to', 'query:order', 'query:limit', 'query:cursor']],
  ['get', '/api/v1/market/marts/{mart}', ['path:mart', 'query:from', 'query:to', 'query:coin_id', 'query:symbol', 'query:source', 'query:limit', 'query:cursor']],
];

describeEachBackend('OpenAPI at /docs', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let app: FastifyInstance;
  let paths: Record<string, Record<string, Operation>>;

  beforeAll(async () => {
    database = await createTestDatabase('api_docs', { backend });
    pipeline = await startPipeline(database);
    app = await buildApp({ runtime: pipeline.runtime });
    const response = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    paths = response.json<{ paths: Record<string, Record<string, Operation>> }>().paths;
  });

  afterAll(async () => {
    await app?.close();
    await pipeline?.stop();
    await database?.destroy();
  });

  it('lists exactly the /api/v1 routes we serve', () => {
    const documented = Object.entries(paths)
      .filter(([path]) => path.startsWith('/api/v1/'))
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`))
      .sort();
    expect(documented).toEqual(ROUTES.map(([method, path]) => `${method} ${path}`).sort());
  });

  it.each(ROUTES)('%s %s has a summary, a tag, its inputs and a 2xx response schema', (method, path, inputs) => {
    const operation = paths[path]?.[method];
    expect(operation?.summary).toMatch(/\w/);
    expect(operation?.tags?.length).toBeGreaterThan(0);
    for (const input of inputs) {
      if (input === 'body') {
        expect(operation?.requestBody, `${path} body`).toBeDefined();
        continue;
      }
      const [where, name] = input.split(':');
      expect(operation?.parameters?.map((parameter) => `${parameter.in}:${parameter.name}`), input).toContain(`${where}:${name}`);
    }
    const success = Object.entries(operation?.responses ?? {}).find(([status]) => status.startsWith('2'));
    expect(success?.[1].content, `${path} success content`).toBeDefined();
    if (method === 'post') expect(operation?.security).toEqual([{ adminToken: [] }]);
  });

  it('documents dates as date-time strings and the admin token scheme', async () => {
    const response = await app.inject({ method: 'GET', url: '/docs/json' });
    const document = response.json<{ components: { securitySchemes: Record<string, unknown> } }>();
    expect(document.components.securitySchemes['adminToken']).toMatchObject({ type: 'http', scheme: 'bearer' });
    const runs = JSON.stringify(paths['/api/v1/runs']?.['get']?.responses?.['200']);
    expect(runs).toContain('"createdAt":{"type":"string","format":"date-time"}');
  });
});

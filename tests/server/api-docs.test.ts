/** `/docs/json` documents every /api/v1 route: its summary, tag, inputs and responses. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildAppWithRoutes, openApiPath, routeInputs, type RegisteredRoute } from '../helpers/registered-routes.js';
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

/** What a route must document: its path and query parameters, and a body when it takes one. */
function inputsOf(route: RegisteredRoute): string[] {
  const { params, query, body } = routeInputs(route);
  return [...params.map((name) => `path:${name}`), ...query.map((name) => `query:${name}`), ...(body === undefined ? [] : ['body'])];
}

describeEachBackend('OpenAPI at /docs', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let app: FastifyInstance;
  let paths: Record<string, Record<string, Operation>>;
  /** The /api/v1 routes Fastify registered. */
  let routes: RegisteredRoute[];

  beforeAll(async () => {
    database = await createTestDatabase('api_docs', { backend });
    pipeline = await startPipeline(database);
    const built = await buildAppWithRoutes({ runtime: pipeline.runtime });
    app = built.app;
    routes = built.routes.filter((route) => route.url.startsWith('/api/v1/'));
    const response = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    paths = response.json<{ paths: Record<string, Record<string, Operation>> }>().paths;
  });

  afterAll(async () => {
    await app?.close();
    await pipeline?.stop();
    await database?.destroy();
  });

  it('lists exactly the /api/v1 routes Fastify registered, each with its method', () => {
    const documented = Object.entries(paths)
      .filter(([path]) => path.startsWith('/api/v1/'))
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`))
      .sort();
    const registered = routes.map((route) => `${route.method.toLowerCase()} ${openApiPath(route.url)}`).sort();
    expect(registered.length).toBeGreaterThan(25);
    expect(documented).toEqual(registered);
  });

  it('documents every registered route: a summary, a tag, its inputs and a 2xx response schema', () => {
    for (const route of routes) {
      const name = `${route.method} ${route.url}`;
      const operation = paths[openApiPath(route.url)]?.[route.method.toLowerCase()];
      expect.soft(operation?.summary, `${name} summary`).toMatch(/\w/);
      expect.soft(operation?.tags?.length, `${name} tags`).toBeGreaterThan(0);
      const documented = operation?.parameters?.map((parameter) => `${parameter.in}:${parameter.name}`) ?? [];
      for (const input of inputsOf(route)) {
        if (input === 'body') expect.soft(operation?.requestBody, `${name} body`).toBeDefined();
        else expect.soft(documented, `${name} ${input}`).toContain(input);
      }
      const success = Object.entries(operation?.responses ?? {}).find(([status]) => status.startsWith('2'));
      expect.soft(success?.[1].content, `${name} success content`).toBeDefined();
      if (route.method !== 'GET') expect.soft(operation?.security, `${name} security`).toEqual([{ adminToken: [] }]);
    }
  });

  it('documents dates as date-time strings and the admin token scheme', async () => {
    const response = await app.inject({ method: 'GET', url: '/docs/json' });
    const document = response.json<{ components: { securitySchemes: Record<string, unknown> } }>();
    expect(document.components.securitySchemes['adminToken']).toMatchObject({ type: 'http', scheme: 'bearer' });
    const runs = JSON.stringify(paths['/api/v1/runs']?.['get']?.responses?.['200']);
    expect(runs).toContain('"createdAt":{"type":"string","format":"date-time"}');
  });
});

/**
 * The routes a built app really registered, as Fastify saw them: tests compare the OpenAPI
 * document and the fuzz list with this, so a new route cannot be missed by a hand-kept list.
 *
 * Fastify publishes each new instance on the `fastify.initialization` diagnostics channel before
 * anything is registered on it; an `onRoute` hook added there sees every route of every plugin.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { z } from 'zod';
import { buildApp, type AppOptions } from '../../src/server/app.js';

export interface RegisteredRoute {
  /** GET, POST, …; Fastify's automatic HEAD twin of each GET is left out. */
  readonly method: string;
  /** The full path in Fastify's form: `/api/v1/runs/:id`. */
  readonly url: string;
  /** The route's schema as given (zod here), when it has one. */
  readonly schema: RouteOptions['schema'];
}

const CHANNEL = 'fastify.initialization';

export async function buildAppWithRoutes(options: AppOptions): Promise<{ app: FastifyInstance; routes: RegisteredRoute[] }> {
  const routes: RegisteredRoute[] = [];
  let watched: FastifyInstance | undefined;
  const onInitialization = (message: unknown) => {
    // Only the first instance built after subscribing: the app below.
    if (watched !== undefined) return;
    watched = (message as { fastify: FastifyInstance }).fastify;
    watched.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        // Fastify's own HEAD twin of each GET (exposeHeadRoutes); Strata declares no HEAD route.
        if (method === 'HEAD') continue;
        routes.push({ method, url: route.url, schema: route.schema });
      }
    });
  };
  subscribe(CHANNEL, onInitialization);
  try {
    const app = await buildApp(options);
    return { app, routes };
  } finally {
    unsubscribe(CHANNEL, onInitialization);
  }
}

/** `/api/v1/runs/:id` → `/api/v1/runs/{id}`, the OpenAPI form. */
export function openApiPath(url: string): string {
  return url.replaceAll(/:(\w+)/g, '{$1}');
}

/** The names a route's inputs take: path parameters, query keys and top-level body keys. */
export interface RouteInputs {
  readonly params: string[];
  readonly query: string[];
  /** Undefined when the route takes no body. */
  readonly body: string[] | undefined;
}

export function routeInputs(route: RegisteredRoute): RouteInputs {
  const schema = (route.schema ?? {}) as { params?: unknown; querystring?: unknown; body?: unknown };
  return {
    params: keysOf(schema.params),
    query: keysOf(schema.querystring),
    body: schema.body === undefined ? undefined : keysOf(schema.body),
  };
}

/** The keys of a zod object schema, through optional/nullable wrappers; none for anything else. */
function keysOf(schema: unknown): string[] {
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) return keysOf(schema.unwrap());
  return [];
}

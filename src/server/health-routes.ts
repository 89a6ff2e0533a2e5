/**
 * `/healthz`: the process answers and its database does (liveness for a load balancer).
 * `/readyz`: the database answers and every migration has run (readiness: send traffic); 503
 * from the moment a connection is lost until the pool has reconnected (postgres-pool.ts).
 */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { pendingMigrations, type Runtime } from '../runtime.js';
import { availabilityOf } from '../storage/index.js';

export function registerHealthRoutes(app: FastifyInstance, runtime: Runtime): void {
  const { db, engine } = runtime.database;

  app.get('/healthz', { logLevel: 'warn', schema: { tags: ['health'] } }, async () => {
    await db.selectFrom('strata.runs').select('id').limit(1).execute();
    return { status: 'ok', engine };
  });

  app.get('/readyz', { logLevel: 'warn', schema: { tags: ['health'] } }, async (_request, reply) => {
    const started = performance.now();
    const { unavailableSince } = availabilityOf(runtime.database);
    if (unavailableSince !== undefined) {
      return reply.status(503).send({ status: 'unavailable', engine, message: `database connection lost at ${unavailableSince.toISOString()}; reconnecting` });
    }
    try {
      await sql`SELECT 1`.execute(db);
      const pending = await pendingMigrations(runtime.database);
      if (pending.length > 0) return reply.status(503).send({ status: 'migrating', engine, pending });
      return { status: 'ready', engine, databaseMs: Math.round(performance.now() - started) };
    } catch (error) {
      return reply.status(503).send({ status: 'unavailable', engine, message: (error as Error).message });
    }
  });
}

import { materialize } from '../daemon/execute-run.js';
import type { Runtime } from '../runtime.js';
import { buildApp } from '../server/app.js';

/**
 * `strata start`: the all-in-one process (the only mode on PGlite). Serves the API and, on a
 * database that has never materialized anything, materializes the whole graph once.
 * Resolves when the process has been asked to stop and has shut down.
 */
export async function startCommand(runtime: Runtime): Promise<number> {
  const { config, logger } = runtime;
  const app = await buildApp({ runtime });
  await app.listen({ host: config.host, port: config.port });
  logger.info(`Strata is serving on http://${config.host}:${config.port} (API: /api/assets, /api/runs; health: /healthz)`);

  const controller = new AbortController();
  const firstRun = materializeIfNeverMaterialized(runtime, controller.signal);

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info(`${signal} received: shutting down`);
      controller.abort(new Error(`shutdown (${signal})`));
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await firstRun;
  await app.close();
  return 0;
}

async function materializeIfNeverMaterialized(runtime: Runtime, signal: AbortSignal): Promise<void> {
  try {
    const any = await runtime.database.db.selectFrom('strata.materializations').select('asset_key').limit(1).executeTakeFirst();
    if (any !== undefined) return;
    runtime.logger.info('nothing has been materialized yet: materializing the whole graph once');
    const { run, result } = await materialize(runtime, { tags: { reason: 'first start' } }, signal);
    runtime.logger.info({ runId: run.id, status: result.status }, `first materialization finished: ${result.status}`);
  } catch (error) {
    // The server keeps serving; the failed run (if one was created) is in the run history.
    runtime.logger.error({ err: error }, 'first materialization could not run');
  }
}

import { StrataError } from '../core/errors.js';
import { queueRun } from '../daemon/execute-run.js';
import { watchDefinitions } from '../definitions/watch-definitions.js';
import type { Runtime } from '../runtime.js';
import { runRolesUntilSignal, startDaemonRole, startServeRole, startWorkerRole, type RunningRole } from './process-roles.js';

/**
 * `strata start`: serve + daemon + worker in one process (the only mode on PGlite). On a
 * database that has never materialized anything, it queues one run of the whole graph, which
 * this process's worker executes.
 */
export async function startCommand(runtime: Runtime, options: { watch: boolean } = { watch: false }): Promise<number> {
  await refuseSecondStart(runtime);
  const roles: RunningRole[] = [];
  try {
    roles.push(reloadRole(runtime, options.watch));
    roles.push(await startServeRole(runtime));
    roles.push(await startWorkerRole(runtime));
    roles.push(await startDaemonRole(runtime));
    await queueFirstRunIfNeverMaterialized(runtime);
  } catch (error) {
    for (const role of roles.reverse()) await role.stop();
    throw error;
  }
  return runRolesUntilSignal(runtime, roles);
}

/**
 * Reloads the definitions on SIGHUP, and with `--watch` (`strata dev`) when a project file
 * changes. Each outcome is one log line; a failed reload keeps the last good definitions.
 */
function reloadRole(runtime: Runtime, watch: boolean): RunningRole {
  const { logger, definitions, config } = runtime;
  const stopLogging = definitions.onReload((result) => {
    if (result.ok) logger.info({ assets: result.assets, schedules: runtime.schedules.length }, 'definitions reloaded');
    else logger.error({ file: result.error.file, line: result.error.line }, `definitions reload failed; serving the last good definitions: ${result.error.message}`);
  });
  const onHangUp = () => void definitions.reload();
  process.on('SIGHUP', onHangUp);
  const watcher = watch ? watchDefinitions(definitions, { includeModuleFolder: config.definitionsFile !== undefined }) : undefined;
  if (watcher !== undefined) {
    logger.info({ folders: watcher.folders }, watcher.folders.length === 0 ? 'watching nothing: set STRATA_DEFINITIONS or STRATA_SQL_ASSETS_DIR' : 'watching definitions for changes');
  }
  return {
    name: 'reload',
    async stop() {
      watcher?.close();
      process.off('SIGHUP', onHangUp);
      stopLogging();
    },
  };
}

/**
 * A second `strata start` on the same embedded database would only serve the same data twice
 * and compete for its one backend: it says who serves it and stops, having changed nothing.
 */
async function refuseSecondStart(runtime: Runtime): Promise<void> {
  const embedded = runtime.database.embedded;
  if (embedded === undefined || (await embedded.role()) === 'owner') return;
  const owner = await embedded.owner();
  const who = owner === undefined ? 'another process' : `pid ${owner.pid} (${owner.command})`;
  throw new StrataError(
    'ALREADY_RUNNING',
    `the embedded database at ${runtime.config.dataDir} is already served by ${who}: use that one (the CLI works beside it), or stop it first; nothing was changed`,
  );
}

/** Role-only commands need a shared database: embedded PGlite belongs to one process. */
export function requirePostgres(runtime: Runtime, command: string): void {
  if (runtime.database.engine !== 'postgres') {
    throw new StrataError('ENGINE_UNSUPPORTED', `strata ${command} needs DATABASE_URL (Postgres): on the embedded database 'strata start' runs the server, daemon and worker in one process`);
  }
}

async function queueFirstRunIfNeverMaterialized(runtime: Runtime): Promise<void> {
  const { db } = runtime.database;
  const materialized = await db.selectFrom('strata.materializations').select('asset_key').limit(1).executeTakeFirst();
  const anyRun = await db.selectFrom('strata.runs').select('id').limit(1).executeTakeFirst();
  if (materialized !== undefined || anyRun !== undefined) return;
  const run = await queueRun(runtime, { tags: { reason: 'first start' } });
  runtime.logger.info({ runId: run.id, partition: run.partitionKey }, 'nothing has been materialized yet: queued one run of the whole graph');
}

/**
 * The long-running roles a Strata process can play: daemon (schedules + run monitor), worker
 * (claims and executes runs) and serve (HTTP). `strata start` plays all three in one process
 * (the only mode on PGlite); on Postgres each can run alone, as many times as wanted.
 */
import { hostname } from 'node:os';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { startAutomationLoop } from '../daemon/automation/automation-loop.js';
import { startBackgroundLoop } from '../daemon/background-loop.js';
import { startRetention } from '../daemon/retention.js';
import { metricsFor, recordRetentionDeleted } from '../metrics.js';
import { registerMetricsRoute } from '../metrics/route.js';
import { startRunMonitor } from '../daemon/run-monitor.js';
import { createScheduler } from '../daemon/scheduler.js';
import { createSensorDaemon } from '../daemon/sensors/sensor-daemon.js';
import { createWorker, newProcessId } from '../daemon/worker.js';
import type { Runtime } from '../runtime.js';
import { buildApp } from '../server/app.js';
import { availabilityOf, heartbeatProcess, markProcessStopped, recordDefinitionsReload, registerProcess } from '../storage/index.js';

export interface RunningRole {
  readonly name: string;
  /** Where it listens, for roles that serve HTTP. */
  readonly address?: string;
  stop(): Promise<void>;
}

/** Scheduler, sensors, automation, run monitor and retention, with a heartbeated row in `strata.processes`. */
export async function startDaemonRole(runtime: Runtime): Promise<RunningRole> {
  const { database, clock, config, logger } = runtime;
  const id = newProcessId('daemon');
  await registerProcess(database.db, { id, kind: 'daemon', hostname: hostname(), pid: process.pid, at: clock.now() });
  const heartbeat = startBackgroundLoop({
    name: 'daemon-heartbeat',
    intervalMs: Math.max(1_000, Math.floor(config.heartbeatTimeoutMs / 6)),
    clock,
    logger,
    iteration: () => heartbeatProcess(database.db, id, clock.now()),
    availability: availabilityOf(database),
  });
  let scheduler = createScheduler(runtime, { schedules: runtime.schedules, processId: id });
  await scheduler.start();
  let sensors = createSensorDaemon(runtime, { sensors: runtime.sensors, daemonId: id });
  await sensors.start();
  let automation = await startAutomationLoop(runtime, { processId: id });
  // A reload (dev mode) is recorded for `strata status`; new schedules, sensors and conditions replace the old ones.
  let reloading: Promise<void> = Promise.resolve();
  const stopListening = runtime.definitions.onReload((result) => {
    reloading = reloading.then(async () => {
      await recordDefinitionsReload(database.db, id, result.ok ? undefined : result.error, clock.now()).catch((error: unknown) =>
        logger.warn({ err: error }, 'could not record the definitions reload'),
      );
      if (!result.ok) return;
      await scheduler.stop();
      scheduler = createScheduler(runtime, { schedules: runtime.schedules, processId: id });
      await scheduler.start();
      await sensors.stop();
      sensors = createSensorDaemon(runtime, { sensors: runtime.sensors, daemonId: id });
      await sensors.start();
      await automation.stop();
      automation = await startAutomationLoop(runtime, { processId: id });
    });
  });
  const monitor = startRunMonitor(runtime, { processId: id });
  const retention = startRetention(runtime, { processId: id, onDeleted: (table, count) => recordRetentionDeleted(runtime, table, count) });
  logger.info({ daemonId: id, schedules: scheduler.schedules.map((schedule) => schedule.name), sensors: sensors.sensors.map((sensor) => sensor.name) }, 'daemon ready');
  return {
    name: 'daemon',
    async stop() {
      stopListening();
      await reloading;
      await scheduler.stop();
      await sensors.stop();
      await automation.stop();
      await monitor.stop();
      await retention.stop();
      await heartbeat.stop();
      await markProcessStopped(database.db, id, clock.now()).catch((error: unknown) => logger.warn({ err: error }, 'could not mark the daemon stopped'));
    },
  };
}

/** Claims and executes queued runs (and, alone, watches its peers with the run monitor); stops gracefully. */
export async function startWorkerRole(
  runtime: Runtime,
  options: { concurrency?: number | undefined; monitor?: boolean } = {},
): Promise<RunningRole> {
  const worker = createWorker(runtime, options.concurrency === undefined ? {} : { concurrency: options.concurrency });
  await worker.start();
  const monitor = options.monitor ? startRunMonitor(runtime, { processId: worker.id }) : undefined;
  runtime.logger.info({ workerId: worker.id }, 'worker ready');
  return {
    name: 'worker',
    async stop() {
      await monitor?.stop();
      await worker.stop();
    },
  };
}

/**
 * `/metrics`, `/healthz` and `/readyz` on STRATA_METRICS_PORT, for processes that serve no API
 * (`strata worker`, `strata daemon`): their counters (runs, steps, sources) live in their own
 * process. `/healthz` stays 200 while the database is away (the process rides the outage out
 * and must not be restarted for it); `/readyz` is 503 until its pool has reconnected.
 */
export async function startMetricsRole(runtime: Runtime): Promise<RunningRole | undefined> {
  const { config, logger } = runtime;
  if (config.metricsPort === undefined) return undefined;
  const app = Fastify({ loggerInstance: logger.child({ component: 'metrics' }) as FastifyBaseLogger });
  registerMetricsRoute(app, metricsFor(runtime));
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));
  app.get('/readyz', { logLevel: 'warn' }, async (_request, reply) => {
    const { unavailableSince } = availabilityOf(runtime.database);
    if (unavailableSince === undefined) return { status: 'ready' };
    return reply.status(503).send({ status: 'unavailable', message: `database connection lost at ${unavailableSince.toISOString()}; reconnecting` });
  });
  let address: string;
  try {
    address = await app.listen({ host: config.host, port: config.metricsPort });
  } catch (error) {
    await app.close();
    // Metrics are not worth the process: a second worker on one host still claims runs.
    if (!isPortTaken(error)) throw error;
    logger.warn(metricsPortTakenMessage(config.host, config.metricsPort, error.code));
    return undefined;
  }
  logger.info(`metrics on ${address}/metrics`);
  return { name: 'metrics', address, stop: () => app.close() };
}

function isPortTaken(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EADDRINUSE' || code === 'EACCES';
}

/** One line, no stack: which setting, which port, and the three ways out. */
export function metricsPortTakenMessage(host: string, port: number, code: string): string {
  const why = code === 'EADDRINUSE' ? 'is already in use (another Strata process on this host?)' : 'may not be opened by this user';
  return (
    `STRATA_METRICS_PORT=${port}: ${host}:${port} ${why}; running on without /metrics. ` +
    `Give each process on a host its own STRATA_METRICS_PORT (e.g. ${port < 65_535 ? port + 1 : port - 1}), 0 for any free port, or off for none.`
  );
}

/** The HTTP API on HOST:PORT. */
export async function startServeRole(runtime: Runtime): Promise<RunningRole> {
  const { config, logger } = runtime;
  const app = await buildApp({ runtime });
  await app.listen({ host: config.host, port: config.port });
  if (config.adminToken === undefined) {
    logger.warn(`no STRATA_ADMIN_TOKEN: changes (launch, cancel, toggles) are accepted from loopback only`);
  }
  logger.info(`Strata is serving on http://${config.host}:${config.port} (UI: /, API: /api/v1, docs: /docs, health: /healthz, /readyz)`);
  return { name: 'serve', stop: () => app.close() };
}

export function waitForStopSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/** Runs roles until SIGINT/SIGTERM, then stops them in reverse order of start. */
export async function runRolesUntilSignal(runtime: Runtime, roles: readonly RunningRole[]): Promise<number> {
  const signal = await waitForStopSignal();
  runtime.logger.info(`${signal} received: stopping ${roles.map((role) => role.name).join(', ')} (grace ${runtime.config.shutdownGraceMs} ms)`);
  for (const role of [...roles].reverse()) await role.stop();
  return 0;
}

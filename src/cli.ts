/**
 * `strata <command>`: the command line. Parses arguments, loads the configuration once, and
 * hands typed values to the commands. Exit codes: 0 ok, 1 a run failed, 2 bad usage or input.
 */
import { parseArgs } from 'node:util';
import { assetsCommand } from './cli/assets-command.js';
import { backfillCommand } from './cli/backfill-command.js';
import { cancelCommand } from './cli/cancel-command.js';
import { chartCommand, parseChartArgs } from './cli/chart-command.js';
import { driftCommand } from './cli/drift-command.js';
import { importCommand, prepareImportArgs } from './cli/import-command.js';
import { initCommand } from './cli/init-command.js';
import { materializeCommand, rangeOf } from './cli/materialize-command.js';
import { joinNegativeValues, parseNumericFlag } from './cli/numeric-flags.js';
import { print } from './cli/output.js';
import { runsCommand } from './cli/runs-command.js';
import { schedulesCommand } from './cli/schedules-command.js';
import { sensorsCommand } from './cli/sensors-command.js';
import { runRolesUntilSignal, startDaemonRole, startMetricsRole, startServeRole } from './cli/process-roles.js';
import { requirePostgres, startCommand } from './cli/start-command.js';
import { statusCommand } from './cli/status-command.js';
import { verifyCommand } from './cli/verify-command.js';
import { workerCommand } from './cli/worker-command.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { StrataError } from './core/errors.js';
import { createLogger, type Logger } from './logger.js';
import { runFakeCoinGeckoServer } from './pipeline/fake-coingecko/index.js';
import { runFakeCoinPaprikaServer } from './pipeline/fake-coinpaprika/index.js';
import { defineDefinitions } from './definitions/definitions.js';
import { DefinitionsLoadError } from './definitions/definitions-error.js';
import { migrateAll, openRuntime, type Runtime, type RuntimeOverrides } from './runtime.js';
import { EmbeddedOwnerUnavailableError, openDatabase } from './storage/index.js';

const USAGE = `Usage: strata <command> [options]

Commands:
  start [--watch]                        serve + daemon + worker in one process (the only mode on PGlite);
                                         queues one run of the whole graph if nothing was ever materialized;
                                         --watch reloads STRATA_DEFINITIONS and SQL assets when they change
                                         (so does SIGHUP); a reload that fails keeps the last good definitions
  dev                                    start --watch
  daemon                                 schedules, sensors and the run monitor (Postgres; run one or several)
  serve                                  the HTTP API only (Postgres)
  status [--json]                        processes and their heartbeats, queue depth, next ticks, loop errors
  materialize [selection] [--partition KEY]
                                         run assets now (selection: key, 'gold/*', '+key', 'key+'; default all)
  materialize <selection> --from KEY --to KEY
                                         run each partition of the range now, in order (stored bronze is not
                                         fetched again: silver and gold are rebuilt from the bronze files)
  assets [--json]                        list the asset graph in topological order
  runs [--json] [--limit N] [--status S] list recent runs, newest first
  chart market-share|top-prices|segments [--partition KEY] [--out FILE.svg|FILE.png]
                                         draw a chart of the gold data view (default: newest partition, SVG on stdout)
  import <file.csv> --source NAME [--json]
                                         load a CSV of quotes into silver.market_quotes under source NAME; bad
                                         lines are quarantined with their line number; the same file twice is a no-op
  drift [--json]                         schema drift of the sources: new, missing and retyped fields, first/last seen
  migrate                                apply database migrations and exit
  verify [--json]                        re-hash every bronze file (markets and /global) against its manifest and
                                         check silver + quarantine = bronze rows per partition; exit 1 on a mismatch
  worker [--concurrency N]               claim and execute queued runs until SIGTERM (graceful; Postgres)
  cancel <run-id>                        cancel a queued or running run
  schedules [--json]                     list schedules: cron, timezone, on/off, catch-up, next 3 ticks, last tick
  schedules on|off <name>                switch a schedule on or off (stored; every daemon follows it)
  sensors [--json]                       list sensors: kind, on/off, interval, next due, last evaluation
  sensors start|stop <name>              switch a sensor on or off (stored with who and when; every daemon follows it)
  backfill <selection> --from KEY --to KEY [--chunk N]
                                         queue one run per partition (stored bronze is not fetched again)
  backfill list | show <id> | cancel <id> | reexecute-failed <id>
  fake-coingecko [--port N] [--coins N]  serve recorded CoinGecko responses locally (no network needed)
  fake-coinpaprika [--port N]            serve CoinPaprika /v1/tickers locally, derived from the CoinGecko recording
  init <dir> [--strata SPEC]             write a new project with its own assets on top of the shipped pipeline
                                         (SPEC: its dependency on Strata; default the tarball or folder this one runs from)
  help                                   show this help

Configuration comes from environment variables: see README.md.`;

class UsageError extends Error {}

async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: joinNegativeValues(argv),
    allowPositionals: true,
    strict: true,
    options: {
      partition: { type: 'string' },
      json: { type: 'boolean', default: false },
      limit: { type: 'string' },
      status: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      coins: { type: 'string' },
      concurrency: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      chunk: { type: 'string' },
      out: { type: 'string' },
      source: { type: 'string' },
      watch: { type: 'boolean', default: false },
      strata: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (command === undefined || command === 'help' || values.help) {
    print(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  // Before the configuration: a new project needs none.
  if (command === 'init') {
    if (rest.length !== 1) throw new UsageError('init takes one folder: strata init <dir> [--strata SPEC]');
    return initCommand({ dir: rest[0] as string, strata: values.strata });
  }
  const config = loadConfig();
  const interactive = process.stdout.isTTY === true;
  switch (command) {
    case 'start':
    case 'dev': {
      const logger = createLogger({ level: config.logLevel });
      return withRuntime(config, logger, (runtime) => startCommand(runtime, { watch: values.watch || command === 'dev' }));
    }
    case 'daemon': {
      const logger = createLogger({ level: config.logLevel });
      return withRuntime(config, logger, async (runtime) => {
        requirePostgres(runtime, 'daemon');
        const metrics = await startMetricsRole(runtime);
        return runRolesUntilSignal(runtime, [...(metrics ? [metrics] : []), await startDaemonRole(runtime)]);
      });
    }
    case 'serve': {
      const logger = createLogger({ level: config.logLevel });
      return withRuntime(config, logger, async (runtime) => {
        requirePostgres(runtime, 'serve');
        return runRolesUntilSignal(runtime, [await startServeRole(runtime)]);
      });
    }
    case 'status': {
      const logger = createLogger({ level: 'warn', destination: process.stderr });
      const status = (broken?: DefinitionsLoadError) => (runtime: Runtime) => statusCommand(runtime, { json: values.json, brokenDefinitions: broken });
      try {
        return await withRuntime(config, logger, status());
      } catch (error) {
        // Status must still show what runs when the definitions file is broken now: it says so,
        // shows the rest (with no definitions of its own), and exits 2.
        if (!(error instanceof DefinitionsLoadError)) throw error;
        return withRuntime(config, logger, status(error), { definitions: defineDefinitions({}) });
      }
    }
    case 'materialize': {
      if (rest.length > 1) throw new UsageError(`materialize takes one selection, got: ${rest.join(' ')} (quote it or join terms with commas)`);
      rangeOf(values); // before the database opens
      // On a terminal the progress lines say what the info logs would; logs go to stderr.
      const logger = createLogger({ level: interactive ? 'warn' : config.logLevel, destination: process.stderr });
      return withRuntime(config, logger, (runtime) =>
        materializeCommand(runtime, { selection: rest[0], partition: values.partition, from: values.from, to: values.to, progress: interactive }),
      );
    }
    case 'assets': {
      const logger = createLogger({ level: 'warn', destination: process.stderr });
      return withRuntime(config, logger, (runtime) => assetsCommand(runtime, { json: values.json }));
    }
    case 'runs': {
      const logger = createLogger({ level: 'warn', destination: process.stderr });
      const limit = values.limit === undefined ? 20 : parseNumericFlag('limit', values.limit);
      return withRuntime(config, logger, (runtime) => runsCommand(runtime, { json: values.json, limit, status: values.status }));
    }
    case 'worker': {
      const logger = createLogger({ level: config.logLevel });
      const concurrency = values.concurrency === undefined ? undefined : parseNumericFlag('concurrency', values.concurrency);
      return withRuntime(config, logger, (runtime) => {
        requirePostgres(runtime, 'worker');
        return workerCommand(runtime, { concurrency });
      });
    }
    case 'backfill': {
      const logger = createLogger({ level: 'warn', destination: process.stderr });
      const chunk = values.chunk === undefined ? undefined : parseNumericFlag('chunk', values.chunk);
      return withRuntime(config, logger, (runtime) =>
        backfillCommand(runtime, { positionals: rest, from: values.from, to: values.to, chunk, json: values.json }),
      );
    }
    case 'schedules': {
      const logger = createLogger({ level: 'warn', destination: process.stderr });
      return withRuntime(config, logger, (runtime) => schedulesCommand(runtime, { args: rest, json: values.json }));
    }
    case 'sensors': {
      const logger = createLogger({ level: 'warn', destination: process.stderr });
      return withRuntime(config, logger, (runtime) => sensorsCommand(runtime, { args: rest, json: values.json }));
    }
    case 'cancel': {
      if (rest.length !== 1) throw new UsageError('cancel takes one run id');
      const logger = createLogger({ level: 'warn', destination: process.stderr });
      return withRuntime(config, logger, (runtime) => cancelCommand(runtime, rest[0] as string));
    }
    case 'chart': {
      const request = parseChartArgs({ positionals: rest, partition: values.partition, out: values.out });
      const logger = createLogger({ level: 'warn', destination: process.stderr });
      return withRuntime(config, logger, (runtime) => chartCommand(runtime, request));
    }
    case 'import': {
      const prepared = await prepareImportArgs({ positionals: rest, source: values.source });
      const logger = createLogger({ level: 'warn', destination: process.stderr });
      return withRuntime(config, logger, (runtime) => importCommand(runtime, prepared, { json: values.json }));
    }
    case 'drift': {
      const logger = createLogger({ level: 'warn', destination: process.stderr });
      return withRuntime(config, logger, (runtime) => driftCommand(runtime, { json: values.json }));
    }
    case 'verify': {
      if (rest.length > 0) throw new UsageError(`verify takes no arguments, got: ${rest.join(' ')}`);
      const logger = createLogger({ level: 'warn', destination: process.stderr });
      return withRuntime(config, logger, (runtime) => verifyCommand(runtime, { json: values.json }));
    }
    case 'migrate': {
      const logger = createLogger({ level: config.logLevel, destination: process.stderr });
      const database = await openDatabase({
        databaseUrl: config.databaseUrl,
        dataDir: config.dataDir,
        command: 'strata migrate',
        logger: { info: (m) => logger.info(m), warn: (m) => logger.warn(m) },
      });
      try {
        const ran = await migrateAll(database);
        print(ran.length === 0 ? 'database is up to date' : `applied: ${ran.join(', ')}`);
        return 0;
      } finally {
        await database.close();
      }
    }
    case 'fake-coingecko': {
      const logger = createLogger({ level: 'info' });
      const server = await runFakeCoinGeckoServer({
        port: values.port === undefined ? 8787 : parseNumericFlag('port', values.port),
        host: values.host ?? '127.0.0.1',
        coins: values.coins === undefined ? 250 : parseNumericFlag('coins', values.coins),
        log: logger,
      });
      await waitForStopSignal();
      await server.close();
      return 0;
    }
    case 'fake-coinpaprika': {
      const server = await runFakeCoinPaprikaServer({
        port: values.port === undefined ? 8788 : parseNumericFlag('port', values.port),
        host: values.host ?? '127.0.0.1',
        log: createLogger({ level: 'info' }),
      });
      await waitForStopSignal();
      await server.close();
      return 0;
    }
    default:
      throw new UsageError(`unknown command '${command}'\n\n${USAGE}`);
  }
}

async function withRuntime(
  config: Config,
  logger: Logger,
  work: (runtime: Awaited<ReturnType<typeof openRuntime>>) => Promise<number>,
  overrides: RuntimeOverrides = {},
): Promise<number> {
  const runtime = await openRuntime(config, logger, overrides);
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}

function waitForStopSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (
      error instanceof UsageError ||
      error instanceof ConfigError ||
      error instanceof EmbeddedOwnerUnavailableError ||
      (error instanceof StrataError && !error.retryable)
    ) {
      process.stderr.write(`strata: ${error.message}\n`);
      process.exitCode = 2;
    } else if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`strata: ${error.message}\n\n${USAGE}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`strata: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);

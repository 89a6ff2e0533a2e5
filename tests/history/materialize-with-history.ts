/**
 * `strata materialize <selection> --from KEY --to KEY` with the price-history assets in the
 * graph: the crash test's child process while definitions.ts does not wire them yet (once it
 * does, the test runs src/cli.ts itself). Same command code, same runtime, same exit codes.
 */
import { materializeCommand } from '../../src/cli/materialize-command.js';
import { loadConfig } from '../../src/config.js';
import { buildGraph } from '../../src/core/graph.js';
import { createLogger } from '../../src/logger.js';
import { openRuntime } from '../../src/runtime.js';
import { assetsWithHistory } from './history-harness.js';

const [selection, from, to] = process.argv.slice(2);
const config = loadConfig();
const runtime = await openRuntime(config, createLogger({ level: config.logLevel, destination: process.stderr }), { graph: buildGraph(assetsWithHistory()) });
try {
  process.exitCode = await materializeCommand(runtime, { selection, partition: undefined, from, to, progress: false });
} finally {
  await runtime.close();
}

/**
 * One load of a definitions module in a fresh process, for bench/definitions.ts: prints
 * `{"ms": …, "assets": …}`, the time of loadDefinitions alone (import the project's modules,
 * read the SQL files, validate). Strata itself is loaded first, as the CLI has it loaded when
 * it loads definitions.
 */
import { loadConfig } from '../src/config.js';
import { loadDefinitions } from '../src/definitions/load-definitions.js';
import '../src/runtime.js';
import '../src/index.js';

const file = process.argv[2] as string;
const started = performance.now();
const loaded = await loadDefinitions(file, { config: loadConfig({ STRATA_DATA_DIR: '/nonexistent' }) });
process.stdout.write(`${JSON.stringify({ ms: performance.now() - started, assets: loaded.graph.nodes.length })}\n`);

/**
 * SQL-file assets bench (issue 13): how long `loadSqlAssets` takes over a large folder, and
 * `buildGraph` over those assets and the code assets together. The bound: 5,000 SQL
 * files with 2,500 TypeScript assets in under 2 s in all.
 *
 * Generates `--files` SQL files in 50 subfolders of a temp dir, each with a full header (deps,
 * description, group, owners, partitions-by-deps, two checks) and an eleven-line query with
 * placeholders. Each depends on one of `--code-assets` six-hourly assets defined in memory
 * (defineAsset; loading them from modules is the definitions loader's part, not measured here),
 * and every other file also on a SQL asset seven files later, so resolution cannot follow file
 * order. Each round reads, parses and defines every file again.
 *
 *   npm run bench -- sql-assets [--files 5000] [--code-assets 2500] [--rounds 5] [--no-write]
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type AnyAsset, defineAsset } from '../src/core/asset.js';
import { buildGraph } from '../src/core/graph.js';
import { sixHourlyPartitions } from '../src/core/partitions.js';
import { loadSqlAssets } from '../src/definitions/sql-assets/load-sql-assets.js';
import { appendBenchRun } from './results-file.js';
import { positiveInteger } from './bench-args.js';

const RESULTS_FILE = fileURLToPath(new URL('./results/sql-assets.md', import.meta.url));
const INTRO = `# SQL-file assets bench

\`npm run bench -- sql-assets\` (issue 13). Code: \`bench/sql-assets.ts\`.

- N generated \`.sql\` files in 50 subfolders, each with an eight-line header (asset, deps, two
  description lines, group, owners, two checks) and an eleven-line query using
  \`{{ partition_start }}\`, \`{{ partition_end }}\` and \`{{ partition_key }}\`; each depends on one
  of M six-hourly code assets (made with defineAsset in memory) and every other file also on the
  SQL asset seven files later, so dependency order is not file order.
- **load**: \`loadSqlAssets([dir], codeAssets)\`: list, read (synchronously, 256 files per
  event-loop turn), parse headers and queries, resolve deps and partitions, define.
  **graph**: \`buildGraph\` over the code and SQL assets together. Each round does both again; the files stay in the page cache.
- **Machine**: 2 shared, noisy cores; Node 20.`;

interface Options {
  readonly files: number;
  readonly codeAssets: number;
  readonly rounds: number;
}

interface Round {
  readonly loadMs: number;
  readonly graphMs: number;
}

export const sqlAssetsBench = {
  summary: 'SQL-file assets: load 5,000 generated .sql files and build one graph with 2,500 code assets',
  usage: [
    'sql-assets [--files N] [--code-assets N] [--rounds N] [--no-write]',
    '  --files        generated SQL files (default 5,000)',
    '  --code-assets  six-hourly code assets they depend on (default 2,500)',
    '  --rounds       timed loads, each from scratch (default 5)',
    '  --no-write     print only; do not add the run to bench/results/sql-assets.md',
  ].join('\n'),
  async run(args: string[]): Promise<void> {
    const { values } = parseArgs({
      args,
      options: { files: { type: 'string' }, 'code-assets': { type: 'string' }, rounds: { type: 'string' }, 'no-write': { type: 'boolean' } },
    });
    const options: Options = {
      files: positiveInteger('--files', values.files, 5_000),
      codeAssets: positiveInteger('--code-assets', values['code-assets'], 2_500),
      rounds: positiveInteger('--rounds', values.rounds, 5),
    };
    const rounds = await runSqlAssetsBench(options);
    const section = report(options, rounds);
    console.log(section);
    if (values['no-write'] !== true) await appendBenchRun(RESULTS_FILE, { intro: INTRO, section, keep: 5 });
    if (Math.min(...rounds.map((round) => round.loadMs + round.graphMs)) > 2_000) process.exitCode = 1;
  },
};

async function runSqlAssetsBench(options: Options): Promise<Round[]> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-bench-sql-assets-'));
  try {
    const codeAssets: AnyAsset[] = Array.from({ length: options.codeAssets }, (_, index) =>
      defineAsset({
        key: `silver/code_${index}`,
        layer: 'silver',
        description: `code asset ${index}`,
        partitions: sixHourlyPartitions,
        materialize: async () => ({ value: {} }),
      }),
    );
    for (let folder = 0; folder < 50; folder++) await mkdir(join(dir, `folder_${folder}`));
    for (let index = 0; index < options.files; index++) {
      await writeFile(join(dir, `folder_${index % 50}`, `asset_${index}.sql`), sqlFile(index, options));
    }
    const rounds: Round[] = [];
    for (let round = 0; round < options.rounds; round++) {
      const start = performance.now();
      const sqlAssets = await loadSqlAssets([dir], codeAssets);
      const loaded = performance.now();
      const graph = buildGraph([...codeAssets, ...sqlAssets]);
      const built = performance.now();
      if (graph.order.length !== options.codeAssets + options.files) throw new Error(`expected ${options.codeAssets + options.files} assets, got ${graph.order.length}`);
      rounds.push({ loadMs: loaded - start, graphMs: built - loaded });
    }
    return rounds;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function sqlFile(index: number, options: Options): string {
  const deps = [`silver/code_${index % options.codeAssets}`];
  if (index % 2 === 0 && index + 7 < options.files) deps.push(`gold/asset_${index + 7}`);
  return `-- asset: gold/asset_${index}
-- deps: ${deps.join(', ')}
-- description: Generated asset ${index}, a join of its deps
-- description: over one six-hour window.
-- group: group_${index % 20}
-- owners: team-${index % 7}@example.com, owner_${index % 13}
-- check: no_negative_price: SELECT * FROM {{ this }} WHERE price < 0 AND partition_key = {{ partition_key }}
-- warn-check: not_empty: SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM {{ this }} WHERE partition_key = {{ partition_key }})
SELECT s.coin_id,
       s.symbol,
       s.current_price AS price,
       s.price_change_percentage_24h,
       'asset ${index}; generated' AS note -- a comment with {{ braces }}
FROM silver.market_snapshots s
WHERE s.snapshot_at >= {{ partition_start }}
  AND s.snapshot_at < {{ partition_end }}
ORDER BY abs(s.price_change_percentage_24h) DESC NULLS LAST
LIMIT 10;
`;
}

function report(options: Options, rounds: readonly Round[]): string {
  const totals = rounds.map((round) => round.loadMs + round.graphMs);
  const sorted = [...totals].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  const ms = (value: number) => `${Math.round(value)} ms`;
  return [
    `## Run ${new Date().toISOString()}`,
    '',
    `${options.files.toLocaleString('en')} SQL files, ${options.codeAssets.toLocaleString('en')} code assets, ${options.rounds} rounds.`,
    '',
    '| round | load | graph | total |',
    '|---:|---:|---:|---:|',
    ...rounds.map((round, index) => `| ${index + 1} | ${ms(round.loadMs)} | ${ms(round.graphMs)} | ${ms(round.loadMs + round.graphMs)} |`),
    '',
    `Best ${ms(sorted[0] as number)}, median ${ms(median)} (bound: 2,000 ms).`,
  ].join('\n');
}


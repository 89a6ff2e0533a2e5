/**
 * Definitions at scale (issue 13): a project of 5,000 assets, half TypeScript (25 modules of 100
 * assets) and half SQL files, loaded and validated in a fresh process (< 2 s), and reloaded by
 * `strata dev` after a file changes (new graph served < 2 s after the write).
 *
 * - **load, cold**: a new project each round (tsx has not compiled its files yet).
 * - **load, warm**: the same project again (tsx's compile cache is warm, as on a restart).
 * - **reload**: `strata dev` on a scratch Postgres database; each round writes one module with
 *   an asset added (or one SQL file), then asks `GET /api/v1/assets/<layer>/<name>` every 10 ms
 *   until the new asset answers 200.
 *
 *   npm run bench -- definitions [--rounds 5] [--no-write]
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../tests/helpers/free-port.js';
import { positiveInteger } from './bench-args.js';
import { appendBenchRun } from './results-file.js';
import { benchAdminUrl, createScratchDatabase } from './scratch-database.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STRATA = join(ROOT, 'src', 'index.ts');
const RESULTS_FILE = fileURLToPath(new URL('./results/definitions.md', import.meta.url));
const MODULES = 25;
const PER_MODULE = 100;
const SQL_FILES = 2_500;
const INTRO = `# Definitions bench

\`npm run bench -- definitions\` (issue 13). Code: \`bench/definitions.ts\`.

- A generated project of 5,000 assets: 25 TypeScript modules of 100 six-hourly assets each
  (one bronze root and a chain of silver assets per module, each reading the previous one)
  and 2,500 SQL files in 25 folders, each reading one silver asset.
- **load cold / warm**: \`loadDefinitions\` in a fresh process (import the modules through tsx,
  read and parse the SQL files, build and validate the graph); cold on a new project, warm on
  the same one again. Goal < 2 s.
- **reload**: \`strata dev\` on a scratch Postgres database; from the write of one changed file
  (a module with one more asset, or one SQL file) to the new asset answering on the API. Goal < 2 s.
- **Machine**: 2 shared, noisy cores; Node 20.`;

export const definitionsBench = {
  summary: 'definitions at 5,000 assets (half SQL): load in a fresh process, reload in strata dev',
  usage: ['definitions [--rounds N] [--no-write]', '  --rounds    loads and reloads each (default 5)', '  --no-write  print only'].join('\n'),
  async run(args: string[]): Promise<void> {
    const { values } = parseArgs({ args, options: { rounds: { type: 'string' }, 'no-write': { type: 'boolean' } } });
    const rounds = positiveInteger('--rounds', values.rounds, 5);
    const cold: number[] = [];
    const warm: number[] = [];
    let assets = 0;
    for (let round = 0; round < rounds; round += 1) {
      const project = await writeProject();
      try {
        const first = await loadInFreshProcess(project);
        cold.push(first.ms);
        warm.push((await loadInFreshProcess(project)).ms);
        assets = first.assets;
      } finally {
        await rm(project, { recursive: true, force: true });
      }
    }
    const reload = await measureReloads(rounds);
    const section = [
      `## Run ${new Date().toISOString()}`,
      '',
      `${assets} assets. Milliseconds per round; median in bold.`,
      '',
      '| measure | rounds | median |',
      '|---|---|---|',
      row('load, cold (new project)', cold),
      row('load, warm (same project)', warm),
      row('reload, TypeScript module changed', reload.typescript),
      row('reload, SQL file added', reload.sql),
    ].join('\n');
    console.log(section);
    if (values['no-write'] !== true) await appendBenchRun(RESULTS_FILE, { intro: INTRO, section, keep: 5 });
  },
};

function row(name: string, values: readonly number[]): string {
  return `| ${name} | ${values.map((value) => value.toFixed(0)).join(', ')} | **${median(values).toFixed(0)}** |`;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function moduleText(index: number, extra = ''): string {
  const lines = [`import { defineAsset, sixHourlyPartitions } from '${STRATA}';`, ''];
  lines.push(
    `const root = defineAsset({ key: 'bronze/source_${index}', layer: 'bronze', description: 'root ${index}', partitions: sixHourlyPartitions, group: 'g${index % 10}', owners: ['team${index % 7}'], materialize: async () => ({ value: 1 }) });`,
  );
  lines.push('const chain = [];', 'let previous = root;');
  lines.push(`for (let i = 1; i < ${PER_MODULE}; i += 1) {`);
  lines.push(
    `  previous = defineAsset({ key: \`silver/m${index}_\${i}\`, layer: 'silver', description: 'step', partitions: sixHourlyPartitions, deps: { previous }, materialize: async () => ({ value: 1 }) });`,
  );
  lines.push('  chain.push(previous);', '}');
  lines.push(extra);
  lines.push(`export const assets = [root, ...chain${extra === '' ? '' : ', added'}];`);
  return lines.join('\n');
}

function sqlText(index: number): string {
  const upstream = `silver/m${index % MODULES}_${1 + (index % (PER_MODULE - 1))}`;
  return [
    `-- asset: gold/sql_${index}`,
    `-- deps: ${upstream}`,
    `-- description: Generated SQL asset ${index}.`,
    `-- group: sql${index % 10}`,
    `SELECT {{ partition_key }} AS key, ${index} AS n, {{ partition_start }} AS starts WHERE {{ partition_end }} > {{ partition_start }}`,
    '',
  ].join('\n');
}

async function writeProject(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-bench-definitions-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'bench-project', private: true, type: 'module' }));
  await mkdir(join(dir, 'assets'));
  for (let index = 0; index < MODULES; index += 1) await writeFile(join(dir, 'assets', `part-${index}.ts`), moduleText(index));
  for (let folder = 0; folder < 25; folder += 1) await mkdir(join(dir, 'sql', `f${folder}`), { recursive: true });
  await Promise.all(Array.from({ length: SQL_FILES }, (_, index) => writeFile(join(dir, 'sql', `f${index % 25}`, `sql_${index}.sql`), sqlText(index))));
  const imports = Array.from({ length: MODULES }, (_, index) => `import { assets as part${index} } from './assets/part-${index}.ts';`);
  const all = Array.from({ length: MODULES }, (_, index) => `...part${index}`).join(', ');
  await writeFile(
    join(dir, 'definitions.ts'),
    [`import { defineDefinitions } from '${STRATA}';`, ...imports, `export default defineDefinitions({ assets: [${all}], sqlAssetDirs: ['sql'] });`, ''].join('\n'),
  );
  return dir;
}

function loadInFreshProcess(project: string): Promise<{ ms: number; assets: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'definitions-load-process.ts'), join(project, 'definitions.ts')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(JSON.parse(out) as { ms: number; assets: number }) : reject(new Error(`load exited ${code}`))));
  });
}

async function measureReloads(rounds: number): Promise<{ typescript: number[]; sql: number[] }> {
  const project = await writeProject();
  const database = await createScratchDatabase(benchAdminUrl(), 'strata_bench_definitions');
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'dev'], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      DATABASE_URL: database.url,
      STRATA_DATA_DIR: join(project, 'data'),
      STRATA_DEFINITIONS: join(project, 'definitions.ts'),
      PORT: String(port),
      STRATA_METRICS_PORT: 'off',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}/api/v1/assets`;
  try {
    await answered(`${base}/bronze/source_0`, 300_000);
    const typescript: number[] = [];
    const sql: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const key = `added_${round}`;
      const started = performance.now();
      await writeFile(
        join(project, 'assets', 'part-3.ts'),
        moduleText(3, `const added = defineAsset({ key: 'gold/${key}', layer: 'gold', description: 'added', partitions: sixHourlyPartitions, deps: { previous }, materialize: async () => ({ value: 1 }) });`),
      );
      await answered(`${base}/gold/${key}`, 60_000);
      typescript.push(performance.now() - started);
      const sqlStarted = performance.now();
      await writeFile(join(project, 'sql', 'f0', `new_${round}.sql`), sqlText(10_000 + round));
      await answered(`${base}/gold/sql_${10_000 + round}`, 60_000);
      sql.push(performance.now() - sqlStarted);
    }
    return { typescript, sql };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('close', resolve));
    await database.drop();
    await rm(project, { recursive: true, force: true });
  }
}

async function answered(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await fetch(url).catch(() => undefined))?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}

/**
 * The CSV inbox with real processes: files dropped into STRATA_DATA_DIR/inbox/kraken/ are each
 * imported exactly once and end in processed/, across SIGKILLs in the middle of an import.
 *
 * - Embedded: `strata start` (web + daemon + worker in one process, PGlite) is SIGKILLed while a
 *   large file's import run is STARTED, then started again: the run monitor fails the killed run
 *   and retries it (the file is still in the inbox: a file leaves only after its run ended), the
 *   retry imports it (or finds it already imported, if the kill came after the commit), and the
 *   sensor moves it.
 * - Postgres: two `strata daemon` and one `strata worker`. Both daemons are SIGKILLed while an
 *   import runs on the worker (which finishes it with no daemon alive: the file stays put), files
 *   are dropped while no daemon runs, then the daemons come back and the worker is SIGKILLed
 *   mid-import in its turn; a new worker finishes the retry.
 *
 * "Exactly once": per file, one run with run key `sensor:csv_inbox:<sha256>` (its retries carry
 * `retry:<id>` keys and the same tags), at most one materialization that wrote (status
 * `imported`), one silver.imports row, and the file's quotes in silver.market_quotes once.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { startFakeCoinGecko, type RunningFakeCoinGecko } from '../../src/pipeline/fake-coingecko/index.js';
import { openDatabase, type Database } from '../../src/storage/index.js';
import { freePort } from '../helpers/free-port.js';
import { outputOf, spawnStrata, until } from '../helpers/strata-process.js';
import { POSTGRES_SKIP_REASON, postgresTestUrl } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const HEADER = 'coin_id,snapshot_at,symbol,name,price_usd';
/** Large enough that its import is still running when the test's poll sees it STARTED (seconds on either engine). */
const BIG_LINES = 150_000;

interface DroppedFile {
  readonly name: string;
  readonly sha256: string;
  readonly lines: number;
}

/** `lines` quotes whose coin ids are unique to `tag`, so every file adds its own rows. */
function quotesFile(tag: string, lines: number): string {
  const rows: string[] = [HEADER];
  for (let i = 0; i < lines; i++) rows.push(`${tag}-${i % 1000},2026-11-${String(1 + Math.floor(i / 1000) % 28).padStart(2, '0')}T${String(Math.floor(i / 28_000) % 24).padStart(2, '0')}:00:00Z,${tag.slice(0, 3)},${tag} ${i % 1000},${(i % 997) + 0.5}`);
  return `${rows.join('\n')}\n`;
}

/** Written under a temporary name, then renamed into the inbox: how a careful copier drops a file. */
async function drop(inbox: string, name: string, text: string): Promise<DroppedFile> {
  const folder = join(inbox, 'kraken');
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, `${name}.part`), text);
  await rename(join(folder, `${name}.part`), join(folder, name));
  return { name, sha256: createHash('sha256').update(text).digest('hex'), lines: text.split('\n').length - 2 };
}

interface RunRow {
  readonly id: string;
  readonly status: string;
  readonly run_key: string | null;
  readonly tags: Record<string, string>;
}

async function importRuns(db: Kysely<Database>): Promise<RunRow[]> {
  const { rows } = await sql<RunRow>`SELECT id, status, run_key, tags FROM strata.runs WHERE tags ? 'inbox/sha256' ORDER BY created_at`.execute(db);
  return rows;
}

/** Everything "exactly once" means, checked on the database and the inbox folder once every file has left the inbox. */
async function expectImportedOnce(db: Kysely<Database>, inbox: string, files: readonly DroppedFile[]): Promise<void> {
  const folder = join(inbox, 'kraken');
  expect((await readdir(folder)).filter((name) => name.endsWith('.csv'))).toEqual([]);
  expect(await readdir(join(folder, 'failed')).catch(() => [])).toEqual([]);
  const processed = await readdir(join(folder, 'processed'));
  expect(processed.sort()).toEqual(files.map((file) => file.name).sort());
  for (const file of files) {
    const bytes = await readFile(join(folder, 'processed', file.name));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
  }

  const runs = await importRuns(db);
  for (const file of files) {
    const ofFile = runs.filter((run) => run.tags['inbox/sha256'] === file.sha256);
    expect(ofFile.filter((run) => run.run_key === `sensor:csv_inbox:${file.sha256}`)).toHaveLength(1);
    // Retries of a killed run are the only other runs of these bytes.
    for (const run of ofFile) expect(run.run_key === `sensor:csv_inbox:${file.sha256}` || run.run_key?.startsWith('retry:')).toBe(true);
    expect(ofFile.at(-1)?.status).toBe('SUCCESS');
    const { rows: wrote } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM strata.events
      WHERE type = 'asset:materialized' AND asset_key = 'silver/imported_quotes'
        AND payload->'metadata'->>'sha256' = ${file.sha256} AND payload->'metadata'->>'status' = 'imported'`.execute(db);
    expect(wrote[0]?.n).toBeLessThanOrEqual(1);
    const { rows: imports } = await sql<{ rows: number }>`SELECT rows FROM silver.imports WHERE source = 'kraken' AND file_sha256 = ${file.sha256}`.execute(db);
    expect(imports).toEqual([{ rows: file.lines }]);
    const { rows: quotes } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM silver.market_quotes WHERE source = 'kraken' AND source_file = ${file.name}`.execute(db);
    expect(quotes[0]?.n).toBe(file.lines);
  }
}

describe('csv inbox with `strata start` on the embedded database, across a SIGKILL mid-import', { timeout: 600_000 }, () => {
  let fake: RunningFakeCoinGecko;
  let dataDir: string;
  let env: Record<string, string>;
  let baseUrl: string;
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    fake = await startFakeCoinGecko();
    dataDir = await mkdtemp(join(tmpdir(), 'strata-inbox-start-'));
    await cp(inject('pgliteTemplate'), join(dataDir, 'pglite'), { recursive: true });
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    env = {
      STRATA_DATA_DIR: dataDir,
      PORT: String(port),
      COINGECKO_BASE_URL: fake.url,
      COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
      STRATA_HISTORY_COINS: '0',
      // The killed process's run is failed (and retried) this soon after the restart.
      STRATA_HEARTBEAT_TIMEOUT: '2',
    };
  });
  afterAll(async () => {
    if (server?.exitCode === null) server.kill('SIGKILL');
    await fake?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function startServer(): Promise<ChildProcess> {
    const child = spawnStrata(['start'], env);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await until(
      'strata start to serve /readyz',
      async () => {
        if (child.exitCode !== null) throw new Error(`strata start exited ${child.exitCode}: ${stderr}`);
        return (await fetch(`${baseUrl}/readyz`).catch(() => undefined))?.ok ? true : undefined;
      },
      120_000,
    );
    return child;
  }

  async function apiRuns(): Promise<{ id: string; status: string; runKey: string | null }[]> {
    const response = await fetch(`${baseUrl}/api/v1/runs?asset=silver/imported_quotes&limit=200`);
    return ((await response.json()) as { runs: { id: string; status: string; runKey: string | null }[] }).runs;
  }

  it('imports every dropped file exactly once and moves it to processed/, though the process was killed during an import', async () => {
    server = await startServer();
    const inbox = join(dataDir, 'inbox');
    // The sensor creates the inbox at its first evaluation.
    await until('the inbox folder', async () => (await readdir(inbox).then(() => true, () => undefined)), 60_000);
    const big = await drop(inbox, 'big.csv', quotesFile('big', BIG_LINES));
    const small = [await drop(inbox, 'a.csv', quotesFile('a', 50)), await drop(inbox, 'b.csv', quotesFile('b', 50))];
    await until('the big import to be running', async () =>
      (await apiRuns()).some((run) => run.runKey === `sensor:csv_inbox:${big.sha256}` && run.status === 'STARTED') ? true : undefined,
    );
    server.kill('SIGKILL');
    await outputOf(server);
    // Dropped while nothing runs: taken after the restart like the others.
    const late = await drop(inbox, 'late.csv', quotesFile('late', 50));
    expect(await readdir(join(inbox, 'kraken'))).toContain('big.csv');

    server = await startServer();
    const files = [big, ...small, late];
    await until(
      'every file in processed/',
      async () => ((await readdir(join(inbox, 'kraken', 'processed')).catch(() => [])).length === files.length ? true : undefined),
      180_000,
    );
    server.kill('SIGTERM');
    expect((await outputOf(server)).code).toBe(0);

    const database = await openDatabase({ dataDir });
    try {
      await expectImportedOnce(database.db, inbox, files);
    } finally {
      await database.close();
    }
  });
});

const describePostgres = postgresTestUrl() === undefined ? describe.skip : describe;
const title = postgresTestUrl() === undefined ? ` (skipped: ${POSTGRES_SKIP_REASON})` : '';

describePostgres(`csv inbox with two \`strata daemon\` and a \`strata worker\` on Postgres, across SIGKILLs${title}`, { timeout: 600_000 }, () => {
  let database: TestDatabase;
  let dataDir: string;
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    database = await createTestDatabase('csv_inbox_processes', { backend: 'postgres' });
    dataDir = await mkdtemp(join(tmpdir(), 'strata-inbox-daemons-'));
  });
  afterEach(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await database?.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  function strata(args: string[]): ChildProcess {
    const child = spawnStrata(args, {
      DATABASE_URL: database.url ?? '',
      STRATA_DATA_DIR: dataDir,
      STRATA_METRICS_PORT: 'off',
      STRATA_HEARTBEAT_TIMEOUT: '2',
    });
    children.push(child);
    return child;
  }

  async function runOf(file: DroppedFile): Promise<RunRow | undefined> {
    return (await importRuns(database.db)).filter((run) => run.tags['inbox/sha256'] === file.sha256).at(-1);
  }

  it('imports every file once: daemons killed while the worker imports, then the worker killed mid-import', async () => {
    const inbox = join(dataDir, 'inbox');
    let daemons = [strata(['daemon']), strata(['daemon'])];
    let worker = strata(['worker', '--concurrency', '1']);
    await until('the inbox folder', async () => (await readdir(inbox).then(() => true, () => undefined)), 60_000);

    const first = await drop(inbox, 'first.csv', quotesFile('first', BIG_LINES));
    const small = await drop(inbox, 'small.csv', quotesFile('small', 50));
    await until('the first import to be running', async () => ((await runOf(first))?.status === 'STARTED' ? true : undefined));
    for (const daemon of daemons) daemon.kill('SIGKILL');
    await Promise.all(daemons.map(outputOf));
    // No daemon: the worker finishes the import, and the file waits in the inbox for a daemon to move it.
    await until('the first import to end', async () => ((await runOf(first))?.status === 'SUCCESS' ? true : undefined), 120_000);
    expect(await readdir(join(inbox, 'kraken'))).toContain('first.csv');
    const whileDown = await drop(inbox, 'while-down.csv', quotesFile('down', 50));

    daemons = [strata(['daemon']), strata(['daemon'])];
    const second = await drop(inbox, 'second.csv', quotesFile('second', BIG_LINES));
    await until('the second import to be running', async () => ((await runOf(second))?.status === 'STARTED' ? true : undefined), 60_000);
    worker.kill('SIGKILL');
    await outputOf(worker);
    // The daemons' monitor fails the run and queues its retry; the file must still be there for it.
    worker = strata(['worker', '--concurrency', '1']);

    const files = [first, small, whileDown, second];
    await until(
      'every file in processed/',
      async () => ((await readdir(join(inbox, 'kraken', 'processed')).catch(() => [])).length === files.length ? true : undefined),
      180_000,
    );
    for (const child of [...daemons, worker]) child.kill('SIGTERM');
    expect((await Promise.all([...daemons, worker].map(outputOf))).map((exit) => exit.code)).toEqual([0, 0, 0]);
    await expectImportedOnce(database.db, inbox, files);
    const secondRuns = (await importRuns(database.db)).filter((run) => run.tags['inbox/sha256'] === second.sha256);
    expect(secondRuns.length).toBeGreaterThanOrEqual(2);
  });
});

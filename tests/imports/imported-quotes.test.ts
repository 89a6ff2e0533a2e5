/**
 * silver/imported_quotes, the asset the csv_inbox sensor's runs execute: the file its run's tags
 * name goes into silver.market_quotes exactly as `strata import` loads it (counts as metadata,
 * bad lines quarantined, the same file again writes nothing); bytes changed since the sensor
 * hashed them are refused naming the file; a file with no valid line fails the step; a run with
 * no inbox tags (the whole graph) succeeds without importing anything. Runs go through
 * materialize(), as the CLI and workers execute stored runs, so the tags come from the run row.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { materialize } from '../../src/daemon/execute-run.js';
import { createLogger } from '../../src/logger.js';
import { NOTHING_TO_IMPORT } from '../../src/pipeline/imports/imported-quotes.js';
import { inboxTags } from '../../src/pipeline/inbox/inbox-tags.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'imports');
const ASSET = 'silver/imported_quotes';
const HEADER = 'coin_id,snapshot_at,symbol,name,price_usd';

describeEachBackend('silver/imported_quotes', (backend) => {
  let database: TestDatabase;
  let dataDir: string;
  let runtime: Runtime;
  const inbox = () => join(dataDir, 'inbox');

  beforeAll(async () => {
    database = await createTestDatabase('imported-quotes', { backend });
    dataDir = await mkdtemp(join(tmpdir(), 'strata-imported-quotes-'));
    const config = loadConfig({ STRATA_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    runtime = await openRuntime(config, createLogger({ level: 'silent', pretty: false }), { database });
  }, 120_000);
  afterAll(async () => {
    await database?.destroy();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** Puts bytes at inbox/<path> and returns the tags the sensor would put on its run. */
  async function drop(path: string, bytes: Buffer | string): Promise<Record<string, string>> {
    await mkdir(join(inbox(), path, '..'), { recursive: true });
    await writeFile(join(inbox(), path), bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    return inboxTags({ source: path.split('/')[0] as string, path, sha256 });
  }

  async function run(tags: Record<string, string>) {
    const { run, result } = await materialize(runtime, { selection: ASSET, tags, trigger: 'sensor' });
    const [step] = result.steps;
    return { runId: run.id, status: result.status, metadata: step?.metadata, error: step?.error };
  }

  async function count(text: string, parameters: unknown[]): Promise<number> {
    return database.withSession(async (session) => (await session.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${text}`, parameters)).rows[0]?.n ?? -1);
  }

  it('imports the file the tags name: rows into silver.market_quotes, counts as metadata; the same file again writes nothing', async () => {
    const tags = await drop('kraken/good.csv', await readFile(join(FIXTURES, 'good.csv')));
    const first = await run(tags);
    expect(first).toMatchObject({ status: 'SUCCESS', error: undefined });
    expect(first.metadata).toEqual({
      file: 'kraken/good.csv',
      source: 'kraken',
      sha256: tags['inbox/sha256'],
      status: 'imported',
      rows: 5,
      inserted: 5,
      updated: 0,
      unchanged: 0,
      quarantined: 0,
    });
    expect(await count("silver.market_quotes WHERE source = 'kraken' AND source_file = 'good.csv'", [])).toBe(5);
    expect(await count("silver.imports WHERE source = 'kraken' AND file_sha256 = $1", [tags['inbox/sha256']])).toBe(1);

    const again = await run(tags);
    expect(again).toMatchObject({ status: 'SUCCESS', metadata: { status: 'already_imported', rows: 5, inserted: 0, updated: 0, unchanged: 5 } });
  });

  it('quarantines bad lines with their reasons and still succeeds with the valid ones', async () => {
    const tags = await drop('bitstamp/bad-lines.csv', await readFile(join(FIXTURES, 'bad-lines.csv')));
    const result = await run(tags);
    // Its header and ten lines: line 2 is valid, lines 3 to 10 are not, line 11 is valid.
    expect(result).toMatchObject({ status: 'SUCCESS', metadata: { source: 'bitstamp', status: 'imported', rows: 2, inserted: 2, quarantined: 8 } });
    expect(await count("silver.market_quotes WHERE source = 'bitstamp'", [])).toBe(2);
    expect(await count("silver.quarantine WHERE asset_key = 'import/bitstamp' AND partition_key = 'bad-lines.csv'", [])).toBe(8);
  });

  it('fails the step when no line is valid, after recording the quarantined lines as strata import does', async () => {
    const tags = await drop('kraken/all-bad.csv', `${HEADER}\nbitcoin,yesterday,btc,Bitcoin,1\nethereum,2026-11-23,eth,Ethereum,x\n`);
    const result = await run(tags);
    expect(result.status).toBe('FAILURE');
    expect(result.error).toMatch(/nothing loaded from kraken\/all-bad\.csv: all 2 lines were quarantined \(first: line 2: snapshot_at: expected an ISO 8601 time/);
    expect(await count("silver.quarantine WHERE asset_key = 'import/kraken' AND partition_key = 'all-bad.csv'", [])).toBe(2);
  });

  it('refuses a file whose bytes changed after the run was requested, naming the file, and imports nothing', async () => {
    const tags = await drop('kraken/changed.csv', `${HEADER}\nsolana,2026-11-23T06:00:00Z,sol,Solana,180.5\n`);
    await writeFile(join(inbox(), 'kraken/changed.csv'), `${HEADER}\nsolana,2026-11-23T06:00:00Z,sol,Solana,999\n`);
    const result = await run(tags);
    expect(result.status).toBe('FAILURE');
    expect(result.error).toContain(`inbox file kraken/changed.csv changed after this run was requested: its bytes now hash to`);
    expect(result.error).toContain(`the run is for ${tags['inbox/sha256']}; nothing was imported`);
    expect(await count("silver.market_quotes WHERE source_file = 'changed.csv'", [])).toBe(0);
  });

  it('refuses incomplete tags and a path outside the inbox, naming the tag', async () => {
    const partial = await run({ 'inbox/path': 'kraken/good.csv' });
    expect(partial.status).toBe('FAILURE');
    expect(partial.error).toContain("the run's inbox tags are incomplete or malformed (inbox/source: missing; inbox/sha256: missing)");

    const outside = join(dataDir, 'outside.csv');
    await copyFile(join(FIXTURES, 'good.csv'), outside);
    const sha256 = createHash('sha256').update(await readFile(outside)).digest('hex');
    const escaped = await run(inboxTags({ source: 'kraken', path: '../outside.csv', sha256 }));
    expect(escaped.status).toBe('FAILURE');
    expect(escaped.error).toContain('run tag inbox/path "../outside.csv" is not a file inside the inbox');
  });

  it('a run without inbox tags (the whole graph, the first start) succeeds and imports nothing, saying where its runs come from', async () => {
    const before = await count('silver.imports', []);
    const result = await run({ reason: 'first start' });
    expect(result).toMatchObject({ status: 'SUCCESS', metadata: { file: null, note: NOTHING_TO_IMPORT } });
    expect(NOTHING_TO_IMPORT).toMatch(/^nothing to import: .*csv_inbox sensor/);
    expect(await count('silver.imports', [])).toBe(before);
  });
});

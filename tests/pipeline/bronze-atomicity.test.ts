/**
 * A markets fetch that fails part-way (page 1 fetched and staged, page 2 refused with a fatal 400)
 * commits nothing: no partial files for the partition, and an earlier good version of the
 * partition stays exactly as it was.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { bronzeDir, startPipeline, type Pipeline } from './pipeline-harness.js';

const GOOD_PARTITION = '2025-02-09T12:00Z';
const NEW_PARTITION = '2025-02-09T18:00Z';
const SELECTION = 'bronze/coingecko_markets';

/** Every file and directory under `root` (hidden staging directories included), with contents. */
async function snapshotTree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        out[`${relative(root, path)}/`] = '';
        await walk(path);
      } else {
        out[relative(root, path)] = (await readFile(path)).toString('base64');
      }
    }
  };
  await walk(root);
  return out;
}

describeEachBackend('bronze/coingecko_markets commits a partition whole or not at all', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let dayDir: string;

  beforeAll(async () => {
    database = await createTestDatabase('pipeline-bronze', { backend });
    pipeline = await startPipeline(database, { env: { STRATA_COINS: '500' }, fake: { coins: 500 } });
    dayDir = join(pipeline.dataDir, 'raw', '2025-02-09');
  });

  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
  });

  /** Page 1 served normally, page 2 refused with a 400, which the client does not retry. */
  function failOnPageTwo(): void {
    pipeline.fake.script({ path: '/coins/markets' }, { path: '/coins/markets', status: 400, body: '{"error":"invalid page"}' });
  }

  async function expectPageTwoRefused(): Promise<void> {
    const markets = pipeline.fake.requests.filter((request) => request.path === '/coins/markets').slice(-2);
    expect(markets.map((request) => [request.query['page'], request.status])).toEqual([
      ['1', 200],
      ['2', 400],
    ]);
    expect(pipeline.fake.pendingScript).toBe(0);
  }

  it('writes both pages, the Parquet file and the manifest for a good fetch of 500 coins', async () => {
    const { result } = await pipeline.materialize(GOOD_PARTITION, SELECTION);
    expect(result.status).toBe('SUCCESS');
    const dir = bronzeDir(pipeline.dataDir, 'coingecko_markets', GOOD_PARTITION);
    expect((await readdir(dir)).sort()).toEqual(['_manifest.json', 'markets.parquet', 'page-001.json', 'page-002.json']);
    const manifest = JSON.parse(await readFile(join(dir, '_manifest.json'), 'utf8'));
    expect(manifest.rows).toBe(500);
  });

  it('leaves the earlier good version intact, byte for byte, when a re-fetch fails on page 2', async () => {
    const before = await snapshotTree(dayDir);
    expect(Object.keys(before)).toContain(`${GOOD_PARTITION}/coingecko_markets/page-002.json`);

    failOnPageTwo();
    const { result } = await pipeline.materialize(GOOD_PARTITION, SELECTION);
    await expectPageTwoRefused();
    expect(result.status).toBe('FAILURE');
    const [step] = result.steps;
    expect(step).toMatchObject({ assetKey: SELECTION, partition: GOOD_PARTITION, status: 'FAILURE', attempts: 1 });
    expect(step?.error).toContain(`${SELECTION} [${GOOD_PARTITION}]`);
    expect(step?.error).toContain('400');

    expect(await snapshotTree(dayDir)).toEqual(before);
  });

  it('leaves no files at all for a partition whose first fetch fails on page 2', async () => {
    const before = await snapshotTree(dayDir);
    failOnPageTwo();
    const { result } = await pipeline.materialize(NEW_PARTITION, SELECTION);
    await expectPageTwoRefused();
    expect(result.status).toBe('FAILURE');

    const after = await snapshotTree(dayDir);
    expect(Object.keys(after).filter((path) => path.startsWith(NEW_PARTITION)).filter((path) => path !== `${NEW_PARTITION}/`)).toEqual([]);
    // Nothing else changed either (no staging leftovers beside the good partition).
    const withoutNew = Object.fromEntries(Object.entries(after).filter(([path]) => !path.startsWith(NEW_PARTITION)));
    expect(withoutNew).toEqual(before);
  });

  it('commits the new partition once the fetch succeeds (so the empty result above is not vacuous)', async () => {
    const { result } = await pipeline.materialize(NEW_PARTITION, SELECTION);
    expect(result.status).toBe('SUCCESS');
    const files = Object.keys(await snapshotTree(dayDir)).filter((path) => path.startsWith(`${NEW_PARTITION}/coingecko_markets/`) && !path.endsWith('/'));
    expect(files.sort()).toEqual(
      ['_manifest.json', 'markets.parquet', 'page-001.json', 'page-002.json'].map((name) => `${NEW_PARTITION}/coingecko_markets/${name}`),
    );
  });
});

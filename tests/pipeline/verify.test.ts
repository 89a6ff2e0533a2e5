/**
 * `strata verify`: bronze files (markets and /global) re-hashed against their manifests, files
 * the manifest does not list, silver + quarantine = bronze per partition of both silver assets;
 * text and `--json` output, exit codes 0, 1 and 2.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { verifyCommand, type VerifyJson } from '../../src/cli/verify-command.js';
import { runStrata } from '../helpers/strata-process.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { bronzeDir, PARTITION, querySql, SNAPSHOT_AT, startPipeline, type Pipeline } from './pipeline-harness.js';

const MARKETS_PREFIX = `raw/2025-02-09/${PARTITION}/coingecko_markets`;
const GLOBAL_PREFIX = `raw/2025-02-09/${PARTITION}/coingecko_global`;

describeEachBackend('strata verify', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;

  beforeAll(async () => {
    database = await createTestDatabase('pipeline-verify', { backend });
    pipeline = await startPipeline(database);
    expect((await pipeline.materialize(PARTITION)).result.status).toBe('SUCCESS');
  });

  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
  });

  /** Runs the command, returning its exit code and what it printed. */
  async function verify(options: { json?: boolean } = {}): Promise<{ code: number; output: string }> {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const code = await verifyCommand(pipeline.runtime, options);
      return { code, output: lines.join('') };
    } finally {
      spy.mockRestore();
    }
  }

  async function verifyJson(): Promise<{ code: number; report: VerifyJson }> {
    const { code, output } = await verify({ json: true });
    return { code, report: JSON.parse(output) as VerifyJson };
  }

  /** Replaces a bronze file for the duration of `body`, then puts the original back and proves verify is clean again. */
  async function withFile(path: string, content: string | null, body: () => Promise<void>): Promise<void> {
    const original = await readFile(path);
    if (content === null) await rm(path);
    else await writeFile(path, content);
    try {
      await body();
    } finally {
      await writeFile(path, original);
    }
    expect((await verify()).code).toBe(0);
  }

  const marketsFile = (name: string) => join(bronzeDir(pipeline.dataDir, 'coingecko_markets', PARTITION), name);
  const globalFile = (name: string) => join(bronzeDir(pipeline.dataDir, 'coingecko_global', PARTITION), name);

  it('exits 0 on clean data, counting markets and /global files and both silver assets', async () => {
    const { code, output } = await verify();
    expect(code).toBe(0);
    expect(output).toBe(
      'ok: 3 bronze files in 2 partitions (coingecko_global 1, coingecko_markets 2), 2 silver partitions (silver/global_snapshots 1, silver/market_snapshots 1)\n',
    );
  });

  it('--json prints the report as one JSON document', async () => {
    const { code, report } = await verifyJson();
    expect(code).toBe(0);
    expect(report).toEqual({
      ok: true,
      checked: {
        bronzeFiles: 3,
        partitions: 2,
        silverPartitions: 2,
        bronzeFilesByAsset: { coingecko_global: 1, coingecko_markets: 2 },
        silverPartitionsByAsset: { 'silver/global_snapshots': 1, 'silver/market_snapshots': 1 },
      },
      mismatches: [],
    });
  });

  it('exits 1 naming a markets page edited after the fact, in text and in JSON', async () => {
    const page = marketsFile('page-001.json');
    const original = await readFile(page, 'utf8');
    await withFile(page, original.replace('"bitcoin"', '"bitcoim"'), async () => {
      const { code, output } = await verify();
      expect(code).toBe(1);
      expect(output).toMatch(new RegExp(`^MISMATCH ${MARKETS_PREFIX}/page-001\\.json: .*does not match the manifest`, 'm'));
      expect(output).toMatch(/^1 mismatch\(es\) in 3 bronze files/m);
      const json = await verifyJson();
      expect(json.code).toBe(1);
      expect(json.report.ok).toBe(false);
      expect(json.report.mismatches).toEqual([{ path: `${MARKETS_PREFIX}/page-001.json`, problem: expect.stringContaining('does not match the manifest') }]);
    });
  });

  it('exits 1 naming a /global response edited after the fact', async () => {
    const global = globalFile('global.json');
    const original = await readFile(global, 'utf8');
    await withFile(global, original.replace(/"markets":\s*(\d)/, '"markets": 9$1'), async () => {
      const { code, report } = await verifyJson();
      expect(code).toBe(1);
      expect(report.mismatches).toEqual([{ path: `${GLOBAL_PREFIX}/global.json`, problem: expect.stringContaining('does not match the manifest') }]);
    });
  });

  it('exits 1 naming a file put into a partition that its manifest does not list', async () => {
    const stray = marketsFile('page-002.json');
    await writeFile(stray, '[]');
    try {
      const { code, report } = await verifyJson();
      expect(code).toBe(1);
      expect(report.mismatches).toEqual([{ path: `${MARKETS_PREFIX}/page-002.json`, problem: 'file is not listed in the manifest' }]);
    } finally {
      await rm(stray);
    }
    expect((await verify()).code).toBe(0);
  });

  it('exits 1 naming a partition whose manifest is gone, and the silver partition that cannot be checked', async () => {
    const manifest = globalFile('_manifest.json');
    await withFile(manifest, null, async () => {
      const { code, report } = await verifyJson();
      expect(code).toBe(1);
      expect(report.mismatches.map((m) => m.path)).toEqual([`${GLOBAL_PREFIX}/_manifest.json`, `silver/global_snapshots [${PARTITION}]`]);
      expect(report.mismatches[1]?.problem).toContain('its bronze manifest cannot be read');
    });
  });

  it('exits 1 naming the partition when the /global silver row is deleted; re-materializing it from bronze repairs it', async () => {
    await querySql(database, 'DELETE FROM silver.global_snapshots WHERE snapshot_at = $1', [SNAPSHOT_AT]);
    const { code, output } = await verify();
    expect(code).toBe(1);
    expect(output).toContain(`MISMATCH silver/global_snapshots [${PARTITION}]: silver 0 + quarantine 0 = 0 rows, but bronze ${GLOBAL_PREFIX} holds 1`);

    expect((await pipeline.materialize(PARTITION, 'silver/global_snapshots')).result.status).toBe('SUCCESS');
    expect((await verify()).code).toBe(0);
  });

  it('exits 1 naming the partition when a markets silver row is deleted', async () => {
    await querySql(database, `DELETE FROM silver.market_snapshots WHERE coin_id = 'ethereum' AND snapshot_at = $1`, [SNAPSHOT_AT]);
    const { code, output } = await verify();
    expect(code).toBe(1);
    expect(output).toContain(`MISMATCH silver/market_snapshots [${PARTITION}]: silver 249 + quarantine 0 = 249 rows, but bronze`);
  });

  // The test's PGlite lives in this process: another process cannot open it.
  it.skipIf(backend === 'pglite')('as a process: --json prints the report and exits 1 on the mismatch above', async () => {
    const result = await runStrata(['verify', '--json'], { STRATA_DATA_DIR: pipeline.dataDir, DATABASE_URL: database.url ?? '' });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as VerifyJson;
    expect(report).toMatchObject({ ok: false, checked: { bronzeFiles: 3, partitions: 2 } });
    expect(report.mismatches.map((m) => m.path)).toEqual([`silver/market_snapshots [${PARTITION}]`]);
  });

  it('as a process: an argument is bad usage, exit 2 naming it', async () => {
    const result = await runStrata(['verify', 'silver/*'], { STRATA_DATA_DIR: pipeline.dataDir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('verify takes no arguments, got: silver/*');
  });
});

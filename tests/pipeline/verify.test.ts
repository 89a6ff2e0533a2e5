/** `strata verify`: bronze files re-hashed against their manifests, silver + quarantine = bronze per partition. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { verifyCommand } from '../../src/cli/verify-command.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { bronzeDir, PARTITION, querySql, SNAPSHOT_AT, startPipeline, type Pipeline } from './pipeline-harness.js';

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
  async function verify(): Promise<{ code: number; output: string }> {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const code = await verifyCommand(pipeline.runtime);
      return { code, output: lines.join('') };
    } finally {
      spy.mockRestore();
    }
  }

  it('exits 0 on clean data', async () => {
    const { code, output } = await verify();
    expect(code).toBe(0);
    expect(output).toContain('ok: 3 bronze files in 2 partitions, 1 silver partitions');
  });

  it('exits 1 naming a bronze file edited after the fact', async () => {
    const page = join(bronzeDir(pipeline.dataDir, 'coingecko_markets', PARTITION), 'page-001.json');
    const original = await readFile(page);
    await writeFile(page, original.toString('utf8').replace('"bitcoin"', '"bitcoim"'));
    try {
      const { code, output } = await verify();
      expect(code).toBe(1);
      expect(output).toMatch(/^MISMATCH raw\/2025-02-09\/2025-02-09T12:00Z\/coingecko_markets\/page-001\.json: .*does not match the manifest/m);
    } finally {
      await writeFile(page, original);
    }
    expect((await verify()).code).toBe(0);
  });

  it('exits 1 naming the partition when a silver row is deleted', async () => {
    await querySql(database, `DELETE FROM silver.market_snapshots WHERE coin_id = 'ethereum' AND snapshot_at = $1`, [SNAPSHOT_AT]);
    const { code, output } = await verify();
    expect(code).toBe(1);
    expect(output).toContain(`MISMATCH silver/market_snapshots [${PARTITION}]: silver 249 + quarantine 0 = 249 rows, but bronze`);
  });
});

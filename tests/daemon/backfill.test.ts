/**
 * Backfills over the real pipeline and the fake CoinGecko: bronze stored for 6 of 8 six-hourly
 * partitions; the backfill rebuilds silver and gold from those files without one request to
 * the source, skips the 2 it cannot fetch (CoinGecko serves only the current state), and
 * reports progress, cancel and re-execute-failed. Runs are executed here with executeStoredRun,
 * as a worker would.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { setRunStatus } from '../../src/storage/index.js';
import { executeStoredRun } from '../../src/daemon/execute-run.js';
import { BackfillStateError } from '../../src/daemon/backfill-errors.js';
import { cancelBackfill, createBackfill, getBackfillDetail, reexecuteFailedBackfill } from '../../src/daemon/backfill.js';
import { InvalidPartitionKeyError, InvalidSelectionError, ValidationError } from '../../src/core/errors.js';
import type { Run } from '../../src/storage/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { countSilver, dumpGold, interceptSessions, snapshotAt, startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';

const FROM = '2025-02-08T00:00Z';
const TO = '2025-02-09T18:00Z';
const WITHOUT_BRONZE = ['2025-02-08T06:00Z', '2025-02-09T00:00Z'];
const WITH_BRONZE = ['2025-02-08T00:00Z', '2025-02-08T12:00Z', '2025-02-08T18:00Z', '2025-02-09T06:00Z', '2025-02-09T12:00Z', '2025-02-09T18:00Z'];
const SILVER_AND_GOLD =
  'silver/global_snapshots,silver/imported_quotes,silver/market_snapshots,gold/crypto_analytics_mart,gold/market_segment_analysis,gold/source_reconciliation';

describeEachBackend('backfills', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let failSegments = false;

  beforeAll(async () => {
    database = await createTestDatabase('backfill', { backend });
    pipeline = await startPipeline(database, {
      resources: (resources) =>
        interceptSessions(resources, (statement) => {
          if (failSegments && statement.includes('INSERT INTO gold.market_segment_analysis')) throw new Error('injected segment failure');
        }),
    });
    for (const partition of WITH_BRONZE) {
      const { result } = await pipeline.materialize(partition, 'bronze/*');
      expect(result.status).toBe('SUCCESS');
    }
    // Backfills are requested once their last partition has started (one reaching into the future is refused).
    pipeline.clock.at(TO);
  });

  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
  });

  async function execute(runs: readonly Run[]): Promise<string[]> {
    const statuses: string[] = [];
    for (const run of runs) statuses.push((await executeStoredRun(pipeline.runtime, run)).status);
    return statuses;
  }

  it('queues one run per partition with stored bronze, selecting only silver and gold, and skips the 2 without', async () => {
    const { backfill, runs } = await createBackfill(pipeline.runtime, { selection: '*', from: FROM, to: TO });
    expect(runs.map((run) => run.partitionKey)).toEqual(WITH_BRONZE);
    for (const run of runs) {
      expect(run).toMatchObject({ status: 'QUEUED', trigger: 'backfill', selection: SILVER_AND_GOLD, tags: { backfill: backfill.id } });
      expect(run.runKey).toBe(`backfill:${backfill.id}:${run.partitionKey}`);
    }
    expect(backfill).toMatchObject({ status: 'REQUESTED', partitionsKind: 'six_hourly', partitionFrom: FROM, partitionTo: TO, partitionsTotal: 8 });
    expect(backfill.skipped.map((skip) => skip.partition)).toEqual(WITHOUT_BRONZE);
    for (const skip of backfill.skipped) {
      expect(skip.reason).toMatch(/^bronze\/coingecko_(global|markets) \[.+\] was never materialized and its source serves only the current partition \(servesPartitions: 'current'\)$/);
    }
    expect(backfill.progress.partitions).toEqual({ total: 8, skipped: 2, pending: 6, succeeded: 0, failed: 0, canceled: 0 });
    expect(backfill.progress.runs.QUEUED).toBe(6);

    const requestsBefore = pipeline.fake.requests.length;
    const started = performance.now();
    expect(await execute(runs)).toEqual(Array(6).fill('SUCCESS'));
    const seconds = (performance.now() - started) / 1000;
    expect(pipeline.fake.requests.length - requestsBefore).toBe(0);
    for (const partition of WITH_BRONZE) {
      expect(await countSilver(database, snapshotAt(partition))).toBe(250);
      const { mart, segments } = await dumpGold(database, snapshotAt(partition));
      expect(mart).toHaveLength(50);
      expect(segments.length).toBeGreaterThan(0);
    }
    for (const partition of WITHOUT_BRONZE) expect(await countSilver(database, snapshotAt(partition))).toBe(0);

    const done = await getBackfillDetail(pipeline.runtime, backfill.id);
    expect(done.status).toBe('COMPLETED');
    expect(done.progress.partitions).toEqual({ total: 8, skipped: 2, pending: 0, succeeded: 6, failed: 0, canceled: 0 });
    expect(done.progress.runs).toMatchObject({ SUCCESS: 6, QUEUED: 0, FAILURE: 0 });
    console.info(`[backfill ${backend}] 6 runs (silver + gold from stored bronze) executed in ${seconds.toFixed(1)} s`);
  });

  it('groups partitions into chunks of queue priority, later chunks lower', async () => {
    const { runs } = await createBackfill(pipeline.runtime, { selection: 'gold/market_segment_analysis', from: FROM, to: TO, chunk: 3 });
    // Positions 0..7 in the range; chunk = floor(position / 3); the 2 partitions without silver are skipped.
    expect(runs.map((run) => [run.partitionKey, run.priority, run.tags['backfill_chunk']])).toEqual([
      ['2025-02-08T00:00Z', -1, '0'],
      ['2025-02-08T12:00Z', -1, '0'],
      ['2025-02-08T18:00Z', -2, '1'],
      ['2025-02-09T06:00Z', -2, '1'],
      ['2025-02-09T12:00Z', -3, '2'],
      ['2025-02-09T18:00Z', -3, '2'],
    ]);
  });

  it('re-executes only the partitions whose latest run failed, and completes after the fix', async () => {
    const partitions = WITH_BRONZE.slice(0, 2);
    const { backfill, runs } = await createBackfill(pipeline.runtime, { selection: 'silver/market_snapshots,gold/market_segment_analysis', from: partitions[0] ?? '', to: '2025-02-08T12:00Z' });
    expect(runs.map((run) => run.partitionKey)).toEqual(partitions);
    failSegments = true;
    const [first] = await execute(runs.slice(0, 1));
    failSegments = false;
    const [second] = await execute(runs.slice(1));
    expect([first, second]).toEqual(['FAILURE', 'SUCCESS']);
    const failed = await getBackfillDetail(pipeline.runtime, backfill.id);
    expect(failed.status).toBe('FAILED');
    expect(failed.progress.partitions).toMatchObject({ succeeded: 1, failed: 1, pending: 0 });

    const requestsBefore = pipeline.fake.requests.length;
    const again = await reexecuteFailedBackfill(pipeline.runtime, backfill.id);
    expect(again.runs).toHaveLength(1);
    const [retry] = again.runs as [Run];
    expect(retry).toMatchObject({
      partitionKey: partitions[0],
      trigger: 'retry',
      parentRunId: runs[0]?.id,
      attempt: 2,
      runKey: `backfill:${backfill.id}:${partitions[0]}:retry1`,
      selection: 'silver/market_snapshots,gold/market_segment_analysis',
    });
    // Some of its runs have ended and one is queued again.
    expect(again.backfill.status).toBe('RUNNING');
    expect(await execute([retry])).toEqual(['SUCCESS']);
    expect(pipeline.fake.requests.length).toBe(requestsBefore);
    const done = await getBackfillDetail(pipeline.runtime, backfill.id);
    expect(done.status).toBe('COMPLETED');
    expect(done.progress.runs).toMatchObject({ SUCCESS: 2, FAILURE: 1 });
    expect(done.progress.partitions).toMatchObject({ succeeded: 2, failed: 0 });
    // Nothing failed any more: re-execute queues nothing.
    expect((await reexecuteFailedBackfill(pipeline.runtime, backfill.id)).runs).toEqual([]);
    await expect(cancelBackfill(pipeline.runtime, backfill.id)).rejects.toThrow(/is COMPLETED: it has no runs left to cancel/);
  });

  it('cancels queued runs at once and asks executing ones to cancel', async () => {
    const { backfill, runs } = await createBackfill(pipeline.runtime, { selection: 'gold/market_segment_analysis', from: FROM, to: TO });
    expect(runs).toHaveLength(6);
    const claimed = runs[0] as Run;
    await setRunStatus(database.db, claimed.id, 'STARTING', { workerId: 'test-worker' });
    const canceled = await cancelBackfill(pipeline.runtime, backfill.id);
    expect(canceled.canceledRuns).toHaveLength(5);
    expect(canceled.cancelRequestedRuns).toEqual([claimed.id]);
    expect(canceled.backfill.status).toBe('CANCELED');
    expect(canceled.backfill.progress.runs).toMatchObject({ CANCELED: 5, STARTING: 1, QUEUED: 0 });
    const { rows } = await database.withSession((session) =>
      session.query<{ cancel_requested_at: Date | null }>('SELECT cancel_requested_at FROM strata.runs WHERE id = $1', [claimed.id]),
    );
    expect(rows[0]?.cancel_requested_at).toBeInstanceOf(Date);
    // Again: nothing more to do, still CANCELED.
    expect((await cancelBackfill(pipeline.runtime, backfill.id)).canceledRuns).toEqual([]);
    await expect(reexecuteFailedBackfill(pipeline.runtime, backfill.id)).rejects.toBeInstanceOf(BackfillStateError);
  });

  it('rejects bad input with an error that names what was wrong', async () => {
    const create = (selection: string, from: string, to: string, chunk?: number) =>
      createBackfill(pipeline.runtime, { selection, from, to, ...(chunk === undefined ? {} : { chunk }) });
    await expect(create('gold/nope', FROM, TO)).rejects.toThrow(InvalidSelectionError);
    await expect(create('gold/nope', FROM, TO)).rejects.toThrow(/selection term 'gold\/nope' matches no asset/);
    await expect(create('*', TO, FROM)).rejects.toThrow(InvalidPartitionKeyError);
    await expect(create('*', TO, FROM)).rejects.toThrow(/from\/to: partition range '2025-02-09T18:00Z'..'2025-02-08T00:00Z' is reversed/);
    await expect(create('*', '2025-02-08T03:00Z', TO)).rejects.toThrow(/^from '2025-02-08T03:00Z' is not a partition key of selection '\*'/);
    await expect(create('silver/market_snapshots', FROM, '2025-02-09')).rejects.toThrow(/^to '2025-02-09' must be a six_hourly key like from/);
    await expect(create('*', FROM, TO, 0)).rejects.toThrow(ValidationError);
    await expect(create('*', FROM, TO, 0)).rejects.toThrow(/chunk must be a positive integer, got 0/);
    await expect(getBackfillDetail(pipeline.runtime, 'not-a-uuid')).rejects.toThrow(/backfill not-a-uuid not found/);
  });
});

/**
 * Reading materializations: the latest per asset partition from `materializations`, the
 * history from the event log (events of type 'asset:materialized').
 */
import type { Kysely } from 'kysely';
import type { AssetKey, Metadata } from '../core/types.js';
import { toStoredEvent } from './event-log.js';
import type { Database } from './schema.js';

export interface Materialization {
  readonly assetKey: AssetKey;
  /** null for an unpartitioned asset. */
  readonly partitionKey: string | null;
  /** null when retention has purged the run that produced it; the materialization itself stays. */
  readonly runId: string | null;
  readonly at: Date;
  readonly value: unknown;
  readonly metadata: Metadata;
}

/** The latest materialization of one asset partition (`null` partition: unpartitioned). */
export async function latestMaterialization(
  db: Kysely<Database>,
  assetKey: AssetKey,
  partitionKey: string | null,
): Promise<Materialization | undefined> {
  const row = await db
    .selectFrom('strata.materializations')
    .selectAll()
    .where('asset_key', '=', assetKey)
    .where('partition_key', '=', partitionKey ?? '')
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    assetKey: row.asset_key,
    partitionKey: row.partition_key === '' ? null : row.partition_key,
    runId: row.run_id,
    at: row.materialized_at,
    value: row.value,
    metadata: row.metadata as Metadata,
  };
}

/** Materializations of an asset (all partitions), newest first. */
export async function listMaterializations(db: Kysely<Database>, assetKey: AssetKey, limit = 50): Promise<Materialization[]> {
  const rows = await db
    .selectFrom('strata.events')
    .selectAll()
    .where('type', '=', 'asset:materialized')
    .where('asset_key', '=', assetKey)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.flatMap((row) => {
    const { event } = toStoredEvent(row);
    if (event.type !== 'asset:materialized') return [];
    return [{ assetKey: event.assetKey, partitionKey: event.partition, runId: event.runId, at: event.at, value: event.value, metadata: event.metadata }];
  });
}

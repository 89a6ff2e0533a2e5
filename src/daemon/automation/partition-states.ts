/**
 * The stored partition rows one evaluation works on, loaded in bulk as needed, changed in
 * memory (changes folded, results set) and written back only where something changed.
 */
import type { Kysely } from 'kysely';
import { readPartitions, type AutomationChange, type StoredPartition } from '../../storage/automation-state.js';
import type { Database } from '../../storage/schema.js';
import { refKey, type PartitionRef } from './partition-key.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class PartitionStates {
  private readonly rows = new Map<string, Mutable<StoredPartition>>();
  private readonly changed = new Set<string>();

  constructor(private readonly db: Kysely<Database>) {}

  /** Loads the rows of `refs` not loaded yet, in one query; a partition never seen gets an empty row. */
  async ensure(refs: Iterable<PartitionRef>): Promise<void> {
    const missing = new Map<string, PartitionRef>();
    for (const ref of refs) {
      const key = refKey(ref[0], ref[1]);
      if (!this.rows.has(key)) missing.set(key, ref);
    }
    if (missing.size === 0) return;
    for (const row of await readPartitions(this.db, [...missing.values()])) this.rows.set(refKey(row.assetKey, row.partitionKey), { ...row });
    for (const [key, [assetKey, partitionKey]] of missing) if (!this.rows.has(key)) this.rows.set(key, emptyRow(assetKey, partitionKey));
  }

  get(assetKey: string, partitionKey: string): StoredPartition {
    return this.row(assetKey, partitionKey);
  }

  /** Changes the row and marks it to be written. */
  update(assetKey: string, partitionKey: string, change: Partial<StoredPartition>): void {
    Object.assign(this.row(assetKey, partitionKey), change);
    this.changed.add(refKey(assetKey, partitionKey));
  }

  /** Folds a materialization or a failure; run changes touch no stored state (in progress is read live). */
  fold(change: AutomationChange): void {
    if (change.assetKey === null) return;
    const row = this.row(change.assetKey, change.partitionKey);
    if (change.kind === 'materialized' && (row.materializedAt === null || change.at.getTime() >= row.materializedAt.getTime())) {
      this.update(change.assetKey, change.partitionKey, { materializedAt: change.at, materializedRun: change.runId });
    } else if (change.kind === 'failed' && (row.failedAt === null || change.at.getTime() >= row.failedAt.getTime())) {
      this.update(change.assetKey, change.partitionKey, { failedAt: change.at, failedRun: change.runId });
    }
  }

  changedRows(): StoredPartition[] {
    return [...this.changed].map((key) => this.rows.get(key) as StoredPartition);
  }

  private row(assetKey: string, partitionKey: string): Mutable<StoredPartition> {
    const row = this.rows.get(refKey(assetKey, partitionKey));
    if (row === undefined) throw new Error(`automation: partition ${assetKey} '${partitionKey}' was not loaded`);
    return row;
  }
}

function emptyRow(assetKey: string, partitionKey: string): Mutable<StoredPartition> {
  return {
    assetKey,
    partitionKey,
    materializedAt: null,
    materializedRun: null,
    failedAt: null,
    failedRun: null,
    requestedAt: null,
    requestedRun: null,
    condition: null,
    value: null,
    reason: null,
    trueSince: null,
    changedAt: null,
    evaluationId: null,
  };
}

/**
 * The stored partition rows one evaluation works on, loaded in bulk as needed, changed in
 * memory (changes folded, results set) and written back only where something changed. Rows
 * are kept by asset, then partition (no composite string keys: an evaluation of 50,000
 * partitions looks rows up hundreds of thousands of times), and carry whether a queued or
 * running run has them, so the condition reads them as they are. They may start from the rows
 * the daemon kept from its previous evaluation (partition-memory.ts).
 */
import type { Kysely } from 'kysely';
import type { PartitionState } from '../../core/automation/partition-facts.js';
import { readPartitions, type AutomationChange, type ResultChange, type StoredPartition } from '../../storage/automation-state.js';
import type { Database } from '../../storage/schema.js';
import type { PartitionRef } from './partition-key.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type PartitionRow = StoredPartition & PartitionState;
/** Asset → partition → row. */
export type PartitionRows = Map<string, Map<string, Mutable<PartitionRow>>>;

export class PartitionStates {
  private readonly changed: Mutable<PartitionRow>[] = [];
  private readonly changedSet = new Set<PartitionRow>();
  #size = 0;

  /**
   * `inProgress`: asset → partition → the queued or running run that has it. `rows`: rows
   * known to be the stored ones (kept from the previous evaluation); their in-progress run is
   * set again from `inProgress`.
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly inProgress: ReadonlyMap<string, ReadonlyMap<string, string>>,
    readonly rows: PartitionRows = new Map(),
  ) {
    for (const byPartition of rows.values()) {
      this.#size += byPartition.size;
      for (const row of byPartition.values()) if (row.inProgressRun !== null) row.inProgressRun = null;
    }
    for (const [assetKey, runs] of inProgress) {
      const byPartition = rows.get(assetKey);
      if (byPartition === undefined) continue;
      for (const [partitionKey, runId] of runs) {
        const row = byPartition.get(partitionKey);
        if (row !== undefined) row.inProgressRun = runId;
      }
    }
  }

  /** How many rows are loaded. */
  get size(): number {
    return this.#size;
  }

  has(assetKey: string, partitionKey: string): boolean {
    return this.rows.get(assetKey)?.has(partitionKey) === true;
  }

  /** Loads the rows of `refs` not loaded yet, in one query; a partition never seen gets an empty row. */
  async ensure(refs: Iterable<PartitionRef>): Promise<void> {
    const missing: PartitionRef[] = [];
    const asked = new Map<string, Set<string>>();
    for (const ref of refs) {
      if (this.has(ref[0], ref[1])) continue;
      let keys = asked.get(ref[0]);
      if (keys === undefined) asked.set(ref[0], (keys = new Set()));
      if (keys.has(ref[1])) continue;
      keys.add(ref[1]);
      missing.push(ref);
    }
    if (missing.length === 0) return;
    for (const row of await readPartitions(this.db, missing)) this.put(row);
    for (const [assetKey, partitionKey] of missing) if (!this.has(assetKey, partitionKey)) this.put(emptyRow(assetKey, partitionKey));
  }

  get(assetKey: string, partitionKey: string): PartitionRow {
    return this.row(assetKey, partitionKey);
  }

  /** Changes the row and marks it to be written whole (upsertPartitions). */
  update(assetKey: string, partitionKey: string, change: Partial<StoredPartition>): void {
    const row = this.row(assetKey, partitionKey);
    Object.assign(row, change);
    if (!this.changedSet.has(row)) {
      this.changedSet.add(row);
      this.changed.push(row);
    }
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

  /** Sets the row's current result, which writeResultChanges stores: the row is not marked. */
  setResult(row: Mutable<PartitionRow>, change: ResultChange, evaluationId: number, now: Date): void {
    row.condition = change.condition;
    row.value = change.value;
    row.reason = change.reason;
    row.trueSince = change.trueSince;
    row.changedAt = now;
    row.evaluationId = evaluationId;
    if (change.runId !== null) {
      row.requestedAt = now;
      row.requestedRun = change.runId;
    }
  }

  /** Rows whose folded state changed. */
  changedRows(): StoredPartition[] {
    return this.changed;
  }

  private put(stored: StoredPartition): void {
    let byPartition = this.rows.get(stored.assetKey);
    if (byPartition === undefined) this.rows.set(stored.assetKey, (byPartition = new Map()));
    const inProgressRun = this.inProgress.get(stored.assetKey)?.get(stored.partitionKey) ?? null;
    if (!byPartition.has(stored.partitionKey)) this.#size++;
    byPartition.set(stored.partitionKey, { ...stored, inProgressRun });
  }

  private row(assetKey: string, partitionKey: string): Mutable<PartitionRow> {
    const row = this.rows.get(assetKey)?.get(partitionKey);
    if (row === undefined) throw new Error(`automation: partition ${assetKey} '${partitionKey}' was not loaded`);
    return row;
  }
}

function emptyRow(assetKey: string, partitionKey: string): StoredPartition {
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

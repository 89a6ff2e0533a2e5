/**
 * The partition rows a daemon keeps from one evaluation to the next, so that an evaluation
 * reads from the database only rows it has not seen: in the steady state, the change feed and
 * the active runs instead of tens of thousands of rows.
 *
 * Kept rows are valid only while the stored cursor is the one this daemon's own last commit
 * wrote. Every write to `automation_partitions` moves the cursor in the same transaction (the
 * evaluator is its only writer), so an unchanged cursor means the stored rows are still these.
 * Another daemon's evaluation in between, or anything else that moved the cursor, drops them,
 * and so does any evaluation that did not commit: take() hands the rows over and forgets them.
 */
import type { AutomationCursor } from '../../storage/automation-state.js';
import type { PartitionRows } from './partition-states.js';

/** About 0.5 KB each: beyond this many, a daemon reads again instead of holding them. */
export const MAX_REMEMBERED_PARTITIONS = 200_000;

export class PartitionMemory {
  #rows: PartitionRows = new Map();
  #evaluationId: number | undefined;
  #evaluatedAt: number | null = null;

  constructor(private readonly maxRows = MAX_REMEMBERED_PARTITIONS) {}

  /** The kept rows if `cursor` is the one they were kept at, else none. Either way they are no longer kept. */
  take(cursor: AutomationCursor): PartitionRows {
    const valid = this.#evaluationId === cursor.evaluationId && this.#evaluatedAt === (cursor.evaluatedAt?.getTime() ?? null);
    const rows = valid ? this.#rows : new Map();
    this.#rows = new Map();
    this.#evaluationId = undefined;
    return rows;
  }

  /** After a commit that moved the cursor to `cursor`: `rows` are what is stored now. */
  keep(cursor: AutomationCursor, rows: PartitionRows, count: number): void {
    if (count > this.maxRows) return;
    this.#rows = rows;
    this.#evaluationId = cursor.evaluationId;
    this.#evaluatedAt = cursor.evaluatedAt?.getTime() ?? null;
  }
}

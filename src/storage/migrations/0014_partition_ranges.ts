/**
 * Frozen: never edit a migration that has shipped; add the next numbered file instead.
 *
 * Range runs: one run whose steps each cover a range of partitions (`backfillPolicy:
 * 'single_run'` assets). The range is two keys on the run rather than a new table or a list:
 * a daily or six-hourly range is contiguous, so its ends define it. `partition_key` stays the
 * range's LAST key (what its steps' `ctx.partition` is), so every existing reader (runs list
 * filters, partition refusal, the monitor's retries) keeps working and sees the run under the
 * newest partition it lands; `partition_range_end` repeats it so a range reads whole.
 */
import { type Kysely, sql } from 'kysely';

const STATEMENTS = [
  `ALTER TABLE strata.runs
    ADD COLUMN partition_range_start text,
    ADD COLUMN partition_range_end text,
    ADD CONSTRAINT runs_partition_range_check CHECK (
      (partition_range_start IS NULL AND partition_range_end IS NULL)
      OR (partition_range_start IS NOT NULL AND partition_range_end = partition_key
          AND partition_range_start COLLATE "C" <= partition_range_end COLLATE "C")
    )`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) {
    await sql.raw(statement).execute(db);
  }
}

/**
 * The automation evaluator's lease, on the `strata.automation_cursor` row (migration 0012),
 * pg-boss style: one `UPDATE … WHERE free or mine RETURNING` decides which daemon evaluates.
 * The leader renews it with every evaluation; the others skip theirs without reading, so the
 * leader's partition rows stay warm (partition-memory.ts) and no change is evaluated twice.
 *
 * The lease is free when nobody holds it, it expired, or its holder is gone: its row in
 * `strata.processes` is stopped or has not beaten for the heartbeat timeout (the sensors' claim
 * rule, sensor-state.ts), so a SIGKILLed leader is replaced within the heartbeat timeout. A
 * holder with no process row (a test, a tool) keeps it for the lease. Nothing trusts the lease
 * for correctness: the evaluation still commits only by compare-and-set on the cursor.
 */
import type { Kysely } from 'kysely';
import { automationDb } from './automation-tables.js';
import { processGone } from './processes.js';
import type { Database } from './schema.js';

export interface ClaimAutomationLeaseInput {
  readonly leaderId: string;
  readonly now: Date;
  readonly leaseMs: number;
  /** STRATA_HEARTBEAT_TIMEOUT: a leader whose process row has not beaten for this long is gone. */
  readonly heartbeatTimeoutMs: number;
}

export type AutomationLease =
  | { readonly leader: true }
  /** `freeAt`: when the lease becomes free unless its holder renews it or beats again. */
  | { readonly leader: false; readonly leaderId: string; readonly freeAt: Date };

/** Takes or renews the lease; when another daemon holds it, says who and until when. */
export async function claimAutomationLease(db: Kysely<Database>, input: ClaimAutomationLeaseInput): Promise<AutomationLease> {
  const adb = automationDb(db);
  const silentSince = new Date(input.now.getTime() - input.heartbeatTimeoutMs);
  const claimed = await adb
    .updateTable('strata.automation_cursor')
    .set({ leader_id: input.leaderId, lease_expires_at: new Date(input.now.getTime() + input.leaseMs) })
    .where('id', '=', 1)
    .where((eb) =>
      eb.or([
        eb('leader_id', 'is', null),
        eb('leader_id', '=', input.leaderId),
        eb('lease_expires_at', 'is', null),
        eb('lease_expires_at', '<=', input.now),
        processGone('strata.automation_cursor.leader_id', silentSince),
      ]),
    )
    .returning('leader_id')
    .executeTakeFirst();
  if (claimed !== undefined) return { leader: true };
  const holder = await adb
    .selectFrom('strata.automation_cursor as c')
    .leftJoin('strata.processes as p', 'p.id', 'c.leader_id')
    .select(['c.leader_id', 'c.lease_expires_at', 'p.heartbeat_at'])
    .where('c.id', '=', 1)
    .executeTakeFirstOrThrow();
  const expires = holder.lease_expires_at?.getTime() ?? input.now.getTime();
  const silent = holder.heartbeat_at === null ? expires : holder.heartbeat_at.getTime() + input.heartbeatTimeoutMs;
  return { leader: false, leaderId: holder.leader_id ?? '', freeAt: new Date(Math.min(expires, silent)) };
}

/** Gives the lease up (a stopping daemon), so another daemon takes over at once. */
export async function releaseAutomationLease(db: Kysely<Database>, leaderId: string): Promise<void> {
  await automationDb(db)
    .updateTable('strata.automation_cursor')
    .set({ leader_id: null, lease_expires_at: null })
    .where('id', '=', 1)
    .where('leader_id', '=', leaderId)
    .execute();
}

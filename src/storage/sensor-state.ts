/**
 * Sensor state: the operator's switch, the cursor, the last evaluation time and the claim.
 *
 * The claim is a lease, pg-boss style: one `UPDATE … WHERE due AND unclaimed RETURNING` bumps
 * `version` and sets `claim_expires_at`, so of several daemons exactly one gets the row. The
 * evaluation then commits with `WHERE version = <claimed>`: if its lease expired and another
 * daemon claimed meanwhile (a stalled process, a SIGKILL'd one that comes back), the commit
 * finds another version and rolls back. Nothing here trusts the lease for correctness; it only
 * decides who tries.
 *
 * A claim is also free once its daemon is gone: its row in `strata.processes` is stopped or its
 * heartbeat is older than the heartbeat timeout (the run monitor's rule for workers). Without
 * that, a SIGKILLed daemon would stall its sensors for the whole lease (90 s at the default
 * 60 s timeout), however short their interval. A claimer with no process row (a test, a tool)
 * holds its claim for the lease.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { SensorStatus } from '../core/sensor.js';
import type { Database } from './schema.js';
import { processGone } from './processes.js';
import { sensorDb, type SensorStateTable } from './sensor-tables.js';

export interface SensorState {
  readonly name: string;
  /** The operator's switch; null until someone switches the sensor (the definition's defaultStatus applies). */
  readonly status: SensorStatus | null;
  readonly statusChangedBy: string | null;
  readonly statusChangedAt: Date | null;
  readonly cursor: string | null;
  readonly lastEvaluatedAt: Date | null;
  readonly claimedBy: string | null;
  readonly claimExpiresAt: Date | null;
  readonly version: number;
  readonly createdAt: Date;
}

export function toSensorState(row: Selectable<SensorStateTable>): SensorState {
  return {
    name: row.name,
    status: row.status,
    statusChangedBy: row.status_changed_by,
    statusChangedAt: row.status_changed_at,
    cursor: row.cursor,
    lastEvaluatedAt: row.last_evaluated_at,
    claimedBy: row.claimed_by,
    claimExpiresAt: row.claim_expires_at,
    version: Number(row.version),
    createdAt: row.created_at,
  };
}

/** The status a sensor has: the operator's switch, else its definition's default. */
export function effectiveStatus(state: Pick<SensorState, 'status'> | undefined, defaultStatus: SensorStatus): SensorStatus {
  return state?.status ?? defaultStatus;
}

/**
 * Creates the state rows of sensors that have none (no-op for the others). `initialCursor`
 * is the cursor a new sensor starts from (run-status sensors: "runs ended from now on").
 */
export async function ensureSensorStates(
  db: Kysely<Database>,
  sensors: ReadonlyArray<{ readonly name: string; readonly initialCursor?: string | null }>,
  at: Date,
): Promise<void> {
  if (sensors.length === 0) return;
  await sensorDb(db)
    .insertInto('strata.sensor_state')
    .values(sensors.map((sensor) => ({ name: sensor.name, cursor: sensor.initialCursor ?? null, created_at: at })))
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
}

export async function getSensorState(db: Kysely<Database>, name: string): Promise<SensorState | undefined> {
  const row = await sensorDb(db).selectFrom('strata.sensor_state').selectAll().where('name', '=', name).executeTakeFirst();
  return row === undefined ? undefined : toSensorState(row);
}

export async function listSensorStates(db: Kysely<Database>): Promise<Map<string, SensorState>> {
  const rows = await sensorDb(db).selectFrom('strata.sensor_state').selectAll().orderBy('name').execute();
  return new Map(rows.map((row) => [row.name, toSensorState(row)]));
}

/** Switches a sensor on or off for every daemon, recording who and when. Cursor and history are kept. */
export async function setSensorStatus(db: Kysely<Database>, name: string, status: SensorStatus, by: string, at: Date): Promise<SensorState> {
  const row = await sensorDb(db)
    .insertInto('strata.sensor_state')
    .values({ name, status, status_changed_by: by, status_changed_at: at, created_at: at })
    .onConflict((oc) => oc.column('name').doUpdateSet({ status, status_changed_by: by, status_changed_at: at }))
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSensorState(row);
}

export interface ClaimSensorInput {
  readonly name: string;
  readonly daemonId: string;
  readonly now: Date;
  /** Its evaluations start at least this far apart (by any daemon). */
  readonly intervalMs: number;
  readonly defaultStatus: SensorStatus;
  /** How long the claim holds: a daemon that dies mid-evaluation delays the sensor by this much. */
  readonly leaseMs: number;
  /** Claim even if not due (a run ended: run-status sensors react at once); still never while claimed. */
  readonly ignoreInterval?: boolean;
  /** STRATA_HEARTBEAT_TIMEOUT: a claimer whose process row has not beaten for this long is gone. */
  readonly heartbeatTimeoutMs: number;
}

/**
 * Claims the sensor if it is on, due and not claimed (or its claim expired, or its claimer is
 * gone). Returns the claimed
 * state (its `version` is what the commit compares) or undefined when another daemon has it, it
 * is not due, or it is off.
 */
export async function claimSensor(db: Kysely<Database>, input: ClaimSensorInput): Promise<SensorState | undefined> {
  const dueBefore = new Date(input.now.getTime() - input.intervalMs);
  const silentSince = new Date(input.now.getTime() - input.heartbeatTimeoutMs);
  let query = sensorDb(db)
    .updateTable('strata.sensor_state')
    .set({ claimed_by: input.daemonId, claim_expires_at: new Date(input.now.getTime() + input.leaseMs), version: sql<number>`version + 1` })
    .where('name', '=', input.name)
    .where((eb) =>
      eb.or([
        eb('claim_expires_at', 'is', null),
        eb('claim_expires_at', '<=', input.now),
        processGone('strata.sensor_state.claimed_by', silentSince),
      ]),
    )
    .where((eb) =>
      input.defaultStatus === 'running' ? eb.or([eb('status', 'is', null), eb('status', '=', 'running')]) : eb('status', '=', 'running'),
    );
  if (input.ignoreInterval !== true) {
    query = query.where((eb) => eb.or([eb('last_evaluated_at', 'is', null), eb('last_evaluated_at', '<=', dueBefore)]));
  }
  const row = await query.returningAll().executeTakeFirst();
  return row === undefined ? undefined : toSensorState(row);
}

/** Extends a claim still held (long run-status batches); false when it was lost. */
export async function renewSensorClaim(db: Kysely<Database>, claimed: SensorState, until: Date): Promise<boolean> {
  const result = await sensorDb(db)
    .updateTable('strata.sensor_state')
    .set({ claim_expires_at: until })
    .where('name', '=', claimed.name)
    .where('version', '=', claimed.version)
    .where('claimed_by', '=', claimed.claimedBy)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export interface SettleSensorInput {
  readonly claimed: SensorState;
  readonly cursor: string | null;
  readonly evaluatedAt: Date;
}

/**
 * Inside the commit's transaction: stores the cursor and evaluation time and releases the claim,
 * if the sensor is still at the claimed version. False: another daemon claimed it meanwhile,
 * and the caller must roll back.
 */
export async function settleSensorClaim(trx: Kysely<Database>, input: SettleSensorInput): Promise<boolean> {
  const row = await sensorDb(trx)
    .updateTable('strata.sensor_state')
    .set({
      cursor: input.cursor,
      last_evaluated_at: input.evaluatedAt,
      claimed_by: null,
      claim_expires_at: null,
      version: sql<number>`version + 1`,
    })
    .where('name', '=', input.claimed.name)
    .where('version', '=', input.claimed.version)
    .returning('name')
    .executeTakeFirst();
  return row !== undefined;
}

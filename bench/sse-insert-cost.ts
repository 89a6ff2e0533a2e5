/**
 * What telling live run pages costs the event insert path. Concurrent writers record log events
 * (one transaction each, as `recordEvent` does) and publish them on their bus, three ways, in
 * alternating rounds on one database so all see the same machine load:
 * - `none`: nobody announces anything (the floor);
 * - `announcer`: the bus announces them (daemon/run-event-announcer.ts, what Strata does);
 * - `trigger`: a statement-level trigger NOTIFYs inside each event transaction (the design
 *   rejected: Postgres serialises the commits of notifying transactions).
 */
import { sql } from 'kysely';
import { RunEventBus } from '../src/core/events.js';
import type { RunEvent } from '../src/core/types.js';
import { announceRunEvents, RUN_EVENTS_CHANNEL } from '../src/daemon/run-event-announcer.js';
import type { Logger } from '../src/logger.js';
import { openDatabase, recordEvent, type StrataDatabase } from '../src/storage/index.js';
import { createRun } from '../src/storage/runs.js';

export const INSERT_VARIANTS = ['none', 'announcer', 'trigger'] as const;
export type InsertVariant = (typeof INSERT_VARIANTS)[number];

export interface InsertCostResult {
  readonly events: number;
  readonly writers: number;
  readonly rounds: number;
  /** Best round of each, events per second. */
  readonly eventsPerSecond: Readonly<Record<InsertVariant, number>>;
}

export async function insertCost(databaseUrl: string, dataDir: string, logger: Logger, options: { events: number; writers: number; rounds: number }): Promise<InsertCostResult> {
  const database = await openDatabase({ databaseUrl, dataDir });
  try {
    await sql`CREATE FUNCTION bench_notify_run_events() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify(${sql.lit(RUN_EVENTS_CHANNEL)}, run_id::text) FROM inserted GROUP BY run_id;
        RETURN NULL;
      END $$`.execute(database.db);
    await sql`CREATE TRIGGER bench_events_notify AFTER INSERT ON strata.events
      REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION bench_notify_run_events()`.execute(database.db);
    const runs = await Promise.all(Array.from({ length: options.writers }, () => createRun(database.db, { selection: 'silver/noop', trigger: 'manual' })));
    const best: Record<InsertVariant, number> = { none: 0, announcer: 0, trigger: 0 };
    for (let round = 0; round < options.rounds; round++) {
      for (const variant of INSERT_VARIANTS) {
        await sql.raw(`ALTER TABLE strata.events ${variant === 'trigger' ? 'ENABLE' : 'DISABLE'} TRIGGER bench_events_notify`).execute(database.db);
        const bus = new RunEventBus();
        const stop = variant === 'announcer' ? announceRunEvents(database, bus, logger) : () => {};
        try {
          const rate = await writeEvents(database, bus, runs.map((run) => run.id), options.events);
          best[variant] = Math.max(best[variant], rate);
        } finally {
          stop();
        }
      }
    }
    return { ...options, eventsPerSecond: best };
  } finally {
    await database.close();
  }
}

async function writeEvents(database: StrataDatabase, bus: RunEventBus, runIds: readonly string[], events: number): Promise<number> {
  const perWriter = Math.ceil(events / runIds.length);
  const started = performance.now();
  await Promise.all(
    runIds.map(async (runId) => {
      for (let i = 0; i < perWriter; i++) {
        const event: RunEvent = { type: 'log', runId, at: new Date(), level: 'info', message: `event ${i}`, assetKey: null, partition: null, fields: null };
        await recordEvent(database.db, event);
        bus.publish(event);
      }
    }),
  );
  return ((perWriter * runIds.length) / (performance.now() - started)) * 1000;
}

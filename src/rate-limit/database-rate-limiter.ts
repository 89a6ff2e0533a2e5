/**
 * A rate limiter whose window lives in the database, so the plan's limit holds across every
 * process sharing it (workers, daemons, CLI runs; Postgres or the embedded PGlite through its
 * owner). Each process counting its own window let two workers that ran one after the other
 * send twice the limit in one rolling minute.
 *
 * One row per source (`strata.source_rate_limits`) holds the start times still in the window and
 * the pause after a 429. A start is one short transaction: lock the row (FOR UPDATE), apply the
 * same rule as the in-process limiter (rolling-window.ts), then either record the start (pruning
 * starts a full window old, so the row never holds more than the limit) or commit nothing and
 * sleep for the wait it computed, then ask again. When the request ends, its start is moved to
 * its end (one UPDATE), as the server counted it somewhere in between.
 *
 * Time is the injected clock's, read after the lock is held; processes on several machines
 * therefore rely on their clocks agreeing (NTP keeps them within milliseconds of a 60 s window).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import type { RateLimiter, RateLimiterOptions } from './rate-limiter.js';
import { checkRule, startsInWindow, waitBeforeStart } from './rolling-window.js';

export interface DatabaseRateLimiterOptions extends RateLimiterOptions {
  readonly db: Kysely<Database>;
  /** The window's key: every limiter for one source (`coingecko`) shares it, in any process. */
  readonly source: string;
}

/**
 * ```ts
 * const limiter = createDatabaseRateLimiter({ db: database.db, source: 'coingecko', limit: 30, clock: systemClock });
 * const client = createCoinGeckoClient(config.coingecko, { clock: systemClock, limiter });
 * ```
 */
export function createDatabaseRateLimiter(options: DatabaseRateLimiterOptions): RateLimiter {
  const { db, source, clock, onWait } = options;
  const rule = { limit: options.limit, windowMs: options.windowMs ?? 60_000 };
  checkRule(rule);

  // The latest pause this process set (epoch ms); peers' pauses are read from the row.
  let localPause = 0;

  /** Records a start and returns it, or returns how many ms to wait before asking again. */
  const tryStart = (): Promise<{ start: number } | { wait: number }> =>
    db.transaction().execute(async (trx) => {
      await trx.insertInto('strata.source_rate_limits').values({ source }).onConflict((conflict) => conflict.column('source').doNothing()).execute();
      const row = await trx
        .selectFrom('strata.source_rate_limits')
        .select(['starts', 'paused_until'])
        .where('source', '=', source)
        .forUpdate()
        .executeTakeFirstOrThrow();
      const now = clock.now().getTime();
      // Ascending whatever order peers wrote in (clocks of several machines differ slightly).
      const starts = row.starts.map((start) => start.getTime()).sort((a, b) => a - b);
      const wait = waitBeforeStart({ starts, pausedUntil: row.paused_until?.getTime() ?? 0 }, now, rule);
      if (wait > 0) return { wait };
      await trx
        .updateTable('strata.source_rate_limits')
        .set({ starts: arrayLiteral([...startsInWindow(starts, now, rule.windowMs), now]) })
        .where('source', '=', source)
        .execute();
      return { start: now };
    });

  return {
    async acquire(signal?: AbortSignal): Promise<number> {
      for (;;) {
        signal?.throwIfAborted();
        // This process's own pause is known without asking the database.
        const paused = localPause - clock.now().getTime();
        if (paused > 0) {
          onWait?.(paused);
          await clock.sleep(paused, signal);
          continue;
        }
        const outcome = await tryStart();
        if ('start' in outcome) return outcome.start;
        onWait?.(outcome.wait);
        await clock.sleep(outcome.wait, signal);
      }
    },
    async ended(start: number): Promise<void> {
      // One statement (the row lock is the UPDATE's) doing what endStart() does: the first equal
      // start becomes the end, or the end is appended when the start has left the window.
      const from = new Date(start).toISOString();
      const to = new Date(Math.max(start, clock.now().getTime())).toISOString();
      // Every expression reads the row being updated (re-read if a peer changed it meanwhile).
      const at = sql`array_position(starts, ${from}::timestamptz)`;
      await sql`UPDATE strata.source_rate_limits
        SET starts = CASE WHEN ${at} IS NULL THEN array_append(starts, ${to}::timestamptz)
                          ELSE starts[:${at} - 1] || ${to}::timestamptz || starts[${at} + 1:] END
        WHERE source = ${source}`.execute(db);
    },
    async pauseUntil(time: Date): Promise<void> {
      localPause = Math.max(localPause, time.getTime());
      // GREATEST ignores NULL: an earlier pause never shortens a later one.
      await db
        .insertInto('strata.source_rate_limits')
        .values({ source, paused_until: time })
        .onConflict((conflict) =>
          conflict.column('source').doUpdateSet((eb) => ({
            paused_until: eb.fn('greatest', [eb.ref('strata.source_rate_limits.paused_until'), eb.ref('excluded.paused_until')]),
          })),
        )
        .execute();
    },
    async inWindow(): Promise<number> {
      const row = await db.selectFrom('strata.source_rate_limits').select('starts').where('source', '=', source).executeTakeFirst();
      return startsInWindow((row?.starts ?? []).map((start) => start.getTime()), clock.now().getTime(), rule.windowMs).length;
    },
  };
}

/** `{2026-12-03T08:00:00.000Z,…}`: ISO times need no quoting inside a Postgres array literal. */
function arrayLiteral(times: readonly number[]): string {
  return `{${times.map((time) => new Date(time).toISOString()).join(',')}}`;
}

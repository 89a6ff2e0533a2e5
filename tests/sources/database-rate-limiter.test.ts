/**
 * The database-backed rate limiter on both engines: limiters standing for separate processes
 * (separate limiter objects; on Postgres separate connection pools) share one rolling window.
 * Time is injected; the in-process limiter is the foil that shows what sharing changes.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/manual-clock.js';
import { createDatabaseRateLimiter } from '../../src/rate-limit/database-rate-limiter.js';
import { createRateLimiter } from '../../src/rate-limit/rate-limiter.js';
import { openDatabase, type StrataDatabase } from '../../src/storage/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { RecordingClock, maxInWindow } from './recording-clock.js';

describeEachBackend('createDatabaseRateLimiter', (backend) => {
  let database: TestDatabase;
  /** A second connection pool on Postgres, as another process would have; the same handle on PGlite (one owner). */
  let other: StrataDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('database_rate_limiter', { backend });
    other = database.url === undefined ? database : await openDatabase({ databaseUrl: database.url, dataDir: '' });
  });
  afterAll(async () => {
    if (other !== database) await other?.close();
    await database?.destroy();
  });

  let sourceCount = 0;
  /** A fresh window per test: each test limits a source of its own. */
  const newSource = () => `test_source_${++sourceCount}`;

  it('two limiters (two processes) take turns in one window; two in-process ones would each allow the limit', async () => {
    const clock = new RecordingClock();
    const source = newSource();
    const a = createDatabaseRateLimiter({ db: database.db, source, limit: 3, clock });
    const b = createDatabaseRateLimiter({ db: other.db, source, limit: 3, clock });
    const t0 = clock.now().getTime();
    const starts: number[] = [];
    for (let i = 0; i < 7; i++) {
      await (i % 2 === 0 ? a : b).acquire();
      starts.push(clock.now().getTime() - t0);
    }
    expect(starts).toEqual([0, 0, 0, 60_000, 60_000, 60_000, 120_000]);
    expect(clock.sleeps).toEqual([60_000, 60_000]);

    const separate = [createRateLimiter({ limit: 3, clock }), createRateLimiter({ limit: 3, clock })];
    const before = clock.sleeps.length;
    for (let i = 0; i < 6; i++) await separate[i % 2]!.acquire();
    expect(clock.sleeps.length - before).toBe(0); // six starts in one window: twice the limit
  });

  it('holds the limit for concurrent callers in both processes, and the row never holds more than the limit', async () => {
    const clock = new ManualClock();
    const source = newSource();
    const limiters = [database, other].map((handle) => createDatabaseRateLimiter({ db: handle.db, source, limit: 5, clock }));
    const t0 = clock.now().getTime();
    const starts: number[] = [];
    const all = Promise.all(
      Array.from({ length: 12 }, (_, i) => limiters[i % 2]!.acquire().then(() => starts.push(clock.now().getTime() - t0))),
    );
    for (let i = 0; i < 7; i++) expect((await clock.nextSleep()).ms).toBe(60_000);
    expect(starts).toEqual([0, 0, 0, 0, 0]);
    expect(await limiters[1]!.inWindow()).toBe(5);

    clock.advance(60_000);
    for (let i = 0; i < 2; i++) expect((await clock.nextSleep()).ms).toBe(60_000);
    expect(starts.length).toBe(10);
    clock.advance(60_000);
    await all;
    expect(maxInWindow(starts, 60_000)).toBe(5);
    expect(starts.filter((start) => start === 60_000)).toHaveLength(5);
    const row = await sql<{ n: number }>`SELECT cardinality(starts) AS n FROM strata.source_rate_limits WHERE source = ${source}`.execute(database.db);
    expect(row.rows[0]?.n).toBe(2); // the first ten left the window and were pruned
  });

  it('a pause after a 429 in one process holds the other, and an earlier pause never shortens it', async () => {
    const clock = new RecordingClock();
    const source = newSource();
    const waits: number[] = [];
    const a = createDatabaseRateLimiter({ db: database.db, source, limit: 100, clock });
    const b = createDatabaseRateLimiter({ db: other.db, source, limit: 100, clock, onWait: (ms) => waits.push(ms) });
    await a.pauseUntil(new Date(clock.now().getTime() + 119_000));
    await a.pauseUntil(new Date(clock.now().getTime() + 5_000));
    await b.acquire();
    expect(waits).toEqual([119_000]);
    expect(await a.inWindow()).toBe(1);
  });

  it('a request counts from its end once ended, in every process; one that outlasted the window counts again', async () => {
    const clock = new RecordingClock();
    const source = newSource();
    const a = createDatabaseRateLimiter({ db: database.db, source, limit: 2, clock });
    const b = createDatabaseRateLimiter({ db: other.db, source, limit: 2, clock });
    const slow = await a.acquire();
    await a.acquire();
    clock.advance(5_000);
    await a.ended(slow);
    await b.acquire(); // waits for the other start (0 + 60 s), not for the slow one (5 s + 60 s)
    expect(clock.sleeps).toEqual([55_000]);
    await b.acquire();
    expect(clock.sleeps).toEqual([55_000, 5_000]);

    const outlasting = await b.acquire();
    clock.advance(70_000); // longer than a window: the next start prunes it
    await a.acquire();
    await b.ended(outlasting);
    expect(await a.inWindow()).toBe(2); // that start and the outlasting request, counted at its end
  });

  it('a configured window: limit 2 per 1.5 s', async () => {
    const clock = new RecordingClock();
    const limiter = createDatabaseRateLimiter({ db: database.db, source: newSource(), limit: 2, windowMs: 1_500, clock });
    for (let i = 0; i < 5; i++) await limiter.acquire();
    expect(clock.sleeps).toEqual([1_500, 1_500]);
  });

  it('rejects with the abort reason and records nothing for an aborted wait', async () => {
    const clock = new ManualClock();
    const limiter = createDatabaseRateLimiter({ db: database.db, source: newSource(), limit: 1, clock });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    await clock.nextSleep();
    controller.abort(new Error('run canceled'));
    await expect(waiting).rejects.toThrow('run canceled');
    expect(await limiter.inWindow()).toBe(1);
    await expect(limiter.acquire(controller.signal)).rejects.toThrow('run canceled');
  });

  it('refuses a nonsensical limit or window', () => {
    const clock = new RecordingClock();
    expect(() => createDatabaseRateLimiter({ db: database.db, source: 's', limit: 0, clock })).toThrow(RangeError);
    expect(() => createDatabaseRateLimiter({ db: database.db, source: 's', limit: 1, windowMs: 0, clock })).toThrow(RangeError);
  });
});

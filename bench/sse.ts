/**
 * SSE bench (issue 16): what open live run pages cost the database. One stream, then many
 * streams of the same run, each phase on a fresh server while another pool writes the run's
 * events and announces them; counted at the server's pool and in pg_stat_database. Then what
 * announcing costs the event insert path, against no NOTIFY and a NOTIFY trigger.
 *
 *   npm run bench -- sse [--streams 200] [--events 500] [--rate 100] [--insert-events 4000] [--no-write]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createLogger } from '../src/logger.js';
import { migrateToLatest, openDatabase } from '../src/storage/index.js';
import { positiveInteger } from './bench-args.js';
import { appendBenchRun } from './results-file.js';
import { insertCost } from './sse-insert-cost.js';
import { ssePhase, type PhaseResult } from './sse-phase.js';
import { benchAdminUrl, createScratchDatabase } from './scratch-database.js';

const RESULTS_FILE = fileURLToPath(new URL('./results/sse.md', import.meta.url));
const INTRO = `# SSE bench: live run pages and the database

\`npm run bench -- sse\`: the real app on a real port (Postgres), N streams of one run open while
another pool records the run's events one transaction at a time and announces them. "server queries" are the
server pool's queries while the events were written; "db" columns are pg_stat_database deltas of
the bench database for the whole phase (opening the streams and the writer's own work included).
The insert table times concurrent \`recordEvent\` writers that publish each event on their bus:
without any NOTIFY, with the announcer, and with a NOTIFY trigger inside each event
transaction, alternating on one database (best round of each).`;

export const sseBench = {
  summary: 'live run pages: 1 vs N open SSE streams of a run, database work per event (LISTEN/NOTIFY feed); NOTIFY trigger cost on inserts',
  usage: [
    'sse [--streams N] [--events N] [--rate N] [--insert-events N] [--no-write]',
    '  --streams        streams of the run in the second phase (default 200)',
    '  --events         events the writer records in each phase (default 500)',
    '  --rate           events per second the writer records (default 100)',
    '  --insert-events  events per round of the insert-cost comparison (default 4,000)',
    '  --no-write       print only; do not add the run to bench/results/sse.md',
  ].join('\n'),
  async run(args: string[]): Promise<void> {
    const { values } = parseArgs({
      args,
      options: { streams: { type: 'string' }, events: { type: 'string' }, rate: { type: 'string' }, 'insert-events': { type: 'string' }, 'no-write': { type: 'boolean' } },
    });
    const streams = positiveInteger('--streams', values.streams, 200);
    const events = positiveInteger('--events', values.events, 500);
    const rate = positiveInteger('--rate', values.rate, 100);
    const insertEvents = positiveInteger('--insert-events', values['insert-events'], 4_000);
    const adminUrl = benchAdminUrl();
    const scratch = await createScratchDatabase(adminUrl, 'strata_bench_sse');
    const dataDir = await mkdtemp(join(tmpdir(), 'strata-sse-bench-'));
    const load = loadavg()[0]?.toFixed(2) ?? '?';
    try {
      const migrating = await openDatabase({ databaseUrl: scratch.url, dataDir });
      await migrateToLatest(migrating.db);
      await migrating.close();
      const phases: PhaseResult[] = [];
      for (const count of [1, streams]) {
        console.log(`${count} stream(s), ${events} events at ${rate}/s`);
        phases.push(await ssePhase({ databaseUrl: scratch.url, adminUrl, databaseName: scratch.name, streams: count, events, rate }));
      }
      console.log(`insert cost: ${insertEvents} events, 8 writers: no NOTIFY, announcer, trigger`);
      const insert = await insertCost(scratch.url, dataDir, createLogger({ level: 'warn', destination: pino.destination(2) }), { events: insertEvents, writers: 8, rounds: 3 });
      const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ');
      const section = [
        `## Run ${stamp} UTC (load average ${load}; ${events} events at ${rate}/s)`,
        '',
        '| streams | events delivered | server queries | per event | feed reads | queries to open | delivery p50 / p99 | db commits | db tuples returned | db tuples fetched |',
        '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
        ...phases.map(
          (p) =>
            `| ${p.streams} | ${(p.streams * p.events).toLocaleString('en-US')} | ${p.serverQueries} | ${(p.serverQueries / p.events).toFixed(2)} | ${p.feedReads} | ${p.openQueries} | ${p.deliveryP50Ms.toFixed(1)} / ${p.deliveryP99Ms.toFixed(1)} ms | ${p.database.commits} | ${p.database.tuplesReturned.toLocaleString('en-US')} | ${p.database.tuplesFetched.toLocaleString('en-US')} |`,
        ),
        '',
        '| insert path (8 writers, one event per transaction, best of 3 rounds) | events/s |',
        '|---|---:|',
        `| no NOTIFY at all | ${insert.eventsPerSecond.none.toFixed(0)} |`,
        `| announcer (NOTIFY after commit, one per burst; what Strata does) | ${insert.eventsPerSecond.announcer.toFixed(0)} |`,
        `| statement-level trigger (NOTIFY inside each event transaction; rejected) | ${insert.eventsPerSecond.trigger.toFixed(0)} |`,
      ].join('\n');
      console.log(`\n${section}`);
      if (values['no-write'] !== true) {
        await appendBenchRun(RESULTS_FILE, { intro: INTRO, section, keep: 10 });
        console.log(`\nwritten to ${RESULTS_FILE}`);
      }
    } finally {
      await scratch.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
};

/**
 * `npm run bench -- embedded`: what reaching the embedded database through its owner costs.
 * The same work runs in the owner (PGlite in-process) and in a client (pg over the owner's
 * socket), alternately, in one run: point queries, small transactions, and a COPY. The client
 * runs in the same process as the owner, so both sides' CPU is on one event loop: the ratio
 * is an upper bound of what a separate CLI process pays.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { type StrataDatabase, openDatabase } from '../src/storage/index.js';
import { appendBenchRun } from './results-file.js';

export interface EmbeddedBenchOptions {
  readonly queries: number;
  readonly transactions: number;
  readonly copyRows: number;
  readonly rounds: number;
}

interface Timing {
  readonly work: string;
  readonly ownerMs: number;
  readonly clientMs: number;
}

export async function runEmbeddedBench(options: EmbeddedBenchOptions): Promise<Timing[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'strata-bench-embedded-'));
  const quiet = { info: () => {} };
  const started = performance.now();
  const owner = await openDatabase({ dataDir, logger: quiet });
  const client = await openDatabase({ dataDir, logger: quiet });
  console.log(`opened a fresh embedded database in ${((performance.now() - started) / 1000).toFixed(1)} s (owner: ${await owner.embedded?.role()}, second: ${await client.embedded?.role()})`);
  try {
    await sql`CREATE TABLE public.bench (id int PRIMARY KEY, label text, price numeric)`.execute(owner.db);
    await sql`INSERT INTO public.bench SELECT g, 'coin ' || g, g * 1.5 FROM generate_series(1, 10000) g`.execute(owner.db);
    const work: Record<string, (database: StrataDatabase, round: number) => Promise<void>> = {
      [`${options.queries} point queries`]: async (database) => {
        for (let i = 0; i < options.queries; i += 1) await sql`SELECT label, price FROM public.bench WHERE id = ${(i % 10000) + 1}`.execute(database.db);
      },
      [`${options.transactions} transactions (insert + update)`]: async (database, round) => {
        for (let i = 0; i < options.transactions; i += 1) {
          const id = 100_000 + round * options.transactions * 2 + i + (database === owner ? 0 : options.transactions);
          await database.db.transaction().execute(async (trx) => {
            await sql`INSERT INTO public.bench VALUES (${id}, 'tx', 1)`.execute(trx);
            await sql`UPDATE public.bench SET price = price + 1 WHERE id = ${id}`.execute(trx);
          });
        }
      },
      [`COPY of ${options.copyRows} rows`]: async (database) => {
        await database.withSession(async (session) => {
          await session.query('CREATE TEMP TABLE bench_copy (id int, label text, price numeric) ON COMMIT DROP');
          const lines = Array.from({ length: options.copyRows }, (_, i) => `${i},"coin ${i}",${i}.25\n`);
          const copied = await session.copyFrom('COPY bench_copy (id, label, price) FROM STDIN WITH (FORMAT csv)', lines);
          if (copied !== options.copyRows) throw new Error(`copied ${copied} rows, expected ${options.copyRows}`);
        });
      },
    };
    const timings: Timing[] = [];
    for (const [name, run] of Object.entries(work)) {
      let ownerMs = Number.POSITIVE_INFINITY;
      let clientMs = Number.POSITIVE_INFINITY;
      for (let round = 0; round < options.rounds; round += 1) {
        // Alternate who goes first, and keep the best of each: the machine is shared and noisy.
        const order = round % 2 === 0 ? [owner, client] : [client, owner];
        for (const database of order) {
          const t0 = performance.now();
          await run(database, round);
          const ms = performance.now() - t0;
          if (database === owner) ownerMs = Math.min(ownerMs, ms);
          else clientMs = Math.min(clientMs, ms);
        }
      }
      timings.push({ work: name, ownerMs, clientMs });
      console.log(`${name}: owner ${ownerMs.toFixed(0)} ms, client ${clientMs.toFixed(0)} ms, client/owner ${(clientMs / ownerMs).toFixed(2)}`);
    }
    await appendBenchRun(join(import.meta.dirname, 'results', 'embedded.md'), {
      intro: [
        '# Embedded database: owner vs client through its socket',
        '',
        '`npm run bench -- embedded`: the same work in the owner (PGlite in-process) and in a client',
        "(pg over the owner's socket), alternately, best of the rounds. Client and owner share one",
        'process and one event loop, so the ratio is an upper bound of what a separate process pays.',
      ].join('\n'),
      section: [
        `## Run ${new Date().toISOString()} (rounds ${options.rounds}, node ${process.version})`,
        '',
        '| work | owner (in-process) | client (socket) | client / owner |',
        '|---|---|---|---|',
        ...timings.map((t) => `| ${t.work} | ${t.ownerMs.toFixed(0)} ms | ${t.clientMs.toFixed(0)} ms | ${(t.clientMs / t.ownerMs).toFixed(2)} |`),
      ].join('\n'),
      keep: 5,
    });
    return timings;
  } finally {
    await client.close();
    await owner.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

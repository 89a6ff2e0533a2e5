/**
 * `bronze/coingecko_price_history`: for day D, the daily history of the top `historyCoins`
 * coins, fetching only the days no earlier run has landed.
 *
 * Per coin, the checkpoint (checkpoint.ts) says whether D is loaded; if not, ONE request
 * fetches the gap ending at D (at most 365 days), so a run after a pause catches up in one call
 * per coin instead of one per day.
 *
 * `backfillPolicy: 'single_run'`: a range materialize or backfill makes one run whose step
 * covers the whole range (ctx.partitionRange), and fetches each coin's missing days of it with
 * ONE request (gapsWithin: one per run of consecutive missing days, at most 365 days each).
 * Each fetch lands under the partition of its last day, as a one-day run's catch-up does.
 *
 * Crash-resume is exact by landing each coin on its own: each response is committed as a small
 * bronze partition of its own (history-files.ts) and then recorded as a load. The steps are
 * 1. note the fetch as pending (database), 2. request, 3. commit the response and its manifest
 * (bronze, all or nothing), 4. record the load and clear the note (one transaction).
 * A kill before 3 leaves a note and no file (recover() removes the uncommitted staging): that
 * fetch never landed and is fetched again. A kill between 3 and 4 leaves a note and a committed
 * file: the next run adopts the file as a load instead of fetching again. Every run settles all
 * notes before it looks for gaps, whatever partition left them, so a later day's run cannot
 * fetch over a landed-but-unrecorded gap. A coin-day is therefore fetched twice only when the
 * process dies with its response in memory, before the commit; that cannot be avoided.
 * Runs of this asset must not overlap (the `coingecko` pool, size 1 by default, serializes
 * them): settling would drop a concurrent run's note for a fetch still in flight.
 *
 * A 429 storm that outlasts the client's retries fails the run; the coins landed before it stay
 * loaded, and the next run fetches only the rest.
 */
import { defineAsset } from '../../index.js';
import { ValidationError } from '../../index.js';
import { dailyPartitions } from '../../index.js';
import type { AssetContext } from '../../index.js';
import type { BronzeStore } from '../../index.js';
import type { StrataDatabase } from '../../index.js';
import { BronzeOutputSchema, type BronzeOutput } from '../bronze/bronze-output.js';
import { MANIFEST_FILE, describeFile, encodeManifest } from '../bronze/manifest.js';
import { rawResponseFiles, readManifest } from '../bronze/read-bronze.js';
import { requirePartition } from '../bronze/require-partition.js';
import { DAILY_FRESHNESS } from '../freshness.js';
import { chartSeries } from './chart-series.js';
import { dropPending, gapEndingAt, gapsWithin, loadsOf, notePending, pendingFetches, recordLoad, type HistoryFetch } from './checkpoint.js';
import { historyCoins } from './history-coins.js';
import { addDays, dayStartMs, daysBetween } from './history-days.js';
import { chartFile, chartFileName, historyPrefix, landedCoinFolders } from './history-files.js';

export const coingeckoPriceHistory = defineAsset<BronzeOutput>({
  key: 'bronze/coingecko_price_history',
  layer: 'bronze',
  group: 'price_history',
  description: 'Raw CoinGecko /coins/{id}/market_chart/range responses (JSON as received), one per coin and gap, with a per-coin checkpoint.',
  partitions: dailyPartitions,
  freshness: DAILY_FRESHNESS,
  output: BronzeOutputSchema,
  pool: 'coingecko',
  // The endpoint serves any past range, so past days can be backfilled, a whole range per request.
  servesPartitions: 'any',
  backfillPolicy: 'single_run',
  // A failed run keeps the coins it landed; retrying at once into the same 429 storm buys nothing.
  retry: { maxRetries: 0 },
  tags: { source: 'coingecko' },
  async materialize(ctx) {
    const partition = requirePartition(ctx);
    const day = partition.key;
    const days = ctx.partitionRange?.keys ?? [day];
    const { bronze, database, settings } = ctx.resources;
    if (ctx.clock.now() < partition.end) {
      throw new ValidationError(`${ctx.assetKey} [${day}]: the day has not ended yet (it ends ${partition.end.toISOString()}); a partial day would be checkpointed as loaded`);
    }
    const settled = await settlePendingFetches(bronze, database);
    if (settled.adopted + settled.dropped > 0) ctx.log.info('settled fetches left by an earlier run', settled);
    const coins = await historyCoins(database, settings.historyCoins);
    const loads = await loadsOf(database, coins);
    let fetched = 0;
    let fetchedDays = 0;
    for (const coinId of coins) {
      const coinLoads = loads.get(coinId) ?? [];
      const gaps = ctx.partitionRange === undefined ? [gapEndingAt(coinLoads, day)].filter((gap) => gap !== undefined) : gapsWithin(coinLoads, days[0] as string, day);
      for (const gap of gaps) {
        await landFetch(ctx, { coinId, ...gap, partitionKey: gap.lastDay, sourceFile: chartFile(coinId, gap.firstDay, gap.lastDay) });
        fetched += 1;
        fetchedDays += daysBetween(gap.firstDay, gap.lastDay);
      }
    }
    const landed = { rows: 0, files: 0 };
    for (const each of days) {
      const totals = await landedTotals(bronze, each);
      landed.rows += totals.rows;
      landed.files += totals.files;
    }
    return {
      // A range's value stands for each of its days; silver reads every day's folder by key (price-history.ts).
      value: { prefix: historyPrefix(day), rows: landed.rows, files: landed.files },
      metadata: { rows: landed.rows, files: landed.files, coins: coins.length, fetched, fetched_days: fetchedDays, adopted: settled.adopted, days: days.length },
    };
  },
});

async function landFetch(ctx: AssetContext<unknown>, fetch: HistoryFetch): Promise<void> {
  const { bronze, coingecko, database } = ctx.resources;
  await notePending(database, fetch, ctx.clock.now());
  const endpoint = `/coins/${encodeURIComponent(fetch.coinId)}/market_chart/range`;
  const query = {
    vs_currency: 'usd',
    from: String(dayStartMs(fetch.firstDay) / 1000),
    // The last second of the day: CoinGecko includes both ends.
    to: String(dayStartMs(addDays(fetch.lastDay, 1)) / 1000 - 1),
  };
  let response;
  try {
    response = await coingecko.getJson(endpoint, query, ctx.signal);
  } catch (error) {
    await dropPending(database, fetch);
    throw error;
  }
  const parsed = chartSeries(response.data);
  if (!parsed.ok) {
    await dropPending(database, fetch);
    throw new ValidationError(`GET ${response.url}: not a market chart: ${parsed.reason}`);
  }
  const name = chartFileName(fetch.firstDay, fetch.lastDay);
  const points = parsed.series.prices.length;
  const fetchedAt = response.fetchedAt.toISOString();
  const file = describeFile(name, response.body, points, { url: response.url, status: response.status, fetchedAt });
  const manifest = encodeManifest({ asset: ctx.assetKey, partition: fetch.partitionKey, fetchedAt, rows: points, files: [file] });
  // From here a failure leaves the note for the next run to settle against what bronze holds.
  await bronze.writePartition(`${historyPrefix(fetch.partitionKey)}/${fetch.coinId}`, [
    { name, bytes: response.body },
    { name: MANIFEST_FILE, bytes: manifest },
  ]);
  await recordLoad(database, fetch, response.fetchedAt);
  ctx.log.debug('landed price history', { coin: fetch.coinId, first_day: fetch.firstDay, last_day: fetch.lastDay, points });
}

/** Turns every pending note into a load (its file is committed) or drops it (it is not). */
async function settlePendingFetches(bronze: BronzeStore, database: StrataDatabase): Promise<{ adopted: number; dropped: number }> {
  let adopted = 0;
  let dropped = 0;
  for (const fetch of await pendingFetches(database)) {
    const fetchedAt = await committedAt(bronze, fetch);
    if (fetchedAt === undefined) {
      await dropPending(database, fetch);
      dropped += 1;
    } else {
      await recordLoad(database, fetch, fetchedAt);
      adopted += 1;
    }
  }
  return { adopted, dropped };
}

/** When the fetch's response was received, if its folder is committed with that very file. */
async function committedAt(bronze: BronzeStore, fetch: HistoryFetch): Promise<Date | undefined> {
  const folder = `${historyPrefix(fetch.partitionKey)}/${fetch.coinId}`;
  if ((await bronze.stat(`${folder}/${MANIFEST_FILE}`)) === undefined) return undefined;
  const manifest = await readManifest(bronze, folder);
  const file = rawResponseFiles(manifest).find((entry) => `${fetch.coinId}/${entry.name}` === fetch.sourceFile);
  return file?.request === undefined ? undefined : new Date(file.request.fetchedAt);
}

async function landedTotals(bronze: BronzeStore, day: string): Promise<{ rows: number; files: number }> {
  let rows = 0;
  let files = 0;
  const prefix = historyPrefix(day);
  for (const folder of await landedCoinFolders(bronze, prefix)) {
    const manifest = await readManifest(bronze, `${prefix}/${folder}`);
    rows += manifest.rows;
    files += rawResponseFiles(manifest).length;
  }
  return { rows, files };
}

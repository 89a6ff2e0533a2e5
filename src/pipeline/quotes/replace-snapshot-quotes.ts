import { csvField, type SqlSession } from '../../index.js';
import { QUOTE_COLUMNS } from './merge-quotes.js';

/**
 * Replaces one snapshot of one source in silver.market_quotes inside the caller's transaction:
 * deletes its stored quotes and COPYs the new ones straight in. For a source whose ids are the
 * unified ids (CoinGecko), so no quote waits on silver.coin_id_map. `lines` are `quoteLine`s.
 */
export async function replaceSnapshotQuotes(session: SqlSession, source: string, snapshotAt: string, lines: Iterable<string>): Promise<number> {
  await session.query('DELETE FROM silver.market_quotes WHERE source = $1 AND snapshot_at = $2::timestamptz', [source, snapshotAt]);
  const copy = `COPY silver.market_quotes (source, ${QUOTE_COLUMNS.join(', ')}) FROM STDIN WITH (FORMAT csv)`;
  return session.copyFrom(copy, withSource(csvField(source), lines));
}

function* withSource(source: string, lines: Iterable<string>): Generator<string> {
  for (const line of lines) yield `${source},${line}`;
}

/** Checks of silver/coinpaprika_tickers, on the quotes of the snapshot just loaded. */
import { defineCheck } from '../../index.js';
import type { SilverOutput } from '../silver/silver-output.js';
import { firstRow, sql } from './check-sql.js';

const EXAMPLES = 5;

/**
 * Warns when the source's snapshot holds coins silver.coin_id_map does not know: they are kept
 * with a NULL coin_id (silver.unmapped_coins lists them) and the mapping file should learn them.
 */
export function unmappedCoinsCheck(source: string, mapFile: string) {
  return defineCheck<SilverOutput>({
    name: 'unmapped_coins',
    severity: 'warn',
    description: `Every ${source} coin of the snapshot has a unified id; the rest are listed in silver.unmapped_coins and belong in ${mapFile}.`,
    async evaluate({ value, resources }) {
      const row = await firstRow(
        resources,
        sql<{ n: number; examples: string | null }>`SELECT count(*)::int AS n,
            array_to_string((array_agg(source_coin_id ORDER BY market_cap_rank NULLS LAST, source_coin_id))[1:${sql.lit(EXAMPLES)}], ', ') AS examples
          FROM silver.market_quotes
          WHERE source = ${source} AND snapshot_at = ${value.snapshotAt}::timestamptz AND coin_id IS NULL`,
      );
      const message = row.n === 0 ? `every ${source} coin is mapped` : `${row.n} ${source} coins without a unified id: ${row.examples}${row.n > EXAMPLES ? ', …' : ''}`;
      return { passed: row.n === 0, message, metadata: { unmapped: row.n, examples: row.examples } };
    },
  });
}

/**
 * Splits the rows of a bronze markets partition into rows for silver and rows for quarantine.
 * Nothing is dropped: every bronze row lands in exactly one of the two lists.
 */
import { roiToJson } from '../parquet/index.js';
import { parseLosslessJson, parseMarketRow, stringifyLosslessJson, type MarketRow } from '../sources/index.js';

export interface StagedMarketRow {
  readonly sourceFile: string;
  readonly sourceRow: number;
  readonly row: MarketRow;
}

export interface QuarantinedRow {
  readonly coinId: string | null;
  readonly reason: string;
  /** The row as JSON text, numbers exactly as received. */
  readonly rawJson: string;
  readonly sourceFile: string;
  readonly sourceRow: number;
}

export interface SplitRows {
  readonly staged: StagedMarketRow[];
  readonly quarantined: QuarantinedRow[];
  readonly bronzeRows: number;
}

export function splitMarketRows(pages: readonly { name: string; body: Buffer }[]): SplitRows {
  const staged: StagedMarketRow[] = [];
  const quarantined: QuarantinedRow[] = [];
  const seen = new Set<string>();
  let bronzeRows = 0;
  for (const page of pages) {
    const data = parseLosslessJson(page.body.toString('utf8'));
    if (!Array.isArray(data)) throw new Error(`${page.name}: expected a JSON array of market rows`);
    data.forEach((raw, index) => {
      bronzeRows++;
      const where = { sourceFile: page.name, sourceRow: index };
      const parsed = parseMarketRow(raw);
      if (!parsed.ok) {
        quarantined.push({ ...where, coinId: parsed.coinId ?? null, reason: parsed.reason, rawJson: stringifyLosslessJson(raw) });
      } else if (seen.has(parsed.row.id)) {
        // Pages can shift while they are fetched; one snapshot holds one row per coin.
        quarantined.push({ ...where, coinId: parsed.row.id, reason: `duplicate coin id '${parsed.row.id}' in this snapshot`, rawJson: stringifyLosslessJson(raw) });
      } else {
        seen.add(parsed.row.id);
        staged.push({ ...where, row: parsed.row });
      }
    });
  }
  return { staged, quarantined, bronzeRows };
}

/** Column order of `stage_market_snapshots` as COPY receives it (sql/silver/create_market_stage.sql). */
export const STAGE_COLUMNS = [
  'source_file', 'source_row', 'coin_id', 'symbol', 'name', 'image', 'current_price', 'market_cap',
  'market_cap_rank', 'fully_diluted_valuation', 'total_volume', 'high_24h', 'low_24h', 'price_change_24h',
  'price_change_percentage_24h', 'market_cap_change_24h', 'market_cap_change_percentage_24h',
  'circulating_supply', 'total_supply', 'max_supply', 'ath', 'ath_change_percentage', 'ath_date', 'atl',
  'atl_change_percentage', 'atl_date', 'roi', 'last_updated', 'price_change_percentage_1h_in_currency',
  'price_change_percentage_24h_in_currency', 'price_change_percentage_7d_in_currency',
  'price_change_percentage_30d_in_currency', 'price_change_percentage_1y_in_currency',
] as const;

export function stageValues({ sourceFile, sourceRow, row }: StagedMarketRow): (string | number | null)[] {
  return [
    sourceFile, sourceRow, row.id, row.symbol, row.name, row.image, row.current_price, row.market_cap,
    row.market_cap_rank, row.fully_diluted_valuation, row.total_volume, row.high_24h, row.low_24h, row.price_change_24h,
    row.price_change_percentage_24h, row.market_cap_change_24h, row.market_cap_change_percentage_24h,
    row.circulating_supply, row.total_supply, row.max_supply, row.ath, row.ath_change_percentage, row.ath_date, row.atl,
    row.atl_change_percentage, row.atl_date, row.roi === null ? null : roiToJson(row.roi), row.last_updated,
    row.price_change_percentage_1h_in_currency, row.price_change_percentage_24h_in_currency,
    row.price_change_percentage_7d_in_currency, row.price_change_percentage_30d_in_currency,
    row.price_change_percentage_1y_in_currency,
  ];
}

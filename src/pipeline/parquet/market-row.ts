import type { MarketRow } from '../sources/coingecko-schemas.js';
import type { ColumnSpec } from './column-spec.js';

export type { MarketRow };

const string = (name: keyof MarketRow): ColumnSpec<MarketRow> => ({ name, type: 'string' });
const double = (name: keyof MarketRow): ColumnSpec<MarketRow> => ({ name, type: 'double' });

/**
 * `roi` as JSON with its numbers as number tokens again (`{"times":63.57,...}`): the row holds
 * them as exact decimal text, which `JSON.stringify` would quote. The schema has already
 * checked that text is a JSON number, so it can be spliced in as is.
 */
export function roiToJson(value: unknown): string {
  const roi = value as NonNullable<MarketRow['roi']>;
  return `{"times":${roi.times},"currency":${JSON.stringify(roi.currency)},"percentage":${roi.percentage}}`;
}

/**
 * The columns of the bronze `coingecko_markets` Parquet file, in source order. Every optional
 * `price_change_percentage_*_in_currency` window is a column whether requested or not (then
 * all null), so every snapshot file has the same schema.
 */
export const MARKET_ROW_COLUMNS: readonly ColumnSpec<MarketRow>[] = Object.freeze([
  string('id'),
  string('symbol'),
  string('name'),
  string('image'),
  double('current_price'),
  double('market_cap'),
  double('market_cap_rank'),
  double('fully_diluted_valuation'),
  double('total_volume'),
  double('high_24h'),
  double('low_24h'),
  double('price_change_24h'),
  double('price_change_percentage_24h'),
  double('market_cap_change_24h'),
  double('market_cap_change_percentage_24h'),
  double('circulating_supply'),
  double('total_supply'),
  double('max_supply'),
  double('ath'),
  double('ath_change_percentage'),
  string('ath_date'),
  double('atl'),
  double('atl_change_percentage'),
  string('atl_date'),
  { name: 'roi', type: 'json', encode: roiToJson },
  string('last_updated'),
  double('price_change_percentage_1h_in_currency'),
  double('price_change_percentage_24h_in_currency'),
  double('price_change_percentage_7d_in_currency'),
  double('price_change_percentage_14d_in_currency'),
  double('price_change_percentage_30d_in_currency'),
  double('price_change_percentage_200d_in_currency'),
  double('price_change_percentage_1y_in_currency'),
]);

import type { ColumnSpec } from './column-spec.js';

/**
 * Decimal number as the source wrote it (`'-6.0e-05'`, `'19822040.0'`). The CoinGecko client
 * keeps the text so that silver can cast to NUMERIC without passing through a float.
 */
export type DecimalText = string;

/**
 * One `/coins/markets` row as the client hands it over. Fields marked optional are absent in
 * older responses or only present when requested (`price_change_percentage=1h,24h,1y`).
 */
export interface MarketRow {
  readonly id: string;
  readonly symbol: string;
  readonly name: string;
  readonly image: string | null;
  readonly current_price: DecimalText | null;
  readonly market_cap: DecimalText | null;
  readonly market_cap_rank: DecimalText | null;
  readonly fully_diluted_valuation?: DecimalText | null;
  readonly total_volume: DecimalText | null;
  readonly high_24h: DecimalText | null;
  readonly low_24h: DecimalText | null;
  readonly price_change_24h: DecimalText | null;
  readonly price_change_percentage_24h: DecimalText | null;
  readonly market_cap_change_24h: DecimalText | null;
  readonly market_cap_change_percentage_24h: DecimalText | null;
  readonly circulating_supply: DecimalText | null;
  readonly total_supply: DecimalText | null;
  readonly max_supply?: DecimalText | null;
  readonly ath: DecimalText | null;
  readonly ath_change_percentage: DecimalText | null;
  readonly ath_date: string | null;
  readonly atl: DecimalText | null;
  readonly atl_change_percentage: DecimalText | null;
  readonly atl_date: string | null;
  /** `null` or `{ times, currency, percentage }`; written as a JSON string. */
  readonly roi: unknown;
  readonly last_updated: string | null;
  readonly price_change_percentage_1h_in_currency?: DecimalText | null;
  readonly price_change_percentage_24h_in_currency?: DecimalText | null;
  readonly price_change_percentage_1y_in_currency?: DecimalText | null;
}

const string = (name: keyof MarketRow): ColumnSpec<MarketRow> => ({ name, type: 'string' });
const double = (name: keyof MarketRow): ColumnSpec<MarketRow> => ({ name, type: 'double' });

/** The 29 columns of the bronze `coingecko_markets` Parquet file, in source order. */
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
  { name: 'roi', type: 'json' },
  string('last_updated'),
  double('price_change_percentage_1h_in_currency'),
  double('price_change_percentage_24h_in_currency'),
  double('price_change_percentage_1y_in_currency'),
]);

/**
 * Splits the rows of a bronze markets partition into rows for silver and rows for quarantine.
 * Nothing is dropped: every bronze row lands in exactly one of the two lists.
 */
import { roiToJson } from '../parquet/index.js';
import { csvField } from '../../index.js';
import { typeChanges } from './schema-drift.js';
import { ValidationError } from '../../index.js';
import { isJsonObject, JsonSyntaxError, parseLosslessJson, parseMarketRow, stringifyLosslessJson, type MarketRow } from '../sources/index.js';

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
  /** True when the row was valid but repeated a coin already in the snapshot (metadata `quarantined_duplicate`). */
  readonly duplicate?: boolean;
}

export interface SplitRows {
  readonly staged: StagedMarketRow[];
  readonly quarantined: QuarantinedRow[];
  readonly bronzeRows: number;
}

export function splitMarketRows(pages: readonly { name: string; body: Buffer }[]): SplitRows {
  const splitter = createMarketRowSplitter();
  const staged = pages.flatMap((page) => splitter.splitPage(page).staged);
  return { staged, quarantined: splitter.quarantined, bronzeRows: splitter.bronzeRows };
}

/** One page's rows for silver, and the page's parsed rows (for the drift check). */
export interface SplitPage {
  readonly staged: StagedMarketRow[];
  readonly data: readonly unknown[];
}

/**
 * Splits a partition's pages one at a time, so a caller can load each page's rows before it
 * reads the next: only the quarantined rows and the coin ids seen (for duplicates) are kept.
 */
export interface MarketRowSplitter {
  splitPage(page: { name: string; body: Buffer }): SplitPage;
  readonly quarantined: QuarantinedRow[];
  readonly bronzeRows: number;
}

export function createMarketRowSplitter(): MarketRowSplitter {
  const quarantined: QuarantinedRow[] = [];
  const seen = new Set<string>();
  let bronzeRows = 0;
  return {
    quarantined,
    get bronzeRows() {
      return bronzeRows;
    },
    splitPage(page) {
      const data = parsePage(page);
      if (!Array.isArray(data)) throw new Error(`${page.name}: expected a JSON array of market rows`);
      const staged: StagedMarketRow[] = [];
      data.forEach((raw, index) => {
        bronzeRows++;
        const where = { sourceFile: page.name, sourceRow: index };
        const parsed = parseMarketRow(raw);
        if (!parsed.ok) {
          quarantined.push({ ...where, coinId: parsed.coinId ?? null, reason: typeChangedPrefix(raw) + parsed.reason, rawJson: stringifyLosslessJson(raw) });
        } else if (seen.has(parsed.row.id)) {
          // Pages can shift while they are fetched; one snapshot holds one row per coin.
          quarantined.push({
            ...where,
            coinId: parsed.row.id,
            reason: `duplicate coin id '${parsed.row.id}' in this snapshot`,
            rawJson: stringifyLosslessJson(raw),
            duplicate: true,
          });
        } else {
          seen.add(parsed.row.id);
          staged.push({ ...where, row: parsed.row });
        }
      });
      return { staged, data };
    },
  };
}

/** Bronze pages were valid JSON when fetched: one that no longer is names its file, and is not retried. */
function parsePage(page: { name: string; body: Buffer }): unknown {
  try {
    return parseLosslessJson(page.body.toString('utf8'));
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    throw new ValidationError(`${page.name}: not valid JSON (${error.message})`, { cause: error });
  }
}

/** `type changed: market_cap (string, expected number); ` when a field's JSON type changed, else ''. */
function typeChangedPrefix(raw: unknown): string {
  const changes = isJsonObject(raw) ? typeChanges(raw) : [];
  if (changes.length === 0) return '';
  return `type changed: ${changes.map((c) => `${c.field} (${c.actual}, expected ${c.expected})`).join(', ')}; `;
}

/** Column order of a row's CSV line, after `snapshot_at`, as the COPY into silver.market_snapshots receives it. */
export const ROW_COPY_COLUMNS = [
  'source_file', 'source_row', 'coin_id', 'symbol', 'name', 'image', 'current_price', 'market_cap',
  'market_cap_rank', 'fully_diluted_valuation', 'total_volume', 'high_24h', 'low_24h', 'price_change_24h',
  'price_change_percentage_24h', 'market_cap_change_24h', 'market_cap_change_percentage_24h',
  'circulating_supply', 'total_supply', 'max_supply', 'ath', 'ath_change_percentage', 'ath_date', 'atl',
  'atl_change_percentage', 'atl_date', 'roi', 'last_updated', 'price_change_percentage_1h_in_currency',
  'price_change_percentage_24h_in_currency', 'price_change_percentage_7d_in_currency',
  'price_change_percentage_30d_in_currency', 'price_change_percentage_1y_in_currency',
] as const;

/**
 * One row as a CSV line in `ROW_COPY_COLUMNS` order, built by concatenation: this runs a million
 * times per million rows loaded, and an array per row plus map and join cost several seconds
 * (bench/results/load.md). Decimals are JSON number text (digits, `.`, `e`, sign): never
 * empty, never holding a comma or quote, so they go unquoted.
 */
export function rowCopyLine({ sourceFile, sourceRow, row }: StagedMarketRow): string {
  const q = csvField;
  const n = (value: string | null) => value ?? '';
  return `${q(sourceFile)},${sourceRow},${q(row.id)},${q(row.symbol)},${q(row.name)},${q(row.image)},${n(row.current_price)},${n(row.market_cap)},\
${row.market_cap_rank ?? ''},${n(row.fully_diluted_valuation)},${n(row.total_volume)},${n(row.high_24h)},${n(row.low_24h)},${n(row.price_change_24h)},\
${n(row.price_change_percentage_24h)},${n(row.market_cap_change_24h)},${n(row.market_cap_change_percentage_24h)},\
${n(row.circulating_supply)},${n(row.total_supply)},${n(row.max_supply)},${n(row.ath)},${n(row.ath_change_percentage)},${q(row.ath_date)},${n(row.atl)},\
${n(row.atl_change_percentage)},${q(row.atl_date)},${row.roi === null ? '' : q(roiToJson(row.roi))},${q(row.last_updated)},\
${n(row.price_change_percentage_1h_in_currency)},${n(row.price_change_percentage_24h_in_currency)},\
${n(row.price_change_percentage_7d_in_currency)},${n(row.price_change_percentage_30d_in_currency)},\
${n(row.price_change_percentage_1y_in_currency)}\n`;
}

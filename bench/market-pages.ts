/**
 * The load bench's rows as CoinGecko would send them: `/coins/markets` pages of 250 rows, JSON
 * text with the decimals as number tokens exactly as the rows hold them (`1.234e-05` stays
 * `1.234e-05`), so parsing a page losslessly gives back the same decimal text.
 */
import { MARKET_ROW_COLUMNS, roiToJson, type MarketRow } from '../src/pipeline/parquet/index.js';
import type { MarketPage } from '../src/pipeline/silver/load-market-pages.js';
import type { StagedMarketRow } from '../src/pipeline/silver/market-rows.js';

const PAGE_ROWS = 250;
const NUMBER_FIELDS: ReadonlySet<string> = new Set(MARKET_ROW_COLUMNS.filter((column) => column.type === 'double').map((column) => column.name));

export function marketPages(rows: readonly StagedMarketRow[]): MarketPage[] {
  const pages: MarketPage[] = [];
  for (let start = 0; start < rows.length; start += PAGE_ROWS) {
    const texts = rows.slice(start, start + PAGE_ROWS).map(({ row }) => rowJson(row));
    pages.push({ name: `page-${String(pages.length + 1).padStart(3, '0')}.json`, body: Buffer.from(`[${texts.join(',')}]`, 'utf8') });
  }
  return pages;
}

function rowJson(row: MarketRow): string {
  const fields: string[] = [];
  for (const [field, value] of Object.entries(row)) {
    let text: string;
    if (value === null || value === undefined) text = 'null';
    else if (field === 'roi') text = roiToJson(value);
    else if (typeof value === 'string' && NUMBER_FIELDS.has(field)) text = value;
    else text = JSON.stringify(value);
    fields.push(`${JSON.stringify(field)}:${text}`);
  }
  return `{${fields.join(',')}}`;
}

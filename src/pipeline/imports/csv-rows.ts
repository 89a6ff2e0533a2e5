/**
 * Every data line of an import CSV checked against the unified schema: a line becomes a quote for
 * silver.market_quotes or a quarantined row whose reason names the line and each bad column
 * (`line 14: price_usd: expected a decimal number …`). Nothing is dropped: quotes + quarantined
 * = data lines. Within one file a (coin_id, snapshot_at) appears once; a repeat is quarantined,
 * naming the line that came first.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { QuoteToMerge } from '../quotes/merge-quotes.js';
import type { QuarantinedRow } from '../silver/market-rows.js';
import type { CsvHeader, ImportColumn } from './csv-columns.js';
import type { CsvFile, CsvRecord } from './csv-file.js';
import {
  instantKeyText,
  parseCoinId,
  parseDecimal,
  parseInstant,
  parseName,
  parseRank,
  parseSymbol,
  type FieldResult,
  type Instant,
} from './csv-fields.js';

export interface CsvRows {
  readonly quotes: QuoteToMerge[];
  readonly quarantined: QuarantinedRow[];
}

/** Lines checked between two turns of the event loop, so a worker's heartbeats go on during a large file. */
const LINES_PER_TURN = 5_000;

export async function validateRows(file: CsvFile, header: CsvHeader): Promise<CsvRows> {
  const quotes: QuoteToMerge[] = [];
  const quarantined: QuarantinedRow[] = [];
  const firstLineOf = new Map<string, number>();
  for (const [index, record] of file.records.entries()) {
    if (index > 0 && index % LINES_PER_TURN === 0) await nextTurn();
    const quarantine = (problems: readonly string[]) =>
      quarantined.push({
        coinId: coinIdOf(record, header),
        reason: `line ${record.line}: ${problems.join('; ')}`,
        rawJson: rawJson(record, header),
        sourceFile: file.name,
        sourceRow: record.line,
      });
    if (record.fields.length !== header.names.length) {
      quarantine([`expected ${header.names.length} fields (as in the header), got ${record.fields.length}`]);
      continue;
    }
    const parsed = parseRecord(record, header);
    if (!parsed.ok) {
      quarantine(parsed.problems);
      continue;
    }
    const key = `${parsed.quote.sourceCoinId}\u0000${parsed.snapshot.key}`;
    const first = firstLineOf.get(key);
    if (first !== undefined) {
      quarantine([`duplicate of line ${first}: coin_id ${JSON.stringify(parsed.quote.sourceCoinId)} at snapshot_at ${instantKeyText(parsed.snapshot.key)} appears twice`]);
      continue;
    }
    firstLineOf.set(key, record.line);
    quotes.push({ ...parsed.quote, sourceFile: file.name, sourceRow: record.line });
  }
  return { quotes, quarantined };
}

type ParsedRecord =
  | { readonly ok: true; readonly quote: Omit<QuoteToMerge, 'sourceFile' | 'sourceRow'>; readonly snapshot: Instant }
  | { readonly ok: false; readonly problems: readonly string[] };

function parseRecord(record: CsvRecord, header: CsvHeader): ParsedRecord {
  const problems: string[] = [];
  /** An absent optional column, or an empty field in one, is null; a required one must hold a value. */
  const field = <T>(column: ImportColumn, parse: (text: string) => FieldResult<T>, required = false): T | null => {
    const position = header.positions.get(column);
    const text = position === undefined ? '' : (record.fields[position] ?? '');
    if (text === '' && !required) return null;
    if (text === '') {
      problems.push(`${column}: required, got an empty field`);
      return null;
    }
    const result = parse(text);
    if (result.ok) return result.value;
    problems.push(`${column}: ${result.problem}`);
    return null;
  };
  const measure = (text: string) => parseDecimal(text, { negative: false });
  const coinId = field('coin_id', parseCoinId, true);
  const snapshot = field('snapshot_at', parseInstant, true);
  const symbol = field('symbol', parseSymbol, true);
  const name = field('name', parseName, true);
  const priceUsd = field('price_usd', measure, true);
  const marketCapUsd = field('market_cap_usd', measure);
  const totalVolumeUsd = field('total_volume_usd', measure);
  const marketCapRank = field('market_cap_rank', parseRank);
  const circulatingSupply = field('circulating_supply', measure);
  const totalSupply = field('total_supply', measure);
  const maxSupply = field('max_supply', measure);
  const priceChangePercentage24h = field('price_change_percentage_24h', (text) => parseDecimal(text, { negative: true }));
  const lastUpdated = field('last_updated', parseInstant);
  if (problems.length > 0 || coinId === null || snapshot === null || symbol === null || name === null) return { ok: false, problems };
  return {
    ok: true,
    snapshot,
    quote: {
      sourceCoinId: coinId,
      coinId,
      snapshotAt: snapshot.text,
      symbol,
      name,
      priceUsd,
      marketCapUsd,
      totalVolumeUsd,
      marketCapRank,
      circulatingSupply,
      totalSupply,
      maxSupply,
      priceChangePercentage24h,
      lastUpdated: lastUpdated?.text ?? null,
    },
  };
}

function coinIdOf(record: CsvRecord, header: CsvHeader): string | null {
  const position = header.positions.get('coin_id');
  const text = position === undefined ? undefined : record.fields[position];
  return text === undefined || text === '' ? null : text;
}

/** The line as JSON for silver.quarantine.raw_row: an object by header name, or the bare fields when the count is off. */
function rawJson(record: CsvRecord, header: CsvHeader): string {
  if (record.fields.length !== header.names.length) return JSON.stringify(record.fields);
  return JSON.stringify(Object.fromEntries(header.names.map((name, index) => [name, record.fields[index]])));
}

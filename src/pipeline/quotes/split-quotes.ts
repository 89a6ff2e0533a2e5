/**
 * A source's bronze pages through its adapter: every row becomes a quote or a quarantined row
 * with its reason. Nothing is dropped: quotes + quarantined = bronze rows.
 */
import { ValidationError } from '../../index.js';
import type { QuarantinedRow } from '../silver/market-rows.js';
import { JsonSyntaxError, parseLosslessJson, stringifyLosslessJson } from '../sources/index.js';
import type { LocatedQuote, SourceAdapter } from './unified-quote.js';

export interface SplitQuotes {
  readonly quotes: LocatedQuote[];
  readonly quarantined: QuarantinedRow[];
  readonly bronzeRows: number;
}

export function splitQuotes(adapter: SourceAdapter, pages: readonly { name: string; body: Buffer }[]): SplitQuotes {
  const quotes: LocatedQuote[] = [];
  const quarantined: QuarantinedRow[] = [];
  const seen = new Set<string>();
  let bronzeRows = 0;
  for (const page of pages) {
    let data: unknown;
    try {
      data = parseLosslessJson(page.body.toString('utf8'));
    } catch (error) {
      if (!(error instanceof JsonSyntaxError)) throw error;
      throw new ValidationError(`${page.name}: not valid JSON (${error.message})`, { cause: error });
    }
    if (!Array.isArray(data)) throw new ValidationError(`${page.name}: expected a JSON array of ${adapter.source} rows`);
    data.forEach((raw, index) => {
      bronzeRows++;
      const where = { sourceFile: page.name, sourceRow: index };
      const result = adapter.toQuote(raw);
      if (!result.ok) {
        quarantined.push({ ...where, coinId: result.sourceCoinId ?? null, reason: result.reason, rawJson: stringifyLosslessJson(raw) });
      } else if (seen.has(result.quote.sourceCoinId)) {
        quarantined.push({
          ...where,
          coinId: result.quote.sourceCoinId,
          reason: `duplicate ${adapter.source} coin id '${result.quote.sourceCoinId}' in this snapshot`,
          rawJson: stringifyLosslessJson(raw),
          duplicate: true,
        });
      } else {
        seen.add(result.quote.sourceCoinId);
        quotes.push({ ...result.quote, ...where });
      }
    });
  }
  return { quotes, quarantined, bronzeRows };
}

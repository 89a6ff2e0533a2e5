/** Checks of bronze/coingecko_markets: the pages as received, before silver reads them. */
import { defineCheck } from '../../index.js';
import type { BronzeStore } from '../../index.js';
import type { BronzeOutput } from '../bronze/bronze-output.js';
import { rawResponseFiles, readManifest, readVerifiedFile } from '../bronze/read-bronze.js';
import { verifyBronzePartition } from '../bronze/verify-bronze.js';
import { detectMarketsDrift, mergeDrift, missingFields, recordDrift, type Drift } from '../silver/schema-drift.js';
import { ANOMALY_CHECKS } from './anomaly-checks.js';

/** CoinGecko's page size for /coins/markets. */
const PAGE_SIZE = 250;
/** How many examples a check's metadata lists. */
const EXAMPLES = 5;

export const marketsNotEmpty = defineCheck<BronzeOutput>({
  name: 'not_empty',
  severity: 'error',
  description: 'The pages hold at least one row.',
  async evaluate({ value }) {
    return { passed: value.rows > 0, message: `${value.rows} rows`, metadata: { rows: value.rows } };
  },
});

export const marketsRowCountInRange = defineCheck<BronzeOutput>({
  name: 'row_count_in_range',
  severity: 'warn',
  description: 'Rows within [coins requested × 0.9, pages × 250]: a short fetch or an API that ignored per_page.',
  async evaluate({ value, resources }) {
    const manifest = await readManifest(resources.bronze, value.prefix);
    const pages = rawResponseFiles(manifest).length;
    const min = Math.floor(resources.settings.coins * 0.9);
    const max = pages * PAGE_SIZE;
    const passed = value.rows >= min && value.rows <= max;
    return { passed, message: `${value.rows} rows, expected ${min}..${max}`, metadata: { rows: value.rows, min, max, pages } };
  },
});

export const marketsUniqueCoinIds = defineCheck<BronzeOutput>({
  name: 'unique_coin_ids',
  severity: 'warn',
  description: 'No coin id appears twice across the pages (silver quarantines the repeats).',
  async evaluate({ value, resources }) {
    const { bronze } = resources;
    const manifest = await readManifest(bronze, value.prefix);
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const file of rawResponseFiles(manifest)) {
      const rows: unknown = JSON.parse((await readVerifiedFile(bronze, value.prefix, file)).toString('utf8'));
      if (!Array.isArray(rows)) continue;
      for (const row of rows) {
        const id: unknown = typeof row === 'object' && row !== null ? (row as Record<string, unknown>)['id'] : undefined;
        if (typeof id !== 'string') continue;
        if (seen.has(id)) duplicates.add(id);
        seen.add(id);
      }
    }
    const examples = [...duplicates].slice(0, EXAMPLES).join(', ');
    return {
      passed: duplicates.size === 0,
      message: duplicates.size === 0 ? `${seen.size} distinct ids` : `${duplicates.size} duplicated ids: ${examples}`,
      metadata: { distinct_ids: seen.size, duplicated_ids: duplicates.size, examples },
    };
  },
});

export const marketsManifestChecksums = defineCheck<BronzeOutput>({
  name: 'manifest_checksums',
  severity: 'error',
  description: 'Every file listed in _manifest.json has the size and sha256 the manifest records.',
  async evaluate({ value, resources }) {
    const { manifest, mismatches } = await verifyBronzePartition(resources.bronze, value.prefix);
    const files = manifest?.files.length ?? 0;
    return {
      passed: mismatches.length === 0,
      message: mismatches.length === 0 ? `${files} files match` : mismatches.map((mismatch) => mismatch.problem).join('; '),
      metadata: { files, mismatches: mismatches.length, first_mismatch: mismatches[0]?.path ?? null },
    };
  },
});

/** The partition's drift, read from its verified pages one at a time. */
async function partitionDrift(bronze: BronzeStore, prefix: string): Promise<Drift[]> {
  const manifest = await readManifest(bronze, prefix);
  const drift = new Map<string, Drift>();
  for (const file of rawResponseFiles(manifest)) mergeDrift(drift, detectMarketsDrift([{ body: await readVerifiedFile(bronze, prefix, file) }]));
  return [...drift.values()];
}

export const marketsNoMissingFields = defineCheck<BronzeOutput>({
  name: 'no_missing_fields',
  severity: 'error',
  description: 'No required /coins/markets field is missing from every row of a page (a changed API); recorded in silver.schema_drift.',
  async evaluate({ value, resources, partition, clock }) {
    const drift = await partitionDrift(resources.bronze, value.prefix);
    const { required } = missingFields(drift);
    // Silver (which records drift in its load transaction) is blocked when this fails: record it here.
    if (required.length > 0) await resources.database.withSession((session) => recordDrift(session, drift, partition?.key ?? '', clock.now()));
    const fields = required.join(', ');
    return {
      passed: required.length === 0,
      message: required.length === 0 ? 'every required field present' : `missing required field(s): ${fields}`,
      metadata: { missing_fields: required.length, fields },
    };
  },
});

export const marketsNoMissingServedFields = defineCheck<BronzeOutput>({
  name: 'no_missing_served_fields',
  severity: 'warn',
  description:
    'No field the current API serves in every row (fully_diluted_valuation, max_supply) is missing from every row of a page: silver would store NULL for it; recorded in silver.schema_drift.',
  async evaluate({ value, resources, partition, clock, log }) {
    const drift = await partitionDrift(resources.bronze, value.prefix);
    const { served } = missingFields(drift);
    const fields = served.join(', ');
    if (served.length > 0) {
      // Recorded here too, so a bronze-only run (silver not selected) still shows in `strata drift`.
      const entries = drift.filter((entry) => entry.kind === 'missing_field' && served.includes(entry.field));
      await resources.database.withSession((session) => recordDrift(session, entries, partition?.key ?? '', clock.now()));
      log.warn('schema drift: served field(s) missing from every row, silver stores NULL', { fields });
    }
    return {
      passed: served.length === 0,
      message: served.length === 0 ? 'every served field present' : `missing from every row (stored as NULL): ${fields}`,
      metadata: { missing_fields: served.length, fields },
    };
  },
});

export const BRONZE_MARKETS_CHECKS = [marketsNotEmpty, marketsRowCountInRange, marketsUniqueCoinIds, marketsManifestChecksums, marketsNoMissingFields, marketsNoMissingServedFields, ...ANOMALY_CHECKS];

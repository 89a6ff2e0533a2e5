/**
 * The header of a SQL-file asset: the `-- field: value` comment lines at the top of the file.
 *
 * ```sql
 * -- asset: gold/top_movers
 * -- deps: silver/market_snapshots
 * -- description: The ten biggest 24 h movers per snapshot.
 * -- check: no_negative_price: SELECT * FROM {{ this }} WHERE price < 0
 * -- automation: eager
 * SELECT …
 * ```
 *
 * The header is every line before the first that is neither blank nor a `--` comment; the query
 * is the rest. A header field is a lowercase name and a colon (`-- deps:`); other comment lines
 * in the header are prose and ignored (`-- Note: …`, `-- a ratio: …` are prose, `-- note: …`
 * is an unknown field, so a typo such as `-- dep:` is caught). A line scanner, no SQL parser:
 * 5,000 files parse in milliseconds.
 */
import type { AutomationCondition } from '../../core/automation/condition.js';
import { conditionProblems } from '../../core/automation/condition-problems.js';
import { parseAutomation } from './parse-automation.js';
import { SqlAssetError } from './sql-asset-error.js';

export type DeclaredPartitions = 'six_hourly' | 'daily' | 'none';

export interface SqlDep {
  readonly key: string;
  readonly line: number;
}

export interface SqlCheckHeader {
  readonly name: string;
  readonly severity: 'error' | 'warn';
  readonly query: string;
  readonly line: number;
}

export interface SqlHeader {
  readonly file: string;
  /** The whole file, as the UI shows it. */
  readonly text: string;
  readonly key: string;
  readonly keyLine: number;
  readonly deps: readonly SqlDep[];
  readonly description: string | undefined;
  readonly group: string | undefined;
  readonly owners: readonly string[] | undefined;
  readonly partitions: { readonly value: DeclaredPartitions; readonly line: number } | undefined;
  readonly checks: readonly SqlCheckHeader[];
  /** `-- automation: eager` (see parse-automation.ts), validated against the deps. */
  readonly automation: AutomationCondition | undefined;
  /** The query: the lines after the header. */
  readonly body: string;
  /** The file line the query starts on. */
  readonly bodyLine: number;
}

const FIELD = /^--\s*([a-z][a-z-]*)\s*:(.*)$/;
const KEY = /^(bronze|silver|gold)\/[a-z][a-z0-9_]*$/;
const CHECK = /^([^:\s]+)\s*:(.*)$/;
const CHECK_NAME = /^[a-z][a-z0-9_]*$/;
const PARTITIONS: readonly DeclaredPartitions[] = ['six_hourly', 'daily', 'none'];
const FIELDS = ['asset', 'deps', 'description', 'group', 'owners', 'partitions', 'check', 'warn-check', 'automation'] as const;
/**
 * Postgres truncates identifiers at 63 bytes, and a rebuild creates the new table as
 * `<name>__new` before renaming it (sql-table.ts).
 */
const MAX_TABLE_NAME = 58;

/** Parses a file's header; throws SqlAssetError naming the file and line of the first problem. */
export function parseSqlHeader(file: string, text: string): SqlHeader {
  const lines = text.split(/\r?\n/);
  const fail = (line: number, problem: string): never => {
    throw new SqlAssetError(file, line, problem);
  };
  let asset: { key: string; line: number } | undefined;
  const deps: SqlDep[] = [];
  const descriptions: string[] = [];
  let group: string | undefined;
  let owners: string[] | undefined;
  let partitions: SqlHeader['partitions'];
  const checks: SqlCheckHeader[] = [];
  let automation: { condition: AutomationCondition; line: number } | undefined;
  const seen = new Map<string, number>();
  const once = (field: string, line: number) => {
    const first = seen.get(field);
    if (first !== undefined) fail(line, `'-- ${field}:' appears twice (first on line ${first})`);
    seen.set(field, line);
  };

  let index = 0;
  for (; index < lines.length; index++) {
    const raw = (lines[index] as string).trim();
    const line = index + 1;
    if (raw === '') continue;
    if (!raw.startsWith('--')) break;
    const match = FIELD.exec(raw);
    if (match === null) continue;
    const field = match[1] as string;
    const value = (match[2] as string).trim();
    switch (field) {
      case 'asset':
        once(field, line);
        if (!KEY.test(value)) fail(line, `bad asset key '${value}': expected layer/name, layer bronze, silver or gold, name in snake_case (gold/top_movers)`);
        if (value.length - value.indexOf('/') - 1 > MAX_TABLE_NAME) fail(line, `asset name is longer than ${MAX_TABLE_NAME} characters, too long for a Postgres table name`);
        asset = { key: value, line };
        break;
      case 'deps':
        for (const key of value.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
          if (!KEY.test(key)) fail(line, `bad dep key '${key}': expected layer/name (silver/market_snapshots)`);
          if (deps.some((dep) => dep.key === key)) fail(line, `dep '${key}' is listed twice`);
          deps.push({ key, line });
        }
        break;
      case 'description':
        // Several lines make one description.
        if (value !== '') descriptions.push(value);
        break;
      case 'group':
        once(field, line);
        if (value === '') fail(line, "'-- group:' needs a value");
        group = value;
        break;
      case 'owners':
        once(field, line);
        owners = value.split(',').map((part) => part.trim()).filter((part) => part !== '');
        if (owners.length === 0) fail(line, "'-- owners:' needs at least one owner");
        break;
      case 'partitions':
        once(field, line);
        if (!PARTITIONS.includes(value as DeclaredPartitions)) fail(line, `partitions must be one of ${PARTITIONS.join(', ')}, not '${value}'`);
        partitions = { value: value as DeclaredPartitions, line };
        break;
      case 'check':
      case 'warn-check': {
        const check = CHECK.exec(value);
        if (check === null || (check[2] as string).trim() === '') fail(line, `expected '-- ${field}: name: SELECT …' (the query returns the offending rows)`);
        const name = (check?.[1] ?? '') as string;
        if (!CHECK_NAME.test(name)) fail(line, `check name '${name}' must be snake_case`);
        if (checks.some((other) => other.name === name)) fail(line, `two checks are named '${name}'`);
        checks.push({ name, severity: field === 'check' ? 'error' : 'warn', query: (check?.[2] ?? '').trim(), line });
        break;
      }
      case 'automation':
        once(field, line);
        try {
          automation = { condition: parseAutomation(value), line };
        } catch (error) {
          fail(line, `automation: ${error instanceof Error ? error.message : String(error)}`);
        }
        break;
      default:
        fail(line, `unknown header field '${field}': expected one of ${FIELDS.join(', ')} (prose in the header must not start with a lowercase word and a colon)`);
    }
  }
  if (asset === undefined) return fail(1, "no '-- asset: layer/name' line in the header (the comment lines at the top of the file)");
  if (automation !== undefined) {
    const [problem] = conditionProblems(automation.condition, deps.length > 0);
    if (problem !== undefined) fail(automation.line, `automation: ${problem}`);
  }
  return {
    file,
    text,
    key: asset.key,
    keyLine: asset.line,
    deps,
    description: descriptions.length === 0 ? undefined : descriptions.join(' '),
    group,
    owners,
    partitions,
    checks,
    automation: automation?.condition,
    body: lines.slice(index).join('\n'),
    bodyLine: index + 1,
  };
}

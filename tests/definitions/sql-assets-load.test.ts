/** SQL-file assets without a database: headers, placeholders, dep resolution and every error with its file and line. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnyAsset, defineAsset, depAsset, depMapping } from '../../src/core/asset.js';
import { DefinitionError } from '../../src/core/errors.js';
import { buildGraph } from '../../src/core/graph.js';
import { dailyPartitions, sixHourlyPartitions } from '../../src/core/partitions.js';
import { loadSqlAssets } from '../../src/definitions/sql-assets/load-sql-assets.js';
import { parseSqlHeader } from '../../src/definitions/sql-assets/parse-sql-header.js';
import { SqlAssetError } from '../../src/definitions/sql-assets/sql-asset-error.js';
import { parameterize, parameterValues, parseSqlTemplate, withTypedNulls } from '../../src/definitions/sql-assets/sql-template.js';

const noop = async () => ({ value: {} });
const CODE: AnyAsset[] = [
  defineAsset({ key: 'silver/six', layer: 'silver', description: 'six-hourly', partitions: sixHourlyPartitions, materialize: noop }),
  defineAsset({ key: 'silver/day', layer: 'silver', description: 'daily', partitions: dailyPartitions, materialize: noop }),
  defineAsset({ key: 'silver/flat', layer: 'silver', description: 'unpartitioned', materialize: noop }),
];

let root: string;
let folders = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-sql-assets-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes `files` (relative path -> text) into a new folder and returns it. */
async function folder(files: Readonly<Record<string, string>>): Promise<string> {
  const dir = join(root, `f${folders++}`);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

async function load(files: Readonly<Record<string, string>>): Promise<AnyAsset[]> {
  return loadSqlAssets([await folder(files)], CODE);
}

/** The error loading `files` throws, with its message relative to the folder. */
async function loadError(files: Readonly<Record<string, string>>): Promise<SqlAssetError> {
  const dir = await folder(files);
  const error = await loadSqlAssets([dir], CODE).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SqlAssetError);
  const sqlError = error as SqlAssetError;
  expect(sqlError).toBeInstanceOf(DefinitionError);
  expect(sqlError.message.startsWith(`${sqlError.file}:${sqlError.line}: `)).toBe(true);
  return Object.assign(sqlError, { message: sqlError.message.replaceAll(`${dir}/`, '') });
}

describe('the header', () => {
  const text = [
    '-- asset: gold/top_movers',
    '-- Prose is fine: it does not start with a lowercase field name.',
    '-- deps: silver/six, silver/flat',
    '-- description: The ten biggest',
    '-- description: 24 h movers.',
    '-- group: markets',
    '-- owners: team-data@example.com, alice',
    '-- partitions: six_hourly',
    '-- check: no_negative_price: SELECT * FROM {{ this }} WHERE price < 0',
    '-- warn-check: few_rows: SELECT 1 WHERE (SELECT count(*) FROM {{ this }}) < 3',
    '',
    'SELECT 1 AS one',
  ].join('\n');

  it('reads every field, and the query after it', () => {
    const header = parseSqlHeader('top.sql', text);
    expect(header).toMatchObject({
      key: 'gold/top_movers',
      keyLine: 1,
      deps: [
        { key: 'silver/six', line: 3 },
        { key: 'silver/flat', line: 3 },
      ],
      description: 'The ten biggest 24 h movers.',
      group: 'markets',
      owners: ['team-data@example.com', 'alice'],
      partitions: { value: 'six_hourly', line: 8 },
      checks: [
        { name: 'no_negative_price', severity: 'error', query: 'SELECT * FROM {{ this }} WHERE price < 0', line: 9 },
        { name: 'few_rows', severity: 'warn', line: 10 },
      ],
      body: 'SELECT 1 AS one',
      bodyLine: 12,
    });
  });

  it('defines an asset that carries its file, text, group, owners and checks', async () => {
    const [asset] = await load({ 'top.sql': text });
    expect(asset).toMatchObject({
      key: 'gold/top_movers',
      layer: 'gold',
      name: 'top_movers',
      description: 'The ten biggest 24 h movers.',
      group: 'markets',
      owners: ['team-data@example.com', 'alice'],
      code: { language: 'sql', text },
    });
    expect(asset?.code?.file).toMatch(/top\.sql$/);
    expect(asset?.partitions).toBe(sixHourlyPartitions);
    expect(Object.keys(asset?.deps ?? {})).toEqual(['silver/six', 'silver/flat']);
    expect(asset?.checks.map((check) => [check.name, check.severity])).toEqual([
      ['no_negative_price', 'error'],
      ['few_rows', 'warn'],
    ]);
  });
});

describe('partitions and deps', () => {
  it('takes its deps\' partitions, reads SQL assets in any file order, and builds one graph with the code', async () => {
    const assets = await load({
      'a.sql': '-- asset: gold/a\n-- deps: gold/b\nSELECT * FROM gold.b',
      'b.sql': '-- asset: gold/b\n-- deps: silver/six, silver/flat\n-- description: b\nSELECT {{ partition_start }} AS at',
      'sub/folder/c.sql': '-- asset: gold/c\n-- deps: silver/flat\nSELECT 1 AS one',
    });
    expect(assets.map((asset) => [asset.key, asset.partitions?.kind ?? null])).toEqual([
      ['gold/a', 'six_hourly'],
      ['gold/b', 'six_hourly'],
      ['gold/c', null],
    ]);
    expect(assets[1]?.description).toBe('b');
    expect(assets[0]?.description).toMatch(/^SQL asset defined in .*a\.sql$/);
    const graph = buildGraph([...CODE, ...assets]);
    expect(graph.upstream.get('gold/a')).toEqual(['gold/b']);
  });

  it('reads each day of six-hourly deps as its four windows with `-- partitions: daily`', async () => {
    const [asset] = await load({ 'd.sql': '-- asset: gold/d\n-- deps: silver/six, silver/day\n-- partitions: daily\nSELECT 1 AS one' });
    expect(asset?.partitions).toBe(dailyPartitions);
    const deps = asset?.deps ?? {};
    expect(depMapping(deps['silver/six'] as never)?.name).toBe('daily_to_six_hourly');
    expect(depAsset(deps['silver/day'] as never).key).toBe('silver/day');
    expect(depMapping(deps['silver/day'] as never)).toBeUndefined();
    buildGraph([...CODE, asset as AnyAsset]);
  });

  it('reads nested folders once when both are given', async () => {
    const dir = await folder({ 'gold/x.sql': '-- asset: gold/x\nSELECT 1 AS one' });
    const assets = await loadSqlAssets([dir, join(dir, 'gold')], CODE);
    expect(assets.map((asset) => asset.key)).toEqual(['gold/x']);
  });
});

describe('placeholders', () => {
  const template = (text: string, allowThis = false) => parseSqlTemplate({ file: 'q.sql', text, firstLine: 5, allowThis });

  it('binds partition placeholders as numbered, typed parameters, the partition key first', () => {
    const parsed = template(
      "SELECT * FROM t -- {{ ignored }} in a comment\n/* {{ also }} */ WHERE at >= {{ partition_start }} AND at < {{partition_end}} AND k = {{ partition_key }} AND s = 'a;b' AND d = $x$ {{ no }} $x$;\n-- trailing",
    );
    expect([...parsed.partitionPlaceholders]).toEqual([
      ['partition_start', 6],
      ['partition_end', 6],
      ['partition_key', 6],
    ]);
    const { sql, order } = parameterize(parsed, ['partition_key']);
    expect(order).toEqual(['partition_key', 'partition_start', 'partition_end']);
    expect(sql).toContain('at >= ($2::timestamptz) AND at < ($3::timestamptz) AND k = ($1::text)');
    expect(sql).not.toContain(';\n');
    expect(withTypedNulls(parsed)).toContain('at >= (NULL::timestamptz) AND at < (NULL::timestamptz) AND k = (NULL::text)');
    const window = sixHourlyPartitions.parse('2025-02-09T12:00Z');
    expect(parameterValues(order, window)).toEqual(['2025-02-09T12:00Z', '2025-02-09T12:00:00.000Z', '2025-02-09T18:00:00.000Z']);
  });

  it('renders {{ this }} in a check as the table', () => {
    expect(parameterize(template('SELECT * FROM {{ this }} WHERE x < 0', true), [], '"gold"."t"').sql).toBe('SELECT * FROM "gold"."t" WHERE x < 0');
  });

  it.each([
    ['SELECT {{ foo }}', 5, 'unknown placeholder {{ foo }}'],
    ["SELECT 1\nWHERE k = '{{ partition_key }}'", 6, 'a placeholder inside quotes is plain text'],
    ['SELECT * FROM {{ this }}', 5, '{{ this }} is for checks'],
    ['SELECT 1;\nSELECT 2', 6, 'one query per file'],
    ['SELECT $1', 5, 'use {{ partition_key }}, {{ partition_start }} or {{ partition_end }} instead of $1'],
    ['INSERT INTO t VALUES (1)', 5, 'expected a query'],
    ['-- only a comment\n', 5, 'no query'],
    ['SELECT {{ partition_key', 5, 'unclosed {{'],
    ["SELECT 'open", 5, 'unterminated string'],
  ])('rejects %j at its line', (text, line, problem) => {
    expect(() => template(text)).toThrow(expect.objectContaining({ file: 'q.sql', line, message: expect.stringContaining(`q.sql:${line}: ${problem}`) }));
  });
});

describe('errors name the file and line', () => {
  it.each<[string, Record<string, string>, string]>([
    ['no asset line', { 'a.sql': '-- deps: silver/six\nSELECT 1' }, "a.sql:1: no '-- asset: layer/name' line"],
    ['a bad key', { 'a.sql': '-- description: x\n-- asset: Gold/Top\nSELECT 1' }, "a.sql:2: bad asset key 'Gold/Top'"],
    ['a bad dep key', { 'a.sql': '-- asset: gold/a\n-- deps: silver/six, six\nSELECT 1' }, "a.sql:2: bad dep key 'six'"],
    ['an unknown field', { 'a.sql': '-- asset: gold/a\n-- dep: silver/six\nSELECT 1' }, "a.sql:2: unknown header field 'dep'"],
    ['a field twice', { 'a.sql': '-- asset: gold/a\n-- group: x\n-- group: y\nSELECT 1' }, "a.sql:3: '-- group:' appears twice (first on line 2)"],
    ['bad partitions', { 'a.sql': '-- asset: gold/a\n-- partitions: hourly\nSELECT 1' }, "a.sql:2: partitions must be one of six_hourly, daily, none, not 'hourly'"],
    ['a check without a query', { 'a.sql': '-- asset: gold/a\n-- check: no_rows\nSELECT 1' }, "a.sql:2: expected '-- check: name: SELECT"],
    ['a bad check name', { 'a.sql': '-- asset: gold/a\n-- warn-check: No-Rows: SELECT 1\nSELECT 1' }, "a.sql:2: check name 'No-Rows' must be snake_case"],
    ['two checks of one name', { 'a.sql': '-- asset: gold/a\n-- check: c: SELECT 1\n-- warn-check: c: SELECT 2\nSELECT 1' }, "a.sql:3: two checks are named 'c'"],
    ['an unknown dep', { 'a.sql': '-- asset: gold/a\n\n-- deps: silver/six, silver/nope\nSELECT 1' }, "a.sql:3: unknown dep 'silver/nope'"],
    ['deps that disagree', { 'a.sql': '-- asset: gold/a\n-- deps: silver/six\n-- deps: silver/flat, silver/day\nSELECT 1' }, 'a.sql:3: deps disagree on partitions: silver/six is six_hourly but silver/day is daily'],
    ['none over a partitioned dep', { 'a.sql': '-- asset: gold/a\n-- deps: silver/six\n-- partitions: none\nSELECT 1' }, 'a.sql:3: an unpartitioned asset cannot depend on silver/six'],
    ['six-hourly over a daily dep', { 'a.sql': '-- asset: gold/a\n-- deps: silver/day\n-- partitions: six_hourly\nSELECT 1' }, 'a.sql:3: a six_hourly asset cannot depend on silver/day'],
    ['a key in two files', { 'a.sql': '-- asset: gold/a\nSELECT 1', 'b/a.sql': '\n-- asset: gold/a\nSELECT 1' }, "b/a.sql:2: asset 'gold/a' is also defined in a.sql:1"],
    ['a key defined in code', { 'a.sql': '-- asset: silver/six\nSELECT 1' }, "a.sql:1: asset 'silver/six' is already defined in code"],
    [
      'a cycle',
      { 'a.sql': '-- asset: gold/a\n-- deps: gold/b\nSELECT 1', 'b.sql': '-- asset: gold/b\n-- deps: gold/c\nSELECT 1', 'c.sql': '-- asset: gold/c\n-- deps: silver/six,gold/a\nSELECT 1' },
      'a.sql:2: dependency cycle gold/a -> gold/b -> gold/c -> gold/a (gold/a in a.sql, gold/b in b.sql, gold/c in c.sql)',
    ],
    ['a dep on itself', { 'a.sql': '-- asset: gold/a\n-- deps: gold/a\nSELECT 1' }, 'a.sql:2: dependency cycle gold/a -> gold/a'],
    ['a placeholder in the query', { 'a.sql': '-- asset: gold/a\n\nSELECT 1\nWHERE x = {{ partition }}' }, 'a.sql:4: unknown placeholder {{ partition }}'],
    ['a placeholder in a check', { 'a.sql': '-- asset: gold/a\n-- check: c: SELECT {{ that }}\nSELECT 1' }, 'a.sql:2: unknown placeholder {{ that }}'],
    ['a partition placeholder with no partition', { 'a.sql': '-- asset: gold/a\n-- deps: silver/flat\nSELECT 1\nWHERE d = {{ partition_key }}' }, 'a.sql:4: {{ partition_key }} in an unpartitioned asset'],
  ])('%s', async (_name, files, message) => {
    const error = await loadError(files);
    expect(error.message).toContain(message);
  });

  it('says which folder is missing', async () => {
    await expect(loadSqlAssets([join(root, 'nope')], CODE)).rejects.toThrow(/SQL asset folder '.*nope' does not exist/);
  });
});

/**
 * The table of a SQL-file asset, `<layer>.<name>`, written by one materialization in ONE
 * transaction (the caller's SqlSession): readers see the old rows until COMMIT, never a half
 * partition, and any failure rolls everything back, the table as it was.
 *
 * Column types come from the server: `CREATE TABLE <name>__new AS SELECT … WITH NO DATA`
 * plans the query (placeholders as typed NULLs) without running it. That gives the exact types
 * (numeric(20,8), arrays, domains, enums) the same way on Postgres and PGlite, with no OID-to-
 * name table in TypeScript (a `LIMIT 0` query's field OIDs carry no typmod on PGlite). It costs
 * one catalog create and drop per materialization, nothing next to the query itself.
 *
 * When the query's columns differ from the table's (the file was edited: a column added,
 * removed, retyped or moved), the same transaction rebuilds the table, like dbt's
 * `on_schema_change: sync_all_columns`: the new table takes the query's shape, the other
 * partitions' rows are copied over for every column whose name and type are unchanged, and
 * added or retyped columns are NULL in them until those partitions are materialized again.
 * Their rows are kept rather than dropped because Strata still records those partitions as
 * materialized; the step logs a warning and records `schema_changed` and the columns. A rebuild
 * that fails (the new query errors, a view depends on the table) rolls back to the old table.
 *
 * Strata marks the tables it creates with a comment and refuses to write into one it did not
 * create, so an asset named like an existing table (`silver/coins`) cannot replace its rows.
 */
import type { SqlSession } from '../../storage/index.js';

export interface SqlTable {
  readonly assetKey: string;
  readonly schema: string;
  readonly name: string;
  /** Partitioned tables have a `partition_key text NOT NULL` first column, indexed. */
  readonly partitioned: boolean;
}

export interface TableQuery {
  /** The query with `$n` parameters; `$1` is the partition key when partitioned. */
  readonly sql: string;
  readonly parameters: readonly unknown[];
  /** The same query with typed NULLs for the placeholders, to plan the table's shape. */
  readonly shapeSql: string;
}

export interface SchemaChange {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly retyped: readonly string[];
}

export interface TableWrite {
  readonly rows: number;
  /** The query's columns (without partition_key). */
  readonly columns: number;
  readonly created: boolean;
  /** Set when the table was rebuilt to a new shape. */
  readonly schemaChange: SchemaChange | null;
}

interface Column {
  readonly name: string;
  readonly type: string;
}

const PARTITION_COLUMN = 'partition_key';

export function qualifiedName(table: SqlTable): string {
  return `"${table.schema}"."${table.name}"`;
}

function marker(table: SqlTable): string {
  return `strata sql asset ${table.assetKey}`;
}

/** Replaces the partition's rows (`partitionKey`), or all rows of an unpartitioned table. */
export async function writeTable(session: SqlSession, table: SqlTable, query: TableQuery, partitionKey: string | undefined): Promise<TableWrite> {
  const target = qualifiedName(table);
  const staging = `"${table.schema}"."${table.name}__new"`;
  // Two partitions of one asset may run at once: one creates or rebuilds the table at a time.
  await session.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`strata sql asset ${target}`]);
  // Only when missing: CREATE SCHEMA IF NOT EXISTS checks the CREATE privilege on the database first.
  const schema = await session.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [table.schema]);
  if (schema.rows.length === 0) await session.query(`CREATE SCHEMA IF NOT EXISTS "${table.schema}"`);
  const existing = await describeExisting(session, table);
  const partitionColumn = table.partitioned ? `NULL::text AS ${PARTITION_COLUMN}, ` : '';
  await session.query(`CREATE TABLE ${staging} AS SELECT ${partitionColumn}q.* FROM (\n${query.shapeSql}\n) AS q WITH NO DATA`);
  const columns = await columnsOf(session, staging);
  let schemaChange: SchemaChange | null = null;
  if (existing !== undefined && sameColumns(existing, columns)) {
    await session.query(`DROP TABLE ${staging}`);
  } else {
    if (existing !== undefined) {
      schemaChange = compareColumns(existing, columns);
      await copyOtherPartitions(session, { table, from: target, to: staging, existing, columns, partitionKey });
      await session.query(`DROP TABLE ${target}`);
    }
    await session.query(`ALTER TABLE ${staging} RENAME TO "${table.name}"`);
    if (table.partitioned) {
      await session.query(`ALTER TABLE ${target} ALTER COLUMN ${PARTITION_COLUMN} SET NOT NULL`);
      await session.query(`CREATE INDEX ON ${target} (${PARTITION_COLUMN})`);
    }
    await session.query(`COMMENT ON TABLE ${target} IS '${marker(table)}'`);
  }
  const names = columns.map((column) => `"${column.name}"`).join(', ');
  if (table.partitioned) {
    await session.query(`DELETE FROM ${target} WHERE ${PARTITION_COLUMN} = $1`, [partitionKey]);
    const inserted = await session.query(`INSERT INTO ${target} (${names}) SELECT $1::text, q.* FROM (\n${query.sql}\n) AS q`, query.parameters);
    return { rows: inserted.rowCount, columns: columns.length - 1, created: existing === undefined, schemaChange };
  }
  await session.query(`DELETE FROM ${target}`);
  const inserted = await session.query(`INSERT INTO ${target} (${names}) SELECT q.* FROM (\n${query.sql}\n) AS q`, query.parameters);
  return { rows: inserted.rowCount, columns: columns.length, created: existing === undefined, schemaChange };
}

/** The table's columns, or undefined when there is none; throws when Strata did not create it. */
async function describeExisting(session: SqlSession, table: SqlTable): Promise<Column[] | undefined> {
  const found = await session.query<{ kind: string; comment: string | null }>(
    `SELECT c.relkind::text AS kind, obj_description(c.oid, 'pg_class') AS comment
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2`,
    [table.schema, table.name],
  );
  const relation = found.rows[0];
  if (relation === undefined) return undefined;
  if (relation.kind !== 'r' || relation.comment !== marker(table)) {
    throw new Error(
      `${table.schema}.${table.name} already exists and was not created by the SQL asset ${table.assetKey}; ` +
        'rename the asset, or drop that table if it is a leftover',
    );
  }
  return columnsOf(session, qualifiedName(table));
}

async function columnsOf(session: SqlSession, relation: string): Promise<Column[]> {
  const result = await session.query<Column>(
    `SELECT attname::text AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
      WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [relation],
  );
  return result.rows;
}

function sameColumns(a: readonly Column[], b: readonly Column[]): boolean {
  return a.length === b.length && a.every((column, index) => column.name === b[index]?.name && column.type === b[index]?.type);
}

function compareColumns(before: readonly Column[], after: readonly Column[]): SchemaChange {
  const typeBefore = new Map(before.map((column) => [column.name, column.type]));
  const namesAfter = new Set(after.map((column) => column.name));
  return {
    added: after.filter((column) => !typeBefore.has(column.name)).map((column) => column.name),
    removed: before.filter((column) => !namesAfter.has(column.name)).map((column) => column.name),
    retyped: after.filter((column) => typeBefore.has(column.name) && typeBefore.get(column.name) !== column.type).map((column) => column.name),
  };
}

interface CopyPlan {
  readonly table: SqlTable;
  readonly from: string;
  readonly to: string;
  readonly existing: readonly Column[];
  readonly columns: readonly Column[];
  readonly partitionKey: string | undefined;
}

/**
 * Copies the other partitions' rows into the rebuilt table, in the columns whose name and type
 * did not change. An unpartitioned table (or one that was unpartitioned before) keeps nothing:
 * all its rows are replaced anyway.
 */
async function copyOtherPartitions(session: SqlSession, plan: CopyPlan): Promise<void> {
  const hadPartitions = plan.existing.some((column) => column.name === PARTITION_COLUMN && column.type === 'text');
  if (!plan.table.partitioned || !hadPartitions) return;
  const kept = plan.columns.filter((column) => plan.existing.some((old) => old.name === column.name && old.type === column.type));
  const names = kept.map((column) => `"${column.name}"`).join(', ');
  await session.query(`INSERT INTO ${plan.to} (${names}) SELECT ${names} FROM ${plan.from} WHERE ${PARTITION_COLUMN} <> $1`, [plan.partitionKey]);
}

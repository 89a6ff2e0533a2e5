/**
 * One SQL-file asset as an asset definition: its `materialize` writes the query's result into
 * `<layer>.<name>` (sql-table.ts) and returns the table and row count as its output value.
 *
 * A partitioned asset's query is run for one partition, with its key and window bound to the
 * placeholders; whatever the query returns becomes that partition's rows. A query that uses no
 * placeholder therefore stores its whole result under each partition it is run for (a snapshot
 * of its sources at that time), which is what it says, if rarely what is meant.
 */
import { z } from 'zod';
import { type AnyAsset, type DepsSpec, defineAsset } from '../../core/asset.js';
import type { Layer, Metadata, PartitionsDefinition } from '../../core/types.js';
import type { SqlHeader } from './parse-sql-header.js';
import { defineSqlCheck } from './sql-check.js';
import { type SchemaChange, type SqlTable, qualifiedName, writeTable } from './sql-table.js';
import { type SqlTemplate, parameterValues, parameterize, withTypedNulls } from './sql-template.js';

const SqlAssetOutput = z.object({ table: z.string(), rows: z.number().int().nonnegative() });

export interface SqlAssetParts {
  readonly header: SqlHeader;
  readonly query: SqlTemplate;
  readonly checks: readonly SqlTemplate[];
  readonly deps: DepsSpec;
  readonly partitions: PartitionsDefinition | undefined;
}

export function defineSqlAsset(parts: SqlAssetParts): AnyAsset {
  const { header, partitions } = parts;
  const [layer, name] = header.key.split('/') as [Layer, string];
  const table: SqlTable = { assetKey: header.key, schema: layer, name, partitioned: partitions !== undefined };
  const tableName = qualifiedName(table);
  const { sql, order } = parameterize(parts.query, partitions === undefined ? [] : ['partition_key']);
  const shapeSql = withTypedNulls(parts.query);
  return defineAsset({
    key: header.key,
    layer,
    description: header.description ?? `SQL asset defined in ${header.file}`,
    deps: parts.deps,
    ...(partitions === undefined ? {} : { partitions }),
    ...(header.group === undefined ? {} : { group: header.group }),
    ...(header.owners === undefined ? {} : { owners: header.owners }),
    ...(header.automation === undefined ? {} : { automation: header.automation }),
    code: { language: 'sql', file: header.file, text: header.text },
    output: SqlAssetOutput,
    checks: header.checks.map((check, index) => defineSqlCheck(check, parts.checks[index] as SqlTemplate, tableName)),
    async materialize(ctx) {
      const parameters = parameterValues(order, ctx.partition);
      const written = await ctx.resources.database.withSession((session) => writeTable(session, table, { sql, parameters, shapeSql }, ctx.partition?.key));
      const metadata: Record<string, Metadata[string]> = { rows: written.rows, columns: written.columns, table: `${layer}.${name}` };
      if (written.created) metadata['table_created'] = true;
      if (written.schemaChange !== null) {
        Object.assign(metadata, schemaChangeMetadata(written.schemaChange));
        ctx.log.warn(
          `${layer}.${name} was rebuilt for the query's new columns (${describeChange(written.schemaChange)}); ` +
            'rows of other partitions were kept, with added or retyped columns NULL: materialize those partitions again to fill them',
        );
      }
      return { value: { table: `${layer}.${name}`, rows: written.rows }, metadata };
    },
  });
}

function schemaChangeMetadata(change: SchemaChange): Metadata {
  return {
    schema_changed: true,
    columns_added: change.added.join(', '),
    columns_removed: change.removed.join(', '),
    columns_retyped: change.retyped.join(', '),
  };
}

function describeChange(change: SchemaChange): string {
  const parts = [
    change.added.length > 0 ? `added ${change.added.join(', ')}` : '',
    change.removed.length > 0 ? `removed ${change.removed.join(', ')}` : '',
    change.retyped.length > 0 ? `retyped ${change.retyped.join(', ')}` : '',
  ].filter((part) => part !== '');
  return parts.length === 0 ? 'columns reordered' : parts.join('; ');
}

/**
 * A check declared in a SQL-file asset's header (`-- check: name: SELECT …`): the query returns
 * the offending rows, and the check fails when it returns any, with their count and the first
 * one in the message. `{{ this }}` is the asset's whole table (as in a dbt test); a partitioned
 * asset's check may narrow itself to the partition just written with
 * `WHERE partition_key = {{ partition_key }}`.
 */
import { type AssetCheck, defineCheck } from '../../core/check.js';
import type { SqlCheckHeader } from './parse-sql-header.js';
import { type SqlTemplate, parameterValues, parameterize } from './sql-template.js';

/** Longest first offending row shown in a check's message, in characters. */
const MAX_ROW_TEXT = 300;
const COUNT_COLUMN = '__strata_offending_rows';

export function defineSqlCheck(header: SqlCheckHeader, template: SqlTemplate, table: string): AssetCheck<unknown> {
  const { sql, order } = parameterize(template, [], table);
  // One query gives the count and the first row; the newline ends a trailing `--` comment.
  const statement = `SELECT q.*, count(*) OVER () AS ${COUNT_COLUMN} FROM (\n${sql}\n) AS q LIMIT 1`;
  return defineCheck({
    name: header.name,
    severity: header.severity,
    description: `No rows from: ${header.query}`,
    async evaluate(ctx) {
      const parameters = parameterValues(order, ctx.partition);
      const { rows } = await ctx.resources.database.withSession((session) => session.query(statement, parameters));
      const first = rows[0];
      if (first === undefined) return { passed: true, metadata: { offending_rows: 0 } };
      const { [COUNT_COLUMN]: count, ...row } = first;
      const offending = Number(count);
      return {
        passed: false,
        message: `${offending} offending ${offending === 1 ? 'row' : 'rows'}; first: ${rowText(row)}`,
        metadata: { offending_rows: offending },
      };
    },
  });
}

function rowText(row: Record<string, unknown>): string {
  const text = JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  return text.length > MAX_ROW_TEXT ? `${text.slice(0, MAX_ROW_TEXT)}…` : text;
}

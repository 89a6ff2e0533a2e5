import { sql, type RawBuilder } from 'kysely';
import type { Resources } from '../../index.js';

/** The first row of a check's query (counts cast to int, NUMERIC values as exact strings). */
export async function firstRow<R>(resources: Resources, query: RawBuilder<R>): Promise<R> {
  const { rows } = await query.execute(resources.database.db);
  const [row] = rows;
  if (row === undefined) throw new Error('the check query returned no row');
  return row;
}

export { sql };

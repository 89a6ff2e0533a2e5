import type { SqlSession } from '../../index.js';
import { loadSql } from '../sql-files.js';

/**
 * Replaces one snapshot's rows of a gold mart in one transaction: DELETE then INSERT from the
 * mart's SQL. Readers keep seeing the old rows until COMMIT, never an empty or half mart.
 */
export async function rebuildSnapshot(
  withSession: <T>(work: (session: SqlSession) => Promise<T>) => Promise<T>,
  table: string,
  sqlFile: string,
  parameters: readonly unknown[],
): Promise<number> {
  return withSession(async (session) => {
    await session.query(`DELETE FROM ${table} WHERE snapshot_at = $1::timestamptz`, [parameters[0]]);
    const inserted = await session.query(loadSql(sqlFile), parameters);
    return inserted.rowCount;
  });
}

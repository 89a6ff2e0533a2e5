/** The newest result of every asset check that is currently failing, across all assets. */
import type { Runtime } from '../../runtime.js';
import type { StoredCheckResult } from '../../storage/index.js';

export async function failingChecks(runtime: Runtime): Promise<StoredCheckResult[]> {
  const rows = await runtime.database.db
    .selectFrom('strata.check_results')
    .selectAll()
    .distinctOn(['asset_key', 'check_name'])
    .orderBy('asset_key')
    .orderBy('check_name')
    .orderBy('evaluated_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows
    .filter((row) => !row.passed)
    .map((row) => ({
      assetKey: row.asset_key,
      partitionKey: row.partition_key === '' ? null : row.partition_key,
      runId: row.run_id,
      check: row.check_name,
      severity: row.severity,
      passed: row.passed,
      message: row.message,
      metadata: row.metadata as StoredCheckResult['metadata'],
      at: row.evaluated_at,
    }))
    .sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
}

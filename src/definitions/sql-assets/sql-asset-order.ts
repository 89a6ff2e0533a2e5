/**
 * The order to define SQL-file assets in: each after the SQL assets it depends on, since its
 * definition holds theirs (and takes their partitions). Kahn's algorithm, ties in file order,
 * so the order (and the first error) is the same on every load; no recursion, so a chain of
 * thousands of files is fine.
 */
import type { SqlHeader } from './parse-sql-header.js';
import { SqlAssetError } from './sql-asset-error.js';

/** Throws SqlAssetError for a dep no asset has and for a cycle (with its path and files). */
export function orderSqlAssets(headers: readonly SqlHeader[], codeKeys: ReadonlySet<string>): SqlHeader[] {
  const byKey = new Map(headers.map((header) => [header.key, header]));
  const waitingOn = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const header of headers) {
    let count = 0;
    for (const dep of header.deps) {
      if (byKey.has(dep.key)) {
        count++;
        const list = dependents.get(dep.key) ?? [];
        list.push(header.key);
        dependents.set(dep.key, list);
      } else if (!codeKeys.has(dep.key)) {
        throw new SqlAssetError(header.file, dep.line, `unknown dep '${dep.key}': no asset in code or in the SQL folders has that key`);
      }
    }
    waitingOn.set(header.key, count);
  }
  const ordered: SqlHeader[] = headers.filter((header) => waitingOn.get(header.key) === 0);
  for (let next = 0; next < ordered.length; next++) {
    for (const dependent of dependents.get((ordered[next] as SqlHeader).key) ?? []) {
      const left = (waitingOn.get(dependent) as number) - 1;
      waitingOn.set(dependent, left);
      if (left === 0) ordered.push(byKey.get(dependent) as SqlHeader);
    }
  }
  if (ordered.length < headers.length) throw cycleError(headers, byKey, waitingOn);
  return ordered;
}

/** Every asset still waiting depends on another still waiting: walking those deps must loop. */
function cycleError(headers: readonly SqlHeader[], byKey: ReadonlyMap<string, SqlHeader>, waitingOn: ReadonlyMap<string, number>): SqlAssetError {
  const stuck = (key: string) => (waitingOn.get(key) ?? 0) > 0;
  const path: SqlHeader[] = [];
  const seenAt = new Map<string, number>();
  let current = headers.find((header) => stuck(header.key)) as SqlHeader;
  while (!seenAt.has(current.key)) {
    seenAt.set(current.key, path.length);
    path.push(current);
    const dep = current.deps.find((candidate) => byKey.has(candidate.key) && stuck(candidate.key));
    current = byKey.get(dep?.key ?? '') as SqlHeader;
  }
  const cycle = path.slice(seenAt.get(current.key));
  const first = cycle[0] as SqlHeader;
  const line = first.deps.find((dep) => dep.key === (cycle[1] ?? first).key)?.line ?? first.keyLine;
  const keys = [...cycle, first].map((header) => header.key).join(' -> ');
  const files = cycle.map((header) => `${header.key} in ${header.file}`).join(', ');
  return new SqlAssetError(first.file, line, `dependency cycle ${keys} (${files})`);
}

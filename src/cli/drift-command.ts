import { listDrift } from '../pipeline/silver/schema-drift.js';
import type { Runtime } from '../runtime.js';
import { formatTable, print } from './output.js';

/** `strata drift [--json]`: the schema drift history of the sources, newest first. */
export async function driftCommand(runtime: Runtime, options: { json: boolean }): Promise<number> {
  const drift = await runtime.database.withSession((session) => listDrift(session));
  if (options.json) {
    print(JSON.stringify(drift, null, 2));
    return 0;
  }
  if (drift.length === 0) {
    print('no schema drift recorded');
    return 0;
  }
  const rows = drift.map((d) => [d.source, d.kind, d.field, d.firstSeenAt.toISOString(), d.lastSeenAt.toISOString(), d.firstPartition, d.lastPartition]);
  print(formatTable(['SOURCE', 'KIND', 'FIELD', 'FIRST SEEN', 'LAST SEEN', 'FIRST PARTITION', 'LAST PARTITION'], rows));
  return 0;
}

import type { Runtime } from '../runtime.js';
import { listMaterializations } from '../storage/index.js';
import { formatTable, print } from './output.js';

/** `strata assets [--json]`: the graph in topological order with each asset's latest materialization. */
export async function assetsCommand(runtime: Runtime, args: { json: boolean }): Promise<number> {
  const { graph } = runtime;
  const rows = await Promise.all(
    graph.nodes.map(async (node) => {
      const [latest] = await listMaterializations(runtime.database.db, node.key, 1);
      return { ...node, upstream: graph.upstream.get(node.key) ?? [], latest: latest ?? null };
    }),
  );
  if (args.json) {
    print(JSON.stringify({ assets: rows, edges: graph.edges }, null, 2));
    return 0;
  }
  print(
    formatTable(
      ['asset', 'partitions', 'upstream', 'last materialized', 'partition'],
      rows.map((row) => [
        row.key,
        row.partitions ?? '-',
        row.upstream.join(', ') || '-',
        row.latest ? row.latest.at.toISOString() : 'never',
        row.latest?.partitionKey ?? '',
      ]),
    ),
  );
  return 0;
}

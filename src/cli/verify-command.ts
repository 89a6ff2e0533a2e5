import { verifyIntegrity, type IntegrityReport } from '../pipeline/verify-integrity.js';
import type { Runtime } from '../runtime.js';
import { print } from './output.js';

/** What `strata verify --json` prints: stable field names for scripts and monitoring. */
export interface VerifyJson {
  readonly ok: boolean;
  readonly checked: {
    readonly bronzeFiles: number;
    /** Bronze partition folders whose manifests were read. */
    readonly partitions: number;
    readonly silverPartitions: number;
    readonly bronzeFilesByAsset: Readonly<Record<string, number>>;
    readonly silverPartitionsByAsset: Readonly<Record<string, number>>;
  };
  readonly mismatches: readonly { readonly path: string; readonly problem: string }[];
}

export function verifyJson(report: IntegrityReport): VerifyJson {
  return {
    ok: report.mismatches.length === 0,
    checked: {
      bronzeFiles: report.bronzeFiles,
      partitions: report.bronzePartitions,
      silverPartitions: report.silverPartitions,
      bronzeFilesByAsset: report.bronzeFilesByAsset,
      silverPartitionsByAsset: report.silverPartitionsByAsset,
    },
    mismatches: report.mismatches.map(({ path, problem }) => ({ path, problem })),
  };
}

/** `name 2, other 1`, sorted by name. */
function byName(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
}

/**
 * `strata verify [--json]`: one line per mismatch, then a summary (or one JSON report); exit 1
 * on any mismatch, 0 when clean.
 */
export async function verifyCommand(runtime: Runtime, options: { json?: boolean } = {}): Promise<number> {
  const report = await verifyIntegrity(runtime.resources);
  const ok = report.mismatches.length === 0;
  if (options.json === true) {
    print(JSON.stringify(verifyJson(report), null, 2));
    return ok ? 0 : 1;
  }
  for (const mismatch of report.mismatches) print(`MISMATCH ${mismatch.path}: ${mismatch.problem}`);
  const bronze = `${report.bronzeFiles} bronze files in ${report.bronzePartitions} partitions (${byName(report.bronzeFilesByAsset) || 'none'})`;
  const silver = `${report.silverPartitions} silver partitions (${byName(report.silverPartitionsByAsset)})`;
  print(ok ? `ok: ${bronze}, ${silver}` : `${report.mismatches.length} mismatch(es) in ${bronze}, ${silver}`);
  return ok ? 0 : 1;
}

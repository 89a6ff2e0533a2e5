import { verifyIntegrity } from '../pipeline/verify-integrity.js';
import type { Runtime } from '../runtime.js';
import { print } from './output.js';

/** `strata verify`: one line per mismatch, then a summary; exit 1 on any mismatch, 0 when clean. */
export async function verifyCommand(runtime: Runtime): Promise<number> {
  const report = await verifyIntegrity(runtime.resources);
  for (const mismatch of report.mismatches) print(`MISMATCH ${mismatch.path}: ${mismatch.problem}`);
  const checked = `${report.bronzeFiles} bronze files in ${report.bronzePartitions} partitions, ${report.silverPartitions} silver partitions`;
  print(report.mismatches.length === 0 ? `ok: ${checked}` : `${report.mismatches.length} mismatch(es) in ${checked}`);
  return report.mismatches.length === 0 ? 0 : 1;
}

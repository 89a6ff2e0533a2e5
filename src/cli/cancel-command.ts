import { requestCancel } from '../daemon/cancel-run.js';
import type { Runtime } from '../runtime.js';
import { print } from './output.js';

/** `strata cancel <run-id>`: a queued run ends now; a running one within about 2 s. */
export async function cancelCommand(runtime: Runtime, runId: string): Promise<number> {
  const run = await requestCancel(runtime, runId);
  print(run.status === 'CANCELED' ? `run ${run.id} canceled` : `run ${run.id} is ${run.status}: cancel requested, its worker stops it within seconds`);
  return 0;
}

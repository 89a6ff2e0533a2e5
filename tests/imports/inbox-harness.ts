/**
 * The csv_inbox sensor evaluated as the daemon would, over real files and a real database: the
 * context double keeps the cursor between looks and answers runForKey from the runs this harness
 * stored for the sensor's requests (a small map of run key → run id; the daemon's own
 * runForKey reads them the same way). Requested runs are stored QUEUED with queueRun and
 * executed on demand with executeStoredRun, so a test sees a file's run queued, then ended.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ManualClock } from '../../src/core/clock.js';
import type { SensorDefinition, SensorResult, SensorRun } from '../../src/core/sensor.js';
import type { Resources } from '../../src/core/types.js';
import { executeStoredRun, queueRun } from '../../src/daemon/execute-run.js';
import type { Runtime } from '../../src/runtime.js';
import { getRun } from '../../src/storage/index.js';

export const HEADER = 'coin_id,snapshot_at,symbol,name,price_usd';

/** A valid quotes file whose bytes differ per `seed`, so each test's files have their own run keys. */
export function quotesCsv(seed: string, lines = 2): string {
  const rows = Array.from({ length: lines }, (_, index) => `coin-${seed}-${index},2026-11-23T06:00:00Z,c${index},Coin ${index},${index + 1}.5`);
  return `${HEADER}\n${rows.join('\n')}\n`;
}

export function sha256(bytes: string | Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function drop(inboxDir: string, path: string, bytes: string | Buffer): Promise<void> {
  await mkdir(dirname(join(inboxDir, path)), { recursive: true });
  await writeFile(join(inboxDir, path), bytes);
}

export interface SensorHarness {
  readonly clock: ManualClock;
  readonly logs: string[];
  cursor: string | undefined;
  /** One evaluation; its requests are stored as QUEUED runs (an existing run key returns its run, as the daemon's would). */
  look(): Promise<SensorResult>;
  /** Executes every queued run the sensor requested, to its end. */
  runQueued(): Promise<void>;
  /** Stands in for a run the database does not hold (a canceled one, say). */
  fakeRun(runKey: string, run: SensorRun): void;
  /** Run ids per run key the sensor requested. */
  readonly requested: ReadonlyMap<string, string>;
}

export function sensorHarness(runtime: Runtime, sensor: SensorDefinition, clock: ManualClock): SensorHarness {
  const requested = new Map<string, string>();
  const fakes = new Map<string, SensorRun>();
  const logs: string[] = [];
  const log = (level: string) => (message: string) => void logs.push(`${level}: ${message}`);
  let lastEvaluatedAt: Date | undefined;
  const harness: SensorHarness = {
    clock,
    logs,
    cursor: undefined,
    requested,
    async look() {
      const result =
        (await sensor.evaluate({
          sensorName: sensor.name,
          cursor: harness.cursor,
          lastEvaluatedAt,
          clock,
          log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
          resources: runtime.resources as Resources,
          signal: new AbortController().signal,
          runForKey: (runKey) => runForKey(runtime, requested, fakes, runKey),
        })) ?? {};
      lastEvaluatedAt = clock.now();
      if (result.cursor !== undefined) harness.cursor = result.cursor;
      for (const request of result.runRequests ?? []) {
        const runKey = request.runKey as string;
        const run = await queueRun(runtime, { selection: request.selection, tags: request.tags ?? {}, runKey: `sensor:${sensor.name}:${runKey}`, trigger: 'sensor' });
        requested.set(runKey, run.id);
      }
      return result;
    },
    async runQueued() {
      for (const id of requested.values()) {
        const run = await getRun(runtime.database.db, id);
        if (run?.status === 'QUEUED') await executeStoredRun(runtime, run);
      }
    },
    fakeRun(runKey, run) {
      fakes.set(runKey, run);
    },
  };
  return harness;
}

async function runForKey(runtime: Runtime, requested: ReadonlyMap<string, string>, fakes: ReadonlyMap<string, SensorRun>, runKey: string): Promise<SensorRun | undefined> {
  const fake = fakes.get(runKey);
  if (fake !== undefined) return fake;
  const id = requested.get(runKey);
  const run = id === undefined ? undefined : await getRun(runtime.database.db, id);
  if (run === undefined) return undefined;
  return { id: run.id, runKey, status: run.status, error: run.error, createdAt: run.createdAt, endedAt: run.endedAt, tags: run.tags, retryPending: false };
}

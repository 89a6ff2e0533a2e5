/**
 * The user projects the sensor process tests run: definitions modules written against the
 * public API, as a team's project is, with sensors that misbehave on purpose. Files they write
 * (`hanging.pid`, `handled.log`) land in the project folder so the test can watch them.
 */
import { STRATA } from '../../helpers/definitions-project.js';

const ASSETS = `
const raw = defineAsset({ key: 'bronze/raw', layer: 'bronze', description: 'succeeds', materialize: async () => ({ value: 1 }) });
const broken = defineAsset({
  key: 'bronze/broken', layer: 'bronze', description: 'fails on purpose',
  materialize: async () => { throw new Error('broken on purpose'); },
});`;

const ON_FAILURE = `
const onFailure = defineRunStatusSensor({
  name: 'on_failure', on: ['failure'], minimumIntervalSeconds: 30,
  handle(ctx) {
    appendFileSync(join(dir, 'handled.log'), JSON.stringify({ runId: ctx.run.id, pid: process.pid, failedSteps: ctx.failedSteps }) + '\\n');
    return undefined;
  },
});`;

/** Two daemons' worth of sensors: a counting one, three broken ones, one that hangs the first daemon to claim it, and a run-status sensor. */
export function multiDaemonProject(): string {
  return `import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineAsset, defineDefinitions, defineRunStatusSensor, defineSensor } from '${STRATA}';

const dir = import.meta.dirname;
${ASSETS}

// Each evaluation moves the cursor by one; every third shares a run key.
const counter = defineSensor({
  name: 'counter', minimumIntervalSeconds: 0.2,
  evaluate(ctx) {
    const n = Number(ctx.cursor ?? '0');
    ctx.log.info('counted ' + n);
    return { runRequests: [{ selection: 'bronze/raw', runKey: 'batch-' + Math.floor(n / 3) }], cursor: String(n + 1) };
  },
});
const thrower = defineSensor({ name: 'thrower', minimumIntervalSeconds: 0.2, evaluate() { throw new Error('thrower always fails'); } });
const malformed = defineSensor({ name: 'malformed', minimumIntervalSeconds: 0.2, evaluate: () => ({ runRequests: [{ runKey: 'no-selection' }] }) });
const unknownAsset = defineSensor({ name: 'unknown_asset', minimumIntervalSeconds: 0.2, evaluate: () => ({ runRequests: [{ selection: 'silver/missing_asset' }] }) });
// The first daemon to claim it hangs (and is SIGKILLed by the test); whoever claims it after says so.
const takeover = defineSensor({
  name: 'takeover', minimumIntervalSeconds: 0.2,
  async evaluate(ctx) {
    const marker = join(dir, 'hanging.pid');
    if (existsSync(marker)) return { skipReason: 'taken over from a killed daemon', cursor: 'taken-over' };
    writeFileSync(marker, String(process.pid));
    return new Promise(() => {});
  },
});
${ON_FAILURE}

export default defineDefinitions({ assets: [raw, broken], sensors: [counter, thrower, malformed, unknownAsset, takeover, onFailure] });
`;
}

/** For \`strata start\` on the embedded database: a sensor asks once for a failing run; the run-status sensor handles its failure. */
export function embeddedProject(): string {
  return `import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineAsset, defineDefinitions, defineRunStatusSensor, defineSensor } from '${STRATA}';

const dir = import.meta.dirname;
${ASSETS}

const once = defineSensor({
  name: 'ask_once', minimumIntervalSeconds: 0.5,
  evaluate: (ctx) => (ctx.cursor === undefined ? { runRequests: [{ selection: 'bronze/broken', runKey: 'once' }], cursor: 'asked' } : { skipReason: 'already asked' }),
});
${ON_FAILURE}

export default defineDefinitions({ assets: [raw, broken], sensors: [once, onFailure] });
`;
}

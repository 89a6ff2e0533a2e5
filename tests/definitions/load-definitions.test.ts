/**
 * Loading a definitions module validates everything before anything runs, and every failure
 * names the file (and the line when there is one): a module that throws or exports the wrong
 * thing, duplicate keys, unknown deps, cycles, partition mismatches, schedules that select
 * nothing that exists, unknown schedule overrides.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { DefinitionsLoadError } from '../../src/definitions/definitions-error.js';
import { loadDefinitions } from '../../src/definitions/load-definitions.js';
import { SHIPPED_DEFINITIONS } from '../../src/runtime.js';
import { createTestProject, STRATA, STRATA_PIPELINE, type TestProject } from '../helpers/definitions-project.js';

const config = loadConfig({ STRATA_DATA_DIR: '/nonexistent' });
let project: TestProject;

beforeAll(() => {
  project = createTestProject();
});
afterAll(() => project.remove());

async function loadError(file: string, env: Record<string, string> = {}): Promise<DefinitionsLoadError> {
  const error = await loadDefinitions(file, { config: loadConfig({ STRATA_DATA_DIR: '/nonexistent', ...env }) }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(DefinitionsLoadError);
  return error as DefinitionsLoadError;
}

const asset = (key: string, extra = '') =>
  `defineAsset({ key: '${key}', layer: '${key.split('/')[0]}', description: 'd', ${extra} materialize: async () => ({ value: 1 }) })`;

describe('loading definitions', () => {
  it('loads the shipped pipeline through the same loader, and a project that extends it', async () => {
    const shipped = await loadDefinitions(SHIPPED_DEFINITIONS, { config });
    expect(shipped.graph.nodes.map((node) => node.key)).toContain('gold/crypto_analytics_mart');
    expect(shipped.schedules.map((schedule) => schedule.name)).toEqual(['every_6_hours', 'daily']);
    const file = project.write(
      'extends.ts',
      `import { defineAsset, defineDefinitions, type DefinitionsContext } from '${STRATA}';
import cryptoPipeline, { marketSnapshots } from '${STRATA_PIPELINE}';
const movers = ${asset('gold/movers', 'deps: { marketSnapshots }, partitions: marketSnapshots.partitions,')};
export default (context: DefinitionsContext) => defineDefinitions({ include: [cryptoPipeline(context)], assets: [movers] });
`,
    );
    const loaded = await loadDefinitions(file, { config });
    expect(loaded.graph.upstream.get('gold/movers')).toEqual(['silver/market_snapshots']);
    expect(loaded.graph.nodes).toHaveLength(shipped.graph.nodes.length + 1);
    expect(loaded.migrations).toEqual(shipped.migrations);
  });

  it("loads README's example project (tests/fixtures/readme-project): a TypeScript and a SQL asset on the shipped pipeline", async () => {
    const loaded = await loadDefinitions(join(import.meta.dirname, '../fixtures/readme-project/definitions.ts'), { config });
    expect(loaded.graph.upstream.get('gold/big_movers')).toEqual(['silver/market_snapshots']);
    expect(loaded.graph.upstream.get('gold/top_movers')).toEqual(['silver/market_snapshots']);
    expect(loaded.graph.nodes.find((node) => node.key === 'gold/top_movers')).toMatchObject({ partitions: 'six_hourly' });
    expect(loaded.schedules.map((schedule) => schedule.name)).toContain('movers_hourly');
  });

  it('names a missing file', async () => {
    const error = await loadError(`${project.dir}/missing.ts`);
    expect(error.message).toBe(`${project.dir}/missing.ts: no such file: set STRATA_DEFINITIONS to a .ts or .js module that exports definitions`);
  });

  it('refuses a module that would load as CommonJS (no "type": "module" above it)', async () => {
    const cjs = createTestProject('strata-cjs-');
    try {
      cjs.write('package.json', JSON.stringify({ name: 'old-project' }));
      const file = cjs.write('definitions.ts', `export default {};\n`);
      expect((await loadError(file)).message).toBe(
        `${file}: ${cjs.dir}/package.json does not say "type": "module", so this module would load as CommonJS; add it (strata init does), or name the file .mts/.mjs`,
      );
    } finally {
      cjs.remove();
    }
  });

  it('names the line of a module that throws while it loads', async () => {
    const file = project.write('throws.ts', `const ready: boolean = false;\nif (!ready) throw new Error('no API key configured');\nexport default {};\n`);
    const error = await loadError(file);
    expect(error).toMatchObject({ file, line: 2 });
    expect(error.message).toBe(`${file}:2: Error: no API key configured`);
  });

  it('names a module that exports the wrong thing', async () => {
    const nothing = project.write('nothing.ts', `export const assets = [];\n`);
    expect((await loadError(nothing)).message).toBe(
      `${nothing}: exports only 'assets'; expected \`export default defineDefinitions({ assets, schedules, ... })\` (or a function of { config } returning it)`,
    );
    const array = project.write('array.ts', `export default [];\n`);
    expect((await loadError(array)).detail).toMatch(/^its default export is an array; expected/);
  });

  it('names both lines of a duplicate key', async () => {
    const file = project.write(
      'duplicate.ts',
      `import { defineAsset, defineDefinitions } from '${STRATA}';
const a = ${asset('gold/twice')};
const b = ${asset('gold/twice')};
export default defineDefinitions({ assets: [a, b] });
`,
    );
    const error = await loadError(file);
    expect(error.message).toBe(`${file}:3: duplicate asset key 'gold/twice' (defined at ${file}:2 and ${file}:3)`);
  });

  it('names an unknown dependency, with the asset that declares it', async () => {
    const file = project.write(
      'unknown-dep.ts',
      `import { defineAsset, defineDefinitions } from '${STRATA}';
const raw = ${asset('bronze/raw')};
const clean = ${asset('silver/clean', 'deps: { raw },')};
export default defineDefinitions({ assets: [clean] });
`,
    );
    expect((await loadError(file)).message).toBe(`${file}:3: unknown dependency silver/clean -> bronze/raw: 'bronze/raw' is not in the asset list`);
  });

  it('names a cycle with its path', async () => {
    // A cycle cannot be written with values (deps must exist first): build one by mutation, as a
    // generated module could.
    const file = project.write(
      'cycle.ts',
      `import { defineAsset, defineDefinitions } from '${STRATA}';
const deps: Record<string, unknown> = {};
const a = defineAsset({ key: 'silver/a', layer: 'silver', description: 'a', deps: deps as never, materialize: async () => ({ value: 1 }) });
const b = ${asset('silver/b', 'deps: { a },')};
deps.b = b;
export default defineDefinitions({ assets: [a, b] });
`,
    );
    expect((await loadError(file)).message).toBe(`${file}: dependency cycle: silver/a -> silver/b -> silver/a`);
  });

  it('names mismatched partitions, with the asset', async () => {
    const file = project.write(
      'partitions.ts',
      `import { dailyPartitions, defineAsset, defineDefinitions, sixHourlyPartitions } from '${STRATA}';
const hourly = ${asset('bronze/six', 'partitions: sixHourlyPartitions,')};
const daily = ${asset('silver/day', 'partitions: dailyPartitions, deps: { hourly },')};
export default defineDefinitions({ assets: [hourly, daily] });
`,
    );
    expect((await loadError(file)).message).toMatch(
      new RegExp(`^${file}:3: silver/day -> bronze/six: a daily asset cannot read a six_hourly asset partition by partition`),
    );
  });

  it('names bad partitions at their line', async () => {
    const file = project.write(
      'bad-partitions.ts',
      `import { defineAsset, defineDefinitions } from '${STRATA}';
const hourly = defineAsset({ key: 'bronze/hourly', layer: 'bronze', description: 'd', partitions: 'hourly' as never, materialize: async () => ({ value: 1 }) });
export default defineDefinitions({ assets: [hourly] });
`,
    );
    expect((await loadError(file)).message).toBe(
      `${file}:2: asset 'bronze/hourly': partitions must be sixHourlyPartitions or dailyPartitions (exported by strata), got the string 'hourly'`,
    );
  });

  it('names a bad asset definition at its line', async () => {
    const file = project.write(
      'bad-key.ts',
      `import { defineAsset, defineDefinitions } from '${STRATA}';

const bad = defineAsset({ key: 'Gold/Bad Key', layer: 'gold', description: 'd', materialize: async () => ({ value: 1 }) });
export default defineDefinitions({ assets: [bad] });
`,
    );
    const error = await loadError(file);
    expect(error.line).toBe(3);
    expect(error.detail).toBe(`asset key 'Gold/Bad Key' must look like 'layer/name' (layer bronze|silver|gold, name in snake_case)`);
  });

  it('names a schedule whose selection matches no asset, and an override of no schedule', async () => {
    const file = project.write(
      'schedule.ts',
      `import { defineAsset, defineDefinitions, defineSchedule } from '${STRATA}';
const a = ${asset('gold/a')};
const nightly = defineSchedule({ name: 'nightly', cron: '0 2 * * *', selection: 'gold/missing' });
export default defineDefinitions({ assets: [a], schedules: [nightly] });
`,
    );
    expect((await loadError(file)).message).toMatch(new RegExp(`^${file}: schedule 'nightly': .*gold/missing`));
    const fine = project.write('fine.ts', `import { defineAsset, defineDefinitions } from '${STRATA}';\nexport default defineDefinitions({ assets: [${asset('gold/a')}] });\n`);
    expect((await loadError(fine, { STRATA_SCHEDULE_HOURLY_CRON: '0 * * * *' })).message).toMatch(new RegExp(`^${fine}: .*'hourly'`));
  });

  it('names a run-status sensor whose monitoredSelection matches no asset, and two sensors of one name', async () => {
    const file = project.write(
      'sensor.ts',
      `import { defineAsset, defineDefinitions, defineRunStatusSensor } from '${STRATA}';
const a = ${asset('gold/a')};
const pager = defineRunStatusSensor({ name: 'pager', on: ['failure'], monitoredSelection: 'gold/missing', handle: () => undefined });
export default defineDefinitions({ assets: [a], sensors: [pager] });
`,
    );
    expect((await loadError(file)).message).toMatch(new RegExp(`^${file}: sensor 'pager': monitoredSelection: .*gold/missing`));
    const twice = project.write(
      'sensors-twice.ts',
      `import { defineAsset, defineDefinitions, defineSensor } from '${STRATA}';
const s = defineSensor({ name: 'inbox', evaluate: () => undefined });
export default defineDefinitions({ assets: [${asset('gold/a')}], sensors: [s, s] });
`,
    );
    expect((await loadError(twice)).message).toMatch(/duplicate sensor name 'inbox'/);
  });
});

/**
 * Automation conditions enter through the definitions door like everything else: a TypeScript
 * asset's `automation:` and a SQL-file asset's `-- automation:` header line. A condition that
 * can never be true (eager() with no dependencies, a contradiction) or a bad cron is refused
 * when the definitions load, naming the file and line to fix.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { DefinitionsLoadError } from '../../src/definitions/definitions-error.js';
import { loadDefinitions } from '../../src/definitions/load-definitions.js';
import { createTestProject, STRATA, type TestProject } from '../helpers/definitions-project.js';

const config = loadConfig({ STRATA_DATA_DIR: '/nonexistent' });
let project: TestProject;
beforeAll(() => {
  project = createTestProject();
});
afterAll(() => project.remove());

async function loadError(file: string): Promise<DefinitionsLoadError> {
  const error = await loadDefinitions(file, { config }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(DefinitionsLoadError);
  return error as DefinitionsLoadError;
}

/** A module whose line 4 defines `gold/b` with `condition`, reading `bronze/a` when `withDeps`. */
function module(name: string, condition: string, withDeps = true): string {
  return project.write(
    name,
    [
      `import { automation, defineAsset, defineDefinitions } from '${STRATA}';`,
      `const a = defineAsset({ key: 'bronze/a', layer: 'bronze', description: 'a', materialize: async () => ({ value: 1 }) });`,
      `const { eager, onCron, missing, and, or, not } = automation;`,
      `const b = defineAsset({ key: 'gold/b', layer: 'gold', description: 'b', ${withDeps ? 'deps: { a }, ' : ''}automation: ${condition}, materialize: async () => ({ value: 1 }) });`,
      `export default defineDefinitions({ assets: [a, b] });`,
      '',
    ].join('\n'),
  );
}

describe('automation in definitions', () => {
  it('loads conditions written in TypeScript and in a SQL header; the graph carries their labels', async () => {
    const file = module('good.ts', "or(and(eager(), not(missing())), onCron('0 6 * * *'))");
    project.write('sql/c.sql', '-- asset: gold/c\n-- deps: gold/b\n-- automation: eager & ~missing\nSELECT 1 AS one\n');
    const withSql = project.write('good-sql.ts', `import definitions from './good.ts';\nimport { defineDefinitions } from '${STRATA}';\nexport default defineDefinitions({ include: [definitions], sqlAssetDirs: ['sql'] });\n`);
    const loaded = await loadDefinitions(withSql, { config });
    expect(loaded.graph.nodes.filter((node) => node.automation !== null).map((node) => [node.key, node.automation])).toEqual([
      ['gold/b', "(eager() & ~missing()) | on_cron('0 6 * * *')"],
      ['gold/c', 'eager() & ~missing()'],
    ]);
    expect(file).toBeTruthy();
  });

  it('refuses eager() on an asset with no dependencies, at the line that defines it', async () => {
    const file = module('root-eager.ts', 'eager()', false);
    const error = await loadError(file);
    expect(error).toMatchObject({ file, line: 4 });
    expect(error.message).toBe(`${file}:4: asset 'gold/b': automation eager() on an asset with no dependencies can never be true (nothing upstream can update); use on_cron(...) or missing()`);
  });

  it('refuses a contradiction, at the line that defines it', async () => {
    const file = module('contradiction.ts', 'and(eager(), not(eager()))');
    const error = await loadError(file);
    expect(error).toMatchObject({ file, line: 4 });
    expect(error.message).toContain("asset 'gold/b': automation 'eager() & ~eager()' can never be true (it contradicts itself)");
  });

  it('refuses an invalid cron where it is written', async () => {
    const file = module('bad-cron.ts', "onCron('0 25 * * *')");
    const error = await loadError(file);
    expect(error).toMatchObject({ file, line: 4 });
    expect(error.message).toMatch(/automation\.onCron: invalid cron '0 25 \* \* \*'/);
  });

  it('refuses a bad SQL header line with the file and line', async () => {
    const cases: [string, string, RegExp][] = [
      ['-- asset: gold/d\n-- automation: eager\nSELECT 1 AS one\n', 'sql-root', /:2: automation: eager\(\) on an asset with no dependencies can never be true/],
      ['-- asset: gold/d\n-- deps: bronze/a\n-- automation: missing & ~missing\nSELECT 1 AS one\n', 'sql-contradiction', /:3: automation: 'missing\(\) & ~missing\(\)' can never be true/],
      ["-- asset: gold/d\n-- deps: bronze/a\n\n-- automation: on_cron('0 6 * *')\nSELECT 1 AS one\n", 'sql-cron', /:4: automation: .*invalid cron '0 6 \* \*'/],
      ['-- asset: gold/d\n-- deps: bronze/a\n-- automation: eagerly\nSELECT 1 AS one\n', 'sql-unknown', /:3: automation: unknown condition 'eagerly'/],
    ];
    for (const [text, folder, message] of cases) {
      const sqlFile = project.write(`${folder}/d.sql`, text);
      const file = project.write(
        `${folder}.ts`,
        `import { defineAsset, defineDefinitions } from '${STRATA}';\n` +
          `const a = defineAsset({ key: 'bronze/a', layer: 'bronze', description: 'a', materialize: async () => ({ value: 1 }) });\n` +
          `export default defineDefinitions({ assets: [a], sqlAssetDirs: ['${folder}'] });\n`,
      );
      const error = await loadError(file);
      expect(error.file).toBe(sqlFile);
      expect(error.message).toMatch(message);
    }
  });
});

/**
 * A user project for the real-process automation tests: `bronze/a` (no condition) → `silver/b`
 * (eager) → `gold/c` (eager), six-hourly, importing Strata as a project does. Each
 * materialization just returns the time it ran.
 */
import { createTestProject, STRATA, type TestProject } from '../../helpers/definitions-project.js';

export function chainProject(): { project: TestProject; definitions: string } {
  const project = createTestProject('strata-automation-');
  const definitions = project.write(
    'definitions.ts',
    `import { automation, defineAsset, defineDefinitions, sixHourlyPartitions } from '${STRATA}';
const ran = async () => ({ value: { at: new Date().toISOString() } });
const a = defineAsset({ key: 'bronze/a', layer: 'bronze', description: 'the source', partitions: sixHourlyPartitions, materialize: ran });
const b = defineAsset({ key: 'silver/b', layer: 'silver', description: 'b', partitions: sixHourlyPartitions, deps: { a }, automation: automation.eager(), materialize: ran });
const c = defineAsset({ key: 'gold/c', layer: 'gold', description: 'c', partitions: sixHourlyPartitions, deps: { b }, automation: automation.eager(), materialize: ran });
export default defineDefinitions({ assets: [a, b, c] });
`,
  );
  return { project, definitions };
}

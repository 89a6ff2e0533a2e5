/**
 * `strata dev` (start --watch) as a real process beside a user project: a change to a project
 * file is served without a restart; a broken change keeps the last good definitions running
 * (the daemon and the API live on) and is shown, with file and line, on the overview page and
 * in `strata status`; fixing it clears the error.
 */
import type { ChildProcess } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestProject, STRATA, STRATA_PIPELINE, type TestProject } from '../helpers/definitions-project.js';
import { freePort } from '../helpers/free-port.js';
import { runStrata, spawnStrata, until } from '../helpers/strata-process.js';

const definitions = (extraAssets: string) => `import { defineAsset, defineDefinitions, type DefinitionsContext } from '${STRATA}';
import cryptoPipeline, { marketSnapshots } from '${STRATA_PIPELINE}';
import { extraAssets } from './extra.ts';

const movers = defineAsset({
  key: 'gold/movers', layer: 'gold', description: 'the first user asset', deps: { marketSnapshots },
  partitions: marketSnapshots.partitions, materialize: async () => ({ value: 1 }),
});
export default (context: DefinitionsContext) => defineDefinitions({ include: [cryptoPipeline(context)], assets: [movers, ...extraAssets], sqlAssetDirs: ['sql'] });
${extraAssets}`;

const extra = (body: string) => `import { defineAsset } from '${STRATA}';\n${body}\n`;

describe('strata dev reloads a project without a restart', { timeout: 300_000 }, () => {
  let project: TestProject;
  let dataDir: string;
  let env: Record<string, string>;
  let baseUrl: string;
  let server: ChildProcess;
  let log = '';

  beforeAll(async () => {
    project = createTestProject('strata-dev-');
    project.write('extra.ts', extra('export const extraAssets = [];'));
    project.write('definitions.ts', definitions(''));
    project.write('sql/README.md', 'SQL assets: one .sql file each.');
    dataDir = await mkdtemp(join(tmpdir(), 'strata-dev-data-'));
    await cp(inject('pgliteTemplate'), join(dataDir, 'pglite'), { recursive: true });
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    env = {
      STRATA_DATA_DIR: dataDir,
      PORT: String(port),
      STRATA_METRICS_PORT: 'off',
      STRATA_DEFINITIONS: join(project.dir, 'definitions.ts'),
      // Nothing answers: the first-start run fails fast and changes nothing this test reads.
      COINGECKO_BASE_URL: 'http://127.0.0.1:9/api/v3',
      COINGECKO_MAX_RETRIES: '0',
      STRATA_HISTORY_COINS: '0',
      LOG_LEVEL: 'info',
    };
    server = spawnStrata(['dev'], env);
    server.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    server.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    await until('strata dev to watch the project', async () => {
      if (server.exitCode !== null) throw new Error(`strata dev exited ${server.exitCode}: ${log}`);
      return log.includes('watching definitions for changes') && (await fetch(`${baseUrl}/readyz`).catch(() => undefined))?.ok ? true : undefined;
    }, 120_000);
  });
  afterAll(async () => {
    if (server?.exitCode === null) server.kill('SIGKILL');
    project?.remove();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function assetKeys(): Promise<string[]> {
    const body = (await (await fetch(`${baseUrl}/api/v1/assets`)).json()) as { assets: { key: string }[] };
    return body.assets.map((asset) => asset.key);
  }

  const reloads = () => log.split('\n').filter((line) => line.includes('definitions reload')).length;

  it('serves an asset added in an imported file', async () => {
    expect(await assetKeys()).toContain('gold/movers');
    expect(await assetKeys()).not.toContain('gold/added');
    project.write(
      'extra.ts',
      extra(`export const extraAssets = [defineAsset({ key: 'gold/added', layer: 'gold', description: 'added while running', materialize: async () => ({ value: 1 }) })];`),
    );
    await until('the new asset to be served', async () => ((await assetKeys()).includes('gold/added') ? true : undefined), 30_000);
  });

  it('keeps the last good definitions when a change breaks them, and shows the error', async () => {
    const before = reloads();
    project.write('extra.ts', extra(`const region: string = 'eu';\nthrow new Error(\`no API key for \${region}\`);\nexport const extraAssets = [];`));
    await until('the failed reload to be logged', async () => (log.includes('definitions reload failed') ? true : undefined), 30_000);
    expect(reloads()).toBeGreaterThan(before);
    const location = `${join(project.dir, 'extra.ts')}:3`;
    expect(await assetKeys()).toContain('gold/added');
    const overview = await (await fetch(`${baseUrl}/`)).text();
    expect(overview).toContain('data-testid="definitions-error"');
    expect(overview).toContain(`${location}: Error: no API key for eu`);
    const status = await runStrata(['status'], env);
    expect(status.code).toBe(2);
    expect(status.stdout).toContain(`definitions: ${location}: Error: no API key for eu`);
    expect(status.stdout).toMatch(/failed to reload at .*, serving its last good definitions/);
    expect(status.stdout).toMatch(/daemon:\S+\s+daemon\s+alive/);
    expect(server.exitCode).toBeNull();
  });

  it('clears the error when the file is fixed', async () => {
    project.write('extra.ts', extra('export const extraAssets = [];'));
    await until('the fixed definitions to be served', async () => (!(await assetKeys()).includes('gold/added') ? true : undefined), 30_000);
    expect(await (await fetch(`${baseUrl}/`)).text()).not.toContain('definitions-error');
    const status = await runStrata(['status'], env);
    expect(status.stdout).not.toContain('failed to reload');
    expect(status.code).toBe(0);
  });

  it('serves a SQL asset dropped into the SQL folder, and names a bad header by file and line', async () => {
    project.write(
      'sql/gold/snapshot_count.sql',
      '-- asset: gold/snapshot_count\n-- deps: silver/market_snapshots\n-- description: Coins per snapshot.\nSELECT count(*) AS coins FROM silver.market_snapshots WHERE snapshot_at = {{ partition_start }}\n',
    );
    await until('the SQL asset to be served', async () => ((await assetKeys()).includes('gold/snapshot_count') ? true : undefined), 30_000);
    const bad = project.write('sql/gold/bad.sql', '-- asset: gold/bad\n-- deps: silver/nowhere\nSELECT 1 AS one\n');
    await until('the bad SQL file to be reported', async () => ((await (await fetch(`${baseUrl}/`)).text()).includes(`${bad}:2`) ? true : undefined), 30_000);
    expect(await assetKeys()).toContain('gold/snapshot_count');
    project.write('sql/gold/bad.sql', '-- asset: gold/bad\n-- deps: gold/snapshot_count\nSELECT 1 AS one\n');
    await until('the fixed SQL asset to be served', async () => ((await assetKeys()).includes('gold/bad') ? true : undefined), 30_000);
  });
});

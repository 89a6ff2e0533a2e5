/** A SQL-file asset's file shown, escaped, on its asset page and in the asset API (`definition.sql`). */
import type { FastifyInstance } from 'fastify';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildGraph } from '../../src/core/graph.js';
import { loadSqlAssets } from '../../src/definitions/sql-assets/load-sql-assets.js';
import { pipelineAssets } from '../../src/pipeline/definitions.js';
import { buildApp } from '../../src/server/app.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';

const TEXT = `-- asset: gold/top_movers
-- deps: silver/market_snapshots
-- description: The ten biggest 24 h movers per snapshot.
-- check: no_negative_price: SELECT * FROM {{ this }} WHERE current_price < 0
SELECT coin_id, '<b>&"</b>' AS tag
FROM silver.market_snapshots
WHERE snapshot_at = {{ partition_start }}
`;

describeEachBackend('SQL-file asset pages', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let app: FastifyInstance;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-sql-page-'));
    await writeFile(join(dir, 'top_movers.sql'), TEXT);
    const sqlAssets = await loadSqlAssets([dir], pipelineAssets());
    database = await createTestDatabase('sql-asset-page', { backend });
    pipeline = await startPipeline(database, { graph: buildGraph([...pipelineAssets(), ...sqlAssets]) });
    app = await buildApp({ runtime: pipeline.runtime });
  });

  afterAll(async () => {
    await app?.close();
    await pipeline?.stop();
    await database?.destroy();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('shows the file and its SQL, escaped, on the asset page', async () => {
    const response = await app.inject({ method: 'GET', url: '/assets/gold/top_movers' });
    expect(response.statusCode).toBe(200);
    const section = /<section class="card" data-testid="asset-sql">[\s\S]*?<\/section>/.exec(response.body)?.[0] ?? '';
    expect(section).toContain(`<p class="muted mono">${join(dir, 'top_movers.sql')}</p>`);
    expect(section).toContain('-- check: no_negative_price: SELECT * FROM {{ this }} WHERE current_price &lt; 0\n');
    expect(section).toContain('SELECT coin_id, &#39;&lt;b&gt;&amp;&quot;&lt;/b&gt;&#39; AS tag\n');
    expect(section).not.toContain('<b>');
    const code = await app.inject({ method: 'GET', url: '/assets/silver/market_snapshots' });
    expect(code.body).not.toContain('data-testid="asset-sql"');
  });

  it('gives the file and text as definition.sql in the asset API, null for a code asset', async () => {
    const sql = await app.inject({ method: 'GET', url: '/api/v1/assets/gold/top_movers' });
    expect(sql.statusCode).toBe(200);
    expect(sql.json().definition.sql).toEqual({ file: join(dir, 'top_movers.sql'), text: TEXT });
    const code = await app.inject({ method: 'GET', url: '/api/v1/assets/silver/market_snapshots' });
    expect(code.json().definition.sql).toBeNull();
  });
});

/**
 * `strata start` on the embedded database (PGlite: one process hosts web, daemon and worker,
 * woken by the in-process buses) with the eager chain a → b → c: each `strata materialize
 * bronze/a` (through the server) is followed by one automation run of b then c, every reason
 * matches; and in a real browser the asset page's Automation section shows the condition, the
 * partition's result and reason, and links the run it requested.
 */
import type { ChildProcess } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sixHourlyPartitions } from '../../../src/core/partitions.js';
import { openDatabase, type StrataDatabase } from '../../../src/storage/index.js';
import { CHROMIUM_SKIP_REASON, launchBrowser, screenshot } from '../../helpers/browser.js';
import type { TestProject } from '../../helpers/definitions-project.js';
import { freePort } from '../../helpers/free-port.js';
import { runStrata, spawnStrata, until } from '../../helpers/strata-process.js';
import { automationRunsOf, expectChainFollowed } from './chain-checks.js';
import { chainProject } from './chain-project.js';

describe('automation under strata start on the embedded database', () => {
  let dataDir: string;
  let project: TestProject;
  let env: Record<string, string>;
  let baseUrl: string;
  let server: ChildProcess | undefined;
  let client: StrataDatabase | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'strata-automation-embedded-'));
    await cp(inject('pgliteTemplate'), join(dataDir, 'pglite'), { recursive: true });
    let definitions: string;
    ({ project, definitions } = chainProject());
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    env = { STRATA_DATA_DIR: dataDir, PORT: String(port), STRATA_DEFINITIONS: definitions, STRATA_METRICS_PORT: 'off', STRATA_AUTOMATION_INTERVAL: '3600' };
  });
  afterAll(async () => {
    await client?.close();
    if (server?.exitCode === null) server.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    project?.remove();
  });

  it('each upstream change materializes b then c once, the reasons match, and the asset page shows why', async () => {
    server = spawnStrata(['start'], env);
    let stderr = '';
    server.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await until(
      // /readyz counts the shipped pipeline's migrations, which this project does not include.
      'strata start to serve /healthz',
      async () => {
        if (server?.exitCode !== null) throw new Error(`strata start exited ${server?.exitCode}: ${stderr}`);
        return (await fetch(`${baseUrl}/healthz`).catch(() => undefined))?.ok ? true : undefined;
      },
      120_000,
    );
    // A client of the owner, as the CLI is: the database is read through the server.
    client = await openDatabase({ dataDir });
    const db = client.db;
    // strata start queues one run of the whole graph on an empty database: let it finish first.
    await until('the first run of the whole graph', async () => {
      const rows = await sql<{ n: number }>`SELECT count(*)::int AS n FROM strata.runs WHERE status NOT IN ('SUCCESS', 'FAILURE', 'CANCELED')`.execute(db);
      const all = await sql<{ n: number }>`SELECT count(*)::int AS n FROM strata.runs`.execute(db);
      return rows.rows[0]?.n === 0 && (all.rows[0]?.n ?? 0) > 0 ? true : undefined;
    });

    const partition = sixHourlyPartitions.keyFor(new Date());
    const upstreamRuns: string[] = [];
    for (let change = 1; change <= 2; change++) {
      const materialized = await runStrata(['materialize', 'bronze/a', '--partition', partition], env);
      expect(materialized.code, materialized.stderr).toBe(0);
      const runId = await sql<{ id: string }>`SELECT id FROM strata.runs WHERE trigger = 'manual' AND selection = 'bronze/a' ORDER BY created_at DESC LIMIT 1`.execute(db);
      upstreamRuns.push(runId.rows[0]?.id as string);
      await until(`automation run ${change} to succeed`, async () => {
        const runs = await automationRunsOf(db);
        return runs.length === change && runs.every((run) => run.status === 'SUCCESS') ? true : undefined;
      });
    }
    await until('the change feed to be drained', async () => {
      const rows = await sql<{ n: number }>`SELECT count(*)::int AS n FROM strata.automation_changes`.execute(db);
      return rows.rows[0]?.n === 0 ? true : undefined;
    });
    await expectChainFollowed(db, partition, upstreamRuns);

    if (CHROMIUM_SKIP_REASON !== undefined) return;
    const lastRun = (await automationRunsOf(db)).at(-1)?.id as string;
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`${baseUrl}/assets/gold/c`);
      const section = page.getByTestId('asset-automation');
      await expect(section.getByTestId('automation-condition').textContent()).resolves.toBe('eager()');
      const row = section.locator(`tr[data-partition="${partition}"]`);
      await expect(row.getByTestId('automation-reason').textContent()).resolves.toMatch(/^no upstream update since this partition materialized at /);
      await expect(row.locator('[data-value]').getAttribute('data-value')).resolves.toBe('false');
      await expect(row.locator(`a[href="/runs/${lastRun}"]`).count()).resolves.toBe(1);
      await screenshot(page, 'asset-automation');
      await row.locator(`a[href="/runs/${lastRun}"]`).click();
      await page.waitForURL(`${baseUrl}/runs/${lastRun}`);
    } finally {
      await browser.close();
    }
  }, 240_000);
});

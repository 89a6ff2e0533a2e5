/**
 * A real Prometheus (the `prometheus` binary of Debian's package) on loopback scrapes a running
 * Strata HTTP server every second; after one pipeline run, a query through Prometheus's HTTP API
 * returns the run counter. Prometheus also loads the shipped alert rules and evaluates them
 * against what it scraped, without errors.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile, copyFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_TRIGGERS } from '../../src/core/types.js';
import { buildApp } from '../../src/server/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { PARTITION, startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';
import { ALERT_RULES, hasCommand, repoPath } from './deploy-files.js';
import { freePort } from '../helpers/free-port.js';

const SKIP_REASON = hasCommand('prometheus') ? undefined : 'the prometheus binary is not installed (apt-get install prometheus; .ci/run does)';
const WAIT_MS = 30_000;

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** Polls `probe` every 250 ms until it returns a value, or fails after WAIT_MS with the last state. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, describeState: () => string): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what}; last error: ${String(lastError)}\n${describeState()}`);
}

describe.skipIf(SKIP_REASON !== undefined)(`a real Prometheus scrapes Strata${SKIP_REASON ? ` (skipped: ${SKIP_REASON})` : ''}`, () => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let app: FastifyInstance;
  let prometheus: ChildProcess | undefined;
  let prometheusUrl: string;
  let workDir: string;
  let prometheusLog = '';

  const query = async (promql: string): Promise<Sample[]> => {
    const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as { status: string; data: { resultType: string; result: Sample[] }; error?: string };
    if (body.status !== 'success') throw new Error(`query ${promql}: ${body.error}`);
    return body.data.result;
  };

  beforeAll(async () => {
    database = await createTestDatabase('deploy-prometheus-scrape');
    pipeline = await startPipeline(database);
    app = await buildApp({ runtime: pipeline.runtime });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const strataPort = (app.server.address() as AddressInfo).port;
    const { result } = await pipeline.materialize(PARTITION);
    expect(result.status).toBe('SUCCESS');

    workDir = await mkdtemp(join(tmpdir(), 'strata-prometheus-'));
    await copyFile(repoPath(ALERT_RULES), join(workDir, 'alerts.yml'));
    await writeFile(
      join(workDir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        '  evaluation_interval: 1s',
        'rule_files:',
        '  - alerts.yml',
        'scrape_configs:',
        '  - job_name: strata',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${strataPort}']`,
        '',
      ].join('\n'),
    );
    const prometheusPort = await freePort();
    prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(workDir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(workDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${prometheusPort}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const capture = (chunk: Buffer) => {
      prometheusLog = (prometheusLog + chunk.toString('utf8')).slice(-8_000);
    };
    prometheus.stdout?.on('data', capture);
    prometheus.stderr?.on('data', capture);
  });

  afterAll(async () => {
    if (prometheus !== undefined && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus?.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (prometheus.exitCode === null) prometheus.kill('SIGKILL');
    }
    await app?.close();
    await pipeline?.stop();
    await database?.destroy();
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  });

  it('returns the run counter through the query API', async () => {
    const samples = await waitFor(
      'strata_runs_total in Prometheus',
      async () => {
        // Every (status, trigger) series exists at 0 from the start; the run makes one of them 1.
        const result = await query('strata_runs_total > 0');
        return result.length > 0 ? result : undefined;
      },
      () => `prometheus output:\n${prometheusLog}`,
    );
    expect(samples).toEqual([
      {
        metric: expect.objectContaining({ job: 'strata', status: 'SUCCESS', trigger: 'manual' }),
        value: [expect.any(Number), '1'],
      },
    ]);
    const zeros = await query('strata_runs_total == 0');
    // 3 statuses × 6 triggers, less the one at 1.
    expect(zeros).toHaveLength(3 * RUN_TRIGGERS.length - 1);
    const up = await query('up{job="strata"}');
    expect(up.map((sample) => sample.value[1])).toEqual(['1']);
  });

  it('scrapes the histograms and database gauges the dashboards use', async () => {
    const steps = await query('sum(strata_step_duration_seconds_count)');
    expect(Number(steps[0]?.value[1])).toBeGreaterThanOrEqual(6);
    const requests = await query('sum by (endpoint) (strata_source_requests_total{status="200"})');
    expect(requests.map((sample) => sample.metric['endpoint']).sort()).toEqual(['/coins/markets', '/global']);
    const queue = await query('max(strata_queue_depth)');
    expect(queue.map((sample) => sample.value[1])).toEqual(['0']);
  });

  it('loads the shipped alert rules and evaluates every one without error', async () => {
    const rules = await waitFor(
      'every alert rule to be evaluated',
      async () => {
        const response = await fetch(`${prometheusUrl}/api/v1/rules`);
        const body = (await response.json()) as { data: { groups: { rules: { name: string; health: string; lastError?: string; lastEvaluation: string }[] }[] } };
        const all = body.data.groups.flatMap((group) => group.rules);
        const evaluated = all.length > 0 && all.every((rule) => !rule.lastEvaluation.startsWith('0001-'));
        return evaluated ? all : undefined;
      },
      () => `prometheus output:\n${prometheusLog}`,
    );
    expect(rules.filter((rule) => rule.health !== 'ok').map((rule) => `${rule.name}: ${rule.health} ${rule.lastError ?? ''}`)).toEqual([]);
    expect(rules.map((rule) => rule.name)).toContain('StrataDaemonDown');
  });
});

/**
 * Every metric a dashboard panel, a dashboard variable or an alert rule names exists in Strata's
 * registry (METRIC_NAMES, and exported on /metrics after a pipeline run) with every label the
 * expression uses: matchers, by/without, on/ignoring, group_left, histogram `le`, legend
 * `{{label}}` and annotation `$labels.x`. The PromQL is parsed (tests/deploy/promql.ts).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../src/metrics.js';
import { buildApp } from '../../src/server/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { PARTITION, startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';
import { allPanels, loadAlertRules, loadDashboards, panelTargets, YAML_SKIP_REASON } from './deploy-files.js';
import { analysePromql, templateLabels, TARGET_LABELS, type SeriesCatalog } from './promql.js';

const PROMETHEUS_DATASOURCE = 'strata-prometheus';

/** Series Prometheus itself makes for every target. */
const SCRAPE_SERIES = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added']);

/** `# TYPE name type` lines of a text exposition. */
function exposedFamilies(exposition: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const match of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) families.set(match[1] as string, match[2] as string);
  return families;
}

/** Resolves a PromQL series name through METRIC_NAMES and the families /metrics exposes. */
function catalogFrom(families: ReadonlyMap<string, string>): SeriesCatalog {
  return (series) => {
    if (SCRAPE_SERIES.has(series)) return [];
    const direct = METRIC_NAMES[series];
    if (direct !== undefined) return families.has(series) ? direct : undefined;
    const suffix = /^(.*)_(bucket|sum|count)$/.exec(series);
    if (suffix === null) return undefined;
    const [, base, part] = suffix as unknown as [string, string, string];
    const labels = METRIC_NAMES[base];
    const type = families.get(base);
    if (labels === undefined || (type !== 'histogram' && !(type === 'summary' && part !== 'bucket'))) return undefined;
    return part === 'bucket' ? [...labels, 'le'] : labels;
  };
}

function check(expression: string, catalog: SeriesCatalog, templates: readonly string[] = [], extraLabels: readonly string[] = []): string[] {
  let analysis;
  try {
    analysis = analysePromql(expression, catalog);
  } catch (error) {
    return [`cannot parse: ${(error as Error).message}`];
  }
  const problems = [...analysis.problems];
  const result = new Set([...(analysis.resultLabels ?? []), ...extraLabels]);
  for (const template of templates) {
    for (const label of templateLabels(template)) {
      if (!result.has(label)) problems.push(`template uses {{${label}}} but the result only has {${[...result].sort().join(', ')}}`);
    }
  }
  return problems;
}

describe('metric names and labels in dashboards and alert rules', () => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let app: FastifyInstance;
  let exposition: string;
  let catalog: SeriesCatalog;

  beforeAll(async () => {
    database = await createTestDatabase('deploy-metric-references');
    pipeline = await startPipeline(database);
    // The app attaches the runtime's metrics: before the run, so the run is counted.
    app = await buildApp({ runtime: pipeline.runtime });
    const { result } = await pipeline.materialize(PARTITION);
    expect(result.status).toBe('SUCCESS');
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    exposition = response.body;
    catalog = catalogFrom(exposedFamilies(exposition));
  });

  afterAll(async () => {
    await app?.close();
    await pipeline?.stop();
    await database?.destroy();
  });

  it('exports every METRIC_NAMES family on /metrics, and every exported series has only its declared labels', () => {
    const families = exposedFamilies(exposition);
    expect(Object.keys(METRIC_NAMES).filter((name) => !families.has(name))).toEqual([]);
    const problems: string[] = [];
    for (const match of exposition.matchAll(/^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? \S+/gm)) {
      const series = match[1] as string;
      const labels = [...(match[2] ?? '').matchAll(/([a-zA-Z_]\w*)="/g)].map((label) => label[1] as string);
      const declared = catalog(series);
      if (declared === undefined) {
        if (series.startsWith('strata_')) problems.push(`exported ${series} is not in METRIC_NAMES`);
        continue;
      }
      for (const label of labels) if (!declared.includes(label)) problems.push(`exported ${series} has undeclared label ${label}`);
    }
    expect(problems).toEqual([]);
  });

  it('counts the pipeline run in strata_runs_total', () => {
    expect(exposition).toMatch(/^strata_runs_total\{[^}]*status="SUCCESS"[^}]*\} 1$/m);
  });

  it('dashboard panels name only exported metrics, with labels they have', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const { file, dashboard } of loadDashboards()) {
      for (const panel of allPanels(dashboard)) {
        for (const { target, datasourceUid } of panelTargets(panel)) {
          if (datasourceUid !== PROMETHEUS_DATASOURCE) continue;
          expect(target.expr, `${file} "${panel.title}" ${target.refId}`).toBeTypeOf('string');
          checked += 1;
          for (const problem of check(target.expr as string, catalog, target.legendFormat === undefined ? [] : [target.legendFormat])) {
            problems.push(`${file} "${panel.title}" ${target.refId}: ${problem}\n    ${target.expr}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(30);
  });

  it('dashboard variables query exported metrics and labels', () => {
    const problems: string[] = [];
    for (const { file, dashboard } of loadDashboards()) {
      for (const variable of dashboard.templating.list) {
        if (variable.datasource?.uid !== PROMETHEUS_DATASOURCE) continue;
        const query = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
        const labelValues = /^label_values\((?:(.+),\s*)?([a-zA-Z_]\w*)\)$/.exec(query.trim());
        if (labelValues === null) {
          problems.push(`${file} $${variable.name}: unsupported query ${query}`);
          continue;
        }
        const [, selector, label] = labelValues as unknown as [string, string | undefined, string];
        if (selector === undefined) continue;
        for (const problem of check(`count by (${label}) (${selector})`, catalog)) problems.push(`${file} $${variable.name}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it.skipIf(YAML_SKIP_REASON !== undefined)(`alert rules name only exported metrics, with labels they have${YAML_SKIP_REASON ? ` (skipped: ${YAML_SKIP_REASON})` : ''}`, () => {
    const rules = loadAlertRules();
    expect(rules.length).toBeGreaterThanOrEqual(4);
    const problems: string[] = [];
    for (const rule of rules) {
      const templates = Object.values(rule.annotations ?? {});
      for (const problem of check(rule.expr, catalog, templates, Object.keys(rule.labels ?? {}))) {
        problems.push(`${rule.alert ?? rule.record}: ${problem}\n    ${rule.expr}`);
      }
    }
    expect(problems).toEqual([]);
    const names = rules.map((rule) => rule.alert);
    for (const required of ['StrataRunsFailing', 'StrataAssetStale', 'StrataDaemonDown', 'StrataDaemonAbsent', 'StrataSourceRateLimited']) {
      expect(names).toContain(required);
    }
  });

  it('the checker itself reports unknown metrics, missing labels, lost le and legends on aggregated-away labels', () => {
    const cases: [string, string[], RegExp][] = [
      ['strata_runs_totl', [], /unknown metric 'strata_runs_totl'/],
      ['strata_runs_total{asset="x"}', [], /strata_runs_total has no label 'asset'/],
      ['sum by (asset) (rate(strata_runs_total[5m]))', [], /no label 'asset'/],
      ['histogram_quantile(0.95, sum by (asset) (rate(strata_step_duration_seconds_bucket[5m])))', [], /no 'le' label/],
      ['histogram_quantile(0.95, sum by (le) (rate(strata_runs_total_bucket[5m])))', [], /unknown metric 'strata_runs_total_bucket'/],
      ['sum by (status) (rate(strata_runs_total[5m]))', ['{{trigger}}'], /template uses \{\{trigger\}\}/],
      ['sum by (asset) (strata_asset_stale) / on (layer) sum by (asset) (strata_asset_stale)', [], /has no label 'layer'/],
      ['sum by (asset) (strata_asset_stale) / sum(strata_asset_stale)', [], /would never match/],
      ['sum(rate(strata_runs_total[5m])', [], /cannot parse/],
    ];
    for (const [expression, templates, expected] of cases) {
      expect(check(expression, catalog, templates).join('\n'), expression).toMatch(expected);
    }
    expect(check('sum by (job, le) (rate(strata_source_request_duration_seconds_bucket{source="coingecko", endpoint=~".+"}[5m]))', catalog)).toEqual([]);
    expect(check(`absent(strata_process_heartbeat_age_seconds{kind="daemon"})`, catalog, ['{{ $labels.kind }}'])).toEqual([]);
    expect([...TARGET_LABELS]).toEqual(['job', 'instance']);
  });
});

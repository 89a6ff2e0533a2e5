/** `/assets/<layer>/<name>`: definition, neighbours, latest materialization, automation, history, partitions, checks, launch. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Runtime } from '../../runtime.js';
import { assetAutomation } from '../../server/read-models/automation.js';
import { assetDetail, type AssetDetail, type CheckView, type MaterializationEntry, type PartitionStatus } from '../../server/read-models/assets.js';
import { lineChart, statusStrip } from '../charts/index.js';
import { assetLink, csrfField, lineageHref, emptyState, layerTag, loginHint, runHref, runLink, statusBadge } from '../components.js';
import { formatDuration, formatNumber, formatTime, formatValue } from '../format.js';
import { html, raw, type Html } from '../html.js';
import { healthOf } from '../../server/read-models/asset-health.js';
import { martRows } from '../../server/read-models/marts.js';
import { martChartData, martNameOf } from '../queries/marts.js';
import { isAdmin, parseOrThrow, sendPage } from '../respond.js';
import { automationSection } from './asset-automation.js';
import { martCharts, martTable } from './mart-view.js';

export const AssetParams = z.object({ '*': z.string().min(1, 'an asset key is required').max(200) });

function definitionFacts(detail: AssetDetail): Html {
  const d = detail.definition;
  return html`<dl class="facts" data-testid="asset-definition">
    <dt>layer</dt><dd>${layerTag(d.layer)}</dd>
    <dt>partitions</dt><dd>${d.partitions === null ? 'unpartitioned' : d.partitions.replace('_', '-')}</dd>
    <dt>depends on</dt><dd>${d.deps.length === 0 ? html`<span class="muted">nothing (a source)</span>` : d.deps.map((dep) => html`<div>${assetLink(dep.assetKey)} <span class="muted">as <code>${dep.name}</code>${dep.partitionMapping ? ` via ${dep.partitionMapping}` : ''}</span></div>`)}</dd>
    <dt>used by</dt><dd>${detail.downstream.length === 0 ? html`<span class="muted">nothing</span>` : detail.downstream.map((key) => html`<div>${assetLink(key)}</div>`)}</dd>
    <dt>checks</dt><dd>${d.checks.length === 0 ? html`<span class="muted">none</span>` : d.checks.map((check) => html`<span class="tag" title="${check.description}">${check.name} (${check.severity})</span>`)}</dd>
    <dt>freshness</dt><dd>${d.freshnessObjectiveSeconds === null ? html`<span class="muted">no objective</span>` : html`at most ${formatDuration(d.freshnessObjectiveSeconds * 1000)} old${detail.freshness.stale ? html` · ${statusBadge('stale')}` : detail.freshness.stale === false ? html` · ${statusBadge('ok')}` : ''}`}</dd>
    <dt>tags</dt><dd>${Object.keys(d.tags).length === 0 ? html`<span class="muted">none</span>` : Object.entries(d.tags).map(([name, value]) => html`<span class="tag">${name}=${value}</span>`)}</dd>
    <dt>pool</dt><dd>${d.pool ?? html`<span class="muted">none</span>`}</dd>
    <dt>retries</dt><dd>${d.maxRetries} · ${d.servesPartitions === 'current' ? 'current partition only (the source has no history)' : 'any partition that has started'}</dd>
  </dl>`;
}

/** A SQL-file asset's file as written, header included; escaped by `html` like any text. */
function sqlSection(detail: AssetDetail): Html | '' {
  const sql = detail.definition.sql;
  if (sql === null) return '';
  return html`<section class="card" data-testid="asset-sql"><h2>SQL</h2><p class="muted mono">${sql.file}</p><pre class="mono sql-text"><code>${sql.text}</code></pre></section>`;
}

function metadataTable(entry: MaterializationEntry | null): Html {
  if (entry === null) return emptyState('Never materialized.');
  const rows = Object.entries(entry.metadata);
  return html`<dl class="facts">
      <dt>when</dt><dd>${formatTime(entry.at)}</dd>
      <dt>partition</dt><dd class="mono">${entry.partitionKey ?? '–'}</dd>
      <dt>run</dt><dd>${runLink(entry.runId)}</dd>
      <dt>duration</dt><dd>${formatDuration(entry.durationMs)}</dd>
    </dl>
    ${rows.length === 0
      ? ''
      : html`<div class="table-wrap"><table data-testid="materialization-metadata"><thead><tr><th>metadata</th><th class="num">value</th></tr></thead><tbody>
          ${rows.map(([name, value]) => html`<tr><td>${name}</td><td class="${typeof value === 'number' ? 'num' : ''}">${formatValue(value)}</td></tr>`)}</tbody></table></div>`}`;
}

function historyCharts(history: readonly MaterializationEntry[]): Html {
  const withRows = history.filter((entry) => entry.rows !== null);
  const withDuration = history.filter((entry) => entry.durationMs !== null);
  const rowsChart = lineChart([{ name: 'rows', points: withRows.map((entry) => ({ at: entry.at, value: entry.rows as number, title: `${entry.partitionKey ?? ''} ${formatNumber(entry.rows as number)} rows` })) }], {
    title: 'Rows per materialization',
    format: formatNumber,
    testId: 'chart-rows',
  });
  const durationChart = lineChart(
    [{ name: 'duration', color: '#8250df', points: withDuration.map((entry) => ({ at: entry.at, value: entry.durationMs as number, title: `${entry.partitionKey ?? ''} ${formatDuration(entry.durationMs)}` })) }],
    { title: 'Duration per materialization', format: (ms) => formatDuration(ms), testId: 'chart-duration' },
  );
  return html`<div class="grid-2" data-testid="materialization-history">
    <section class="card chart-card"><h3>Rows</h3>${raw(rowsChart)}</section>
    <section class="card chart-card"><h3>Duration</h3>${raw(durationChart)}</section>
  </div>`;
}

function partitionSection(status: PartitionStatus): Html {
  if (status.kind === null) return html`<p class="muted">Unpartitioned: one output, rebuilt by each run.</p>`;
  const tones = { materialized: 'success', failed: 'failure', missing: 'missing' } as const;
  const strip = statusStrip(
    status.partitions.map((entry) => ({
      key: entry.partitionKey,
      tone: tones[entry.state],
      title: `${entry.partitionKey}: ${entry.state}${entry.materializedAt ? ` at ${formatTime(entry.materializedAt)}` : ''}`,
      ...(entry.runId ? { href: runHref(entry.runId) } : {}),
    })),
    { title: `Partitions ${status.from ?? ''} to ${status.to ?? ''}`, perRow: status.kind === 'six_hourly' ? 56 : 28, testId: 'partition-strip' },
  );
  return html`<p class="muted">${status.from} → ${status.to}: ${status.counts.materialized} materialized, ${status.counts.failed} failed, ${status.counts.missing} missing</p>
    <div class="strip-wrap">${raw(strip)}</div>`;
}

function checksTable(checks: readonly CheckView[]): Html {
  if (checks.length === 0) return emptyState('This asset has no checks.');
  return html`<div class="table-wrap"><table data-testid="check-results"><thead><tr><th>check</th><th>severity</th><th>result</th><th>partition</th><th>message</th><th>metadata</th><th>evaluated</th></tr></thead><tbody>
    ${checks.map((check) => {
      const latest = check.latest;
      return html`<tr data-check="${check.name}"><td title="${check.description}">${check.name}</td><td>${check.severity}</td>
        <td>${latest === null ? statusBadge('not run') : statusBadge(latest.passed ? 'passed' : check.severity === 'error' ? 'failed' : 'warn')}</td>
        <td class="mono">${latest?.partitionKey ?? '–'}</td><td>${latest?.message ?? ''}</td>
        <td>${latest === null ? '' : Object.entries(latest.metadata).map(([name, value]) => html`<span class="tag">${name}=${formatValue(value)}</span>`)}</td>
        <td>${formatTime(latest?.at)}</td></tr>`;
    })}</tbody></table></div>`;
}

function launchForm(detail: AssetDetail, csrfToken: string, allowed: boolean, defaultPartition: string | undefined): Html {
  return html`<form method="post" action="/assets/${detail.key}/launch" class="form-row" data-testid="launch-form">
    ${csrfField(csrfToken)}
    ${detail.partitions === null ? '' : html`<label>Partition <input type="text" name="partition" value="${defaultPartition ?? ''}" required maxlength="40" data-testid="launch-partition"></label>`}
    <button type="submit" class="button button-primary" data-testid="launch-button" ${allowed ? '' : html`disabled title="Log in to materialize"`}>Materialize</button>
    ${allowed ? '' : loginHint('materialize')}
  </form>`;
}

export function registerAssetPage(ui: FastifyInstance, runtime: Runtime): void {
  ui.get('/assets/*', { schema: { hide: true } }, async (request, reply) => {
    const { '*': key } = parseOrThrow(AssetParams, request.params, 'params');
    const detail = await assetDetail(runtime, key);
    const automation = await assetAutomation(runtime, key, { partitions: 20, history: 20 });
    const mart = martNameOf(key);
    const [charts, rows] = mart === undefined ? [undefined, undefined] : await Promise.all([martChartData(runtime), martRows(runtime, mart, { limit: 20 })]);
    const partitions = runtime.graph.assets.get(key)?.partitions;
    const defaultPartition = detail.latestMaterialization?.partitionKey ?? partitions?.keyFor(runtime.clock.now());
    const health = healthOf(detail);
    const body = html`<div class="page-head" data-testid="asset-head" data-asset-key="${key}">
        <h1>${key}</h1>${layerTag(detail.layer)} ${statusBadge(health === 'missing' ? 'never materialized' : health)}
        <div class="actions">${launchForm(detail, reply.generateCsrf(), isAdmin(request), defaultPartition ?? undefined)}</div>
      </div>
      <p>${detail.description}</p>
      <div class="grid-2">
        <section class="card"><h2>Definition</h2>${definitionFacts(detail)}</section>
        <section class="card"><h2>Latest materialization</h2>${metadataTable(detail.latestMaterialization)}</section>
      </div>
      ${sqlSection(detail)}
      ${automationSection(automation)}
      ${charts && rows ? html`<h2>Data</h2>${martCharts(charts)}<h3>First rows of ${key}</h3>${martTable(rows)}` : ''}
      <h2>Materialization history</h2>${historyCharts(detail.materializations)}
      <h2>Partitions</h2>${partitionSection(detail.partitionStatus)}
      <h2>Checks</h2>${checksTable(detail.checks)}
      <p><a href="/runs?asset=${encodeURIComponent(key)}">Runs of ${key} →</a> · <a href="${lineageHref(key)}" data-testid="asset-lineage-link">Lineage around ${key} →</a></p>`;
    return sendPage(request, reply, { title: key, body });
  });
}

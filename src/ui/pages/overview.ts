/** `/`: asset health by layer, failing checks, recent runs, next ticks, daemon status. */
import type { FastifyInstance } from 'fastify';
import type { AssetNode } from '../../core/graph.js';
import { LAYERS } from '../../core/types.js';
import type { Runtime } from '../../runtime.js';
import { listRunsPage } from '../../server/read-models/runs.js';
import { scheduleList, type ScheduleSummary } from '../../server/read-models/schedules.js';
import { failingCheckResults, listProcesses, type ProcessInfo, type StoredCheckResult } from '../../storage/index.js';
import { assetLink, catalogHref, emptyState, layerTag, statusBadge } from '../components.js';
import { formatDuration, formatRelative, formatTime } from '../format.js';
import { html, type Html } from '../html.js';
import { assetHealths, type AssetHealth } from '../../server/read-models/asset-health.js';
import { assetStates, type AssetState } from '../queries/asset-states.js';
import { sendPage } from '../respond.js';
import { runsTable } from './runs-table.js';

const HEALTH_LABELS: readonly { health: AssetHealth; label: string; tone: string }[] = [
  { health: 'ok', label: 'ok', tone: 'success' },
  { health: 'failed', label: 'failed', tone: 'failure' },
  { health: 'stale', label: 'stale', tone: 'queued' },
  { health: 'running', label: 'running', tone: 'running' },
  { health: 'missing', label: 'never materialized', tone: 'missing' },
];

/** Problem assets listed per layer card; the rest are a link to the catalog away. */
const PROBLEMS_SHOWN = 10;

function layerCards(nodes: readonly AssetNode[], healths: ReadonlyMap<string, AssetHealth>, shown: ReadonlyMap<string, AssetState>): Html {
  return html`<div class="grid">${LAYERS.map((layer) => {
    const assets = nodes.filter((node) => node.layer === layer);
    const problems = assets.filter((node) => healths.get(node.key) !== 'ok');
    const listed = problems.flatMap((node) => shown.get(node.key) ?? []);
    return html`<section class="card layer-card layer-card-${layer}" data-testid="layer-card" data-layer="${layer}">
      <h2>${layerTag(layer)} <span class="muted">${assets.length} assets</span></h2>
      <ul class="counts">${HEALTH_LABELS.map(({ health, label, tone }) => {
        const count = assets.filter((node) => healths.get(node.key) === health).length;
        return html`<li data-health="${health}"><span class="n ${count > 0 ? tone : ''}">${count}</span><span class="label">${label}</span></li>`;
      })}</ul>
      ${listed.length > 0
        ? html`<ul class="problems">${listed.map((state) => html`<li>${assetLink(state.summary.key)} <span class="muted">${state.caption}</span></li>`)}</ul>`
        : ''}
      ${problems.length > listed.length ? html`<p data-testid="more-problems"><a href="${catalogHref({ layer })}">…and ${problems.length - listed.length} more in the catalog →</a></p>` : ''}
    </section>`;
  })}</div>`;
}

/** The first PROBLEMS_SHOWN assets of each layer that are not ok: the ones whose state is read in full. */
function problemsToShow(nodes: readonly AssetNode[], healths: ReadonlyMap<string, AssetHealth>): AssetNode[] {
  return LAYERS.flatMap((layer) => nodes.filter((node) => node.layer === layer && healths.get(node.key) !== 'ok').slice(0, PROBLEMS_SHOWN));
}

/**
 * A reload that failed (this process's, or another running process's as recorded in its loops):
 * file, line and message, and that the last good definitions are still served.
 */
function definitionsNotice(runtime: Runtime, processes: readonly ProcessInfo[]): Html {
  const own = runtime.definitions.lastFailure;
  const others = processes.flatMap((process) => {
    const loop = process.loops.definitions;
    return loop?.last_error ? [{ where: process.id, message: loop.last_error, at: loop.last_error_at }] : [];
  });
  const failures = own === undefined ? others : [{ where: 'this server', message: own.error.message, at: own.at.toISOString() }, ...others.filter((other) => other.message !== own.error.message)];
  if (failures.length === 0) return html``;
  return html`<div class="notice notice-error" role="alert" data-testid="definitions-error">
    <strong>Definitions failed to reload; the last good definitions are still served.</strong>
    ${failures.map((failure) => html`<pre class="wrap">${failure.message}</pre><span class="muted">${failure.where}${failure.at ? html` · ${failure.at}` : ''}</span>`)}
  </div>`;
}

function checksSection(checks: readonly StoredCheckResult[]): Html {
  if (checks.length === 0) return emptyState('Every check passed on its latest evaluation.');
  return html`<div class="table-wrap"><table data-testid="failing-checks"><thead><tr><th>asset</th><th>check</th><th>severity</th><th>partition</th><th>message</th><th>when</th></tr></thead><tbody>
    ${checks.map(
      (check) => html`<tr><td>${assetLink(check.assetKey)}</td><td>${check.check}</td><td>${statusBadge(check.severity === 'error' ? 'FAILURE' : 'warn')}</td>
        <td class="mono">${check.partitionKey ?? '–'}</td><td>${check.message ?? ''}</td><td>${formatTime(check.at)}</td></tr>`,
    )}</tbody></table></div>`;
}

function ticksSection(schedules: readonly ScheduleSummary[], now: Date): Html {
  if (schedules.length === 0) return emptyState('No schedules are defined.');
  return html`<div class="table-wrap"><table><thead><tr><th>schedule</th><th>state</th><th>next ticks (UTC)</th></tr></thead><tbody>
    ${schedules.map(
      (schedule) => html`<tr><td><a href="/schedules/${encodeURIComponent(schedule.name)}">${schedule.name}</a></td>
        <td>${statusBadge(schedule.enabled ? 'on' : 'off')}</td>
        <td>${schedule.enabled ? schedule.nextTicks.slice(0, 3).map((tick, index) => html`${index > 0 ? ', ' : ''}<span title="${formatRelative(tick, now)}">${formatTime(tick)}</span>`) : html`<span class="muted">off</span>`}</td></tr>`,
    )}</tbody></table></div>`;
}

function daemonSection(processes: readonly ProcessInfo[], now: Date, timeoutMs: number): Html {
  const fresh = processes.filter((process) => now.getTime() - process.heartbeatAt.getTime() <= timeoutMs);
  const daemons = fresh.filter((process) => process.kind !== 'worker');
  const warning =
    daemons.length === 0
      ? html`<p class="warning" data-testid="daemon-warning">No daemon running: schedules do not tick and lost runs are not retried. Start one with <code>strata daemon</code> (or <code>strata start</code>).</p>`
      : '';
  if (processes.length === 0) return html`${warning}`;
  return html`${warning}<div class="table-wrap"><table data-testid="processes"><thead><tr><th>process</th><th>kind</th><th>state</th><th>last heartbeat</th><th>loop errors</th></tr></thead><tbody>
    ${processes.map((process) => {
      const age = now.getTime() - process.heartbeatAt.getTime();
      const alive = age <= timeoutMs;
      const errors = Object.entries(process.loops).filter(([, loop]) => loop.last_error !== null && loop.last_error !== undefined);
      return html`<tr><td class="mono">${process.hostname}:${process.pid}</td><td>${process.kind}</td><td>${statusBadge(alive ? 'ok' : 'stale')}</td>
        <td>${formatDuration(age)} ago</td><td>${errors.length === 0 ? '–' : errors.map(([name, loop]) => html`<div><strong>${name}</strong>: ${String(loop.last_error)}</div>`)}</td></tr>`;
    })}</tbody></table></div>`;
}

export function registerOverviewPage(ui: FastifyInstance, runtime: Runtime): void {
  ui.get('/', { schema: { hide: true } }, async (request, reply) => {
    const now = runtime.clock.now();
    const { nodes } = runtime.graph;
    const [healths, checks, runs, schedules, processes] = await Promise.all([
      assetHealths(runtime, nodes),
      failingCheckResults(runtime.database.db),
      listRunsPage(runtime, { limit: 10 }),
      scheduleList(runtime),
      listProcesses(runtime.database.db),
    ]);
    const body = html`<div class="page-head"><h1>Overview</h1><span class="muted">${runtime.graph.nodes.length} assets · ${formatTime(now)}</span></div>
      ${definitionsNotice(runtime, processes)}
      ${layerCards(nodes, healths, await assetStates(runtime, problemsToShow(nodes, healths)))}
      <div class="grid-2">
        <section><h2>Failing checks</h2>${checksSection(checks)}</section>
        <section><h2>Next ticks</h2>${ticksSection(schedules, now)}</section>
      </div>
      <section><h2>Recent runs <a class="hint" href="/runs">all runs →</a></h2>${runs.runs.length === 0 ? emptyState('No runs yet.') : runsTable(runs.runs, now)}</section>
      <section><h2>Daemon and workers</h2>${daemonSection(processes, now, runtime.config.heartbeatTimeoutMs)}</section>`;
    return sendPage(request, reply, { title: 'Overview', body });
  });
}


/** `/backfills` (progress of each, a form to start one) and `/backfills/:id` (partition grid, cancel). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { getBackfillDetail, listBackfillDetails, type BackfillDetail } from '../../daemon/backfill.js';
import { rangeLabel } from '../../core/partition-range.js';
import { partitionsByKind } from '../../core/partitions.js';
import type { Runtime } from '../../runtime.js';
import { progressBar, statusStrip } from '../charts/index.js';
import type { Tone } from '../charts/svg.js';
import { actionForm, csrfField, emptyState, loginHint, runHref, statusBadge, statusTone } from '../components.js';
import { formatTime } from '../format.js';
import { html, raw, type Html } from '../html.js';
import { isAdmin, parseOrThrow, sendPage } from '../respond.js';

export const BackfillParams = z.object({ id: z.string().min(1).max(100) });

function progressOf(backfill: BackfillDetail): Html {
  const p = backfill.progress.partitions;
  const svg = progressBar(
    [
      { label: 'succeeded', count: p.succeeded, tone: 'success' },
      { label: 'failed', count: p.failed, tone: 'failure' },
      { label: 'pending', count: p.pending, tone: 'running' },
      { label: 'canceled', count: p.canceled, tone: 'muted' },
      { label: 'skipped', count: p.skipped, tone: 'queued' },
    ],
    p.total,
    { title: `${p.succeeded + p.failed + p.canceled + p.skipped} of ${p.total} partitions done`, testId: 'backfill-progress' },
  );
  return html`${raw(svg)} <span class="muted">${p.succeeded} done · ${p.failed} failed · ${p.pending} queued/running · ${p.skipped} skipped${p.canceled ? ` · ${p.canceled} canceled` : ''} of ${p.total}</span>`;
}

function createForm(csrfToken: string, allowed: boolean): Html {
  return html`<form method="post" action="/backfills" class="form-row card" data-testid="backfill-form">
    ${csrfField(csrfToken)}
    <label>Selection <input type="text" name="selection" required maxlength="2000" placeholder="silver/*,gold/*"></label>
    <label>From partition <input type="text" name="from" required maxlength="40" placeholder="2026-11-01T00:00Z"></label>
    <label>To partition <input type="text" name="to" required maxlength="40" placeholder="2026-11-02T18:00Z"></label>
    <button type="submit" class="button button-primary" data-testid="backfill-submit" ${allowed ? '' : html`disabled title="Log in to start backfills"`}>Start backfill</button>
    ${allowed ? '' : loginHint('start backfills')}
  </form>`;
}

const RUN_TONES: Readonly<Record<string, Tone>> = { SUCCESS: 'success', FAILURE: 'failure', STARTED: 'running', STARTING: 'running', QUEUED: 'queued', CANCELED: 'muted' };

export function registerBackfillPages(ui: FastifyInstance, runtime: Runtime): void {
  ui.get('/backfills', { schema: { hide: true } }, async (request, reply) => {
    const backfills = await listBackfillDetails(runtime, 50);
    const body = html`<div class="page-head"><h1>Backfills</h1></div>
      ${createForm(reply.generateCsrf(), isAdmin(request))}
      <p></p>
      ${backfills.length === 0
        ? emptyState('No backfills yet.')
        : html`<div class="table-wrap"><table data-testid="backfills-table"><thead><tr><th>backfill</th><th>status</th><th>selection</th><th>partitions</th><th>progress</th><th>created</th></tr></thead><tbody>
          ${backfills.map(
            (backfill) => html`<tr data-testid="backfill-row" data-backfill-id="${backfill.id}"><td><a class="mono" href="/backfills/${backfill.id}">${backfill.id.slice(0, 8)}</a></td>
              <td>${statusBadge(backfill.progress.status)}</td><td class="mono">${backfill.selection}</td>
              <td class="mono">${backfill.partitionFrom} → ${backfill.partitionTo}</td><td>${progressOf(backfill)}</td><td>${formatTime(backfill.createdAt)}</td></tr>`,
          )}</tbody></table></div>`}`;
    return sendPage(request, reply, { title: 'Backfills', body });
  });

  ui.get('/backfills/:id', { schema: { hide: true } }, async (request, reply) => {
    const { id } = parseOrThrow(BackfillParams, request.params, 'params');
    const backfill = await getBackfillDetail(runtime, id);
    const partitions = partitionsByKind(backfill.partitionsKind);
    // A range run stands in the cell of each partition it covers, until a run of that partition replaces it.
    const rangeRuns = backfill.progress.latestRuns.filter((run) => run.partitionRange !== null);
    const latest = new Map(rangeRuns.flatMap((run) => partitions.keysBetween(run.partitionRange?.first ?? run.partitionKey, run.partitionKey).map((key) => [key, run] as const)));
    for (const run of backfill.progress.latestRuns) if (run.partitionRange === null) latest.set(run.partitionKey, run);
    const skipped = new Map(backfill.skipped.map((entry) => [entry.partition, entry.reason]));
    const keys = [...new Set([...latest.keys(), ...skipped.keys()])].sort();
    const grid = statusStrip(
      keys.map((key) => {
        const run = latest.get(key);
        if (run === undefined) return { key, tone: 'queued' as const, title: `${key}: skipped (${skipped.get(key) ?? ''})` };
        return { key, tone: RUN_TONES[run.status] ?? 'missing', title: `${key}: ${run.status}${run.attempt > 1 ? ` (attempt ${run.attempt})` : ''}`, href: runHref(run.id) };
      }),
      { title: 'Partitions of the backfill', perRow: 40, cellSize: 16, testId: 'backfill-grid' },
    );
    const status = backfill.progress.status;
    const cancelable = status === 'REQUESTED' || status === 'RUNNING';
    const body = html`<div class="page-head"><h1>Backfill <span class="mono">${backfill.id.slice(0, 8)}</span></h1>
        <span class="badge badge-${statusTone(status)}" data-testid="backfill-status" data-status="${status}">${status}</span>
        <div class="actions">${cancelable ? actionForm({ action: `/backfills/${backfill.id}/cancel`, csrfToken: reply.generateCsrf(), label: 'Cancel backfill', testId: 'backfill-cancel', allowed: isAdmin(request), tone: 'danger', what: 'cancel backfills' }) : ''}</div>
      </div>
      <dl class="facts card">
        <dt>selection</dt><dd class="mono">${backfill.selection}</dd>
        <dt>partitions</dt><dd class="mono">${backfill.partitionFrom} → ${backfill.partitionTo} (${backfill.partitionsTotal} ${backfill.partitionsKind.replace('_', '-')}, chunks of ${backfill.chunkSize})</dd>
        <dt>created</dt><dd>${formatTime(backfill.createdAt)}</dd>
        <dt>progress</dt><dd>${progressOf(backfill)}</dd>
        ${rangeRuns.map((run) => html`<dt>range run</dt><dd class="mono" data-testid="backfill-range-run"><a href="${runHref(run.id)}">${run.id.slice(0, 8)}</a> ${rangeLabel(run.partitionRange ?? { first: run.partitionKey, last: run.partitionKey })} ${run.status}</dd>`)}
      </dl>
      <h2>Partitions</h2>
      <p class="muted">One cell per partition: its latest run (click to open it). Amber cells were skipped.</p>
      ${keys.length === 0 ? emptyState('No partitions.') : html`<div class="card">${raw(grid)}</div>`}
      ${backfill.skipped.length === 0 ? '' : html`<h2>Skipped partitions</h2><ul>${backfill.skipped.map((entry) => html`<li><span class="mono">${entry.partition}</span>: ${entry.reason}</li>`)}</ul>`}`;
    return sendPage(request, reply, { title: `Backfill ${backfill.id.slice(0, 8)}`, body });
  });
}

/** `/runs/:id`: status, step timeline (Gantt), steps, the event log (live while the run is going), cancel and re-execute. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { StepStatus } from '../../core/types.js';
import { rangeLabel } from '../../core/partition-range.js';
import type { Runtime } from '../../runtime.js';
import { runDetail } from '../../server/read-models/runs.js';
import { isTerminalRunStatus, type Run, type Step, type StoredEvent } from '../../storage/index.js';
import { ganttChart } from '../charts/index.js';
import type { Tone } from '../charts/svg.js';
import { actionForm, assetLink, emptyState, runLink, statusBadge, statusTone } from '../components.js';
import { eventLevel, eventMessage } from '../event-text.js';
import { formatDuration, formatTime } from '../format.js';
import { html, raw, type Html } from '../html.js';
import { isAdmin, parseOrThrow, sendPage } from '../respond.js';
import { runDuration } from './runs-table.js';

export const RunParams = z.object({ id: z.string().min(1).max(100) });

const STEP_TONES: Readonly<Record<StepStatus, Tone>> = {
  PENDING: 'queued',
  RUNNING: 'running',
  SUCCESS: 'success',
  FAILURE: 'failure',
  SKIPPED: 'muted',
  CANCELED: 'muted',
};

/**
 * Started steps by start time (the bars show how they overlapped); steps that never started
 * (skipped, pending) after them in plan order, graph position then partition, as the executor
 * considered them, not alphabetically.
 */
function inTimelineOrder(steps: readonly Step[], graphOrder: readonly string[]): Step[] {
  const position = new Map(graphOrder.map((key, index) => [key, index]));
  const planned = (a: Step, b: Step): number =>
    (position.get(a.assetKey) ?? graphOrder.length) - (position.get(b.assetKey) ?? graphOrder.length) ||
    (a.partitionKey ?? '').localeCompare(b.partitionKey ?? '');
  const started = steps.filter((step) => step.startedAt !== null);
  const unstarted = steps.filter((step) => step.startedAt === null).sort(planned);
  return [...started.sort((a, b) => (a.startedAt?.getTime() ?? 0) - (b.startedAt?.getTime() ?? 0) || planned(a, b)), ...unstarted];
}

function stepsGantt(steps: readonly Step[], now: Date): string {
  return ganttChart(
    steps.map((step) => ({
      label: step.assetKey,
      start: step.startedAt,
      end: step.endedAt,
      tone: STEP_TONES[step.status],
      title: `${step.assetKey} ${step.status}${step.durationMs === null ? '' : ` in ${formatDuration(step.durationMs)}`}${step.attempts > 1 ? `, ${step.attempts} attempts` : ''}`,
    })),
    { title: 'Step timeline', now, testId: 'run-gantt', format: formatDuration },
  );
}

function stepsTable(steps: readonly Step[]): Html {
  if (steps.length === 0) return emptyState('No step has started yet.');
  return html`<div class="table-wrap"><table data-testid="steps-table"><thead><tr><th>asset</th><th>partition</th><th>status</th><th class="num">attempts</th><th>started</th><th class="num">duration</th><th>rows</th><th>error</th></tr></thead><tbody>
    ${steps.map(
      (step) => html`<tr data-testid="step-row" data-asset-key="${step.assetKey}" data-status="${step.status}">
        <td>${assetLink(step.assetKey)}</td><td class="mono">${step.partitionKey ?? '–'}</td><td>${statusBadge(step.status)}</td>
        <td class="num">${step.attempts}</td><td>${formatTime(step.startedAt)}</td><td class="num">${formatDuration(step.durationMs)}</td>
        <td class="num">${typeof step.metadata['rows'] === 'number' ? String(step.metadata['rows']) : ''}</td><td>${step.error ?? ''}</td></tr>`,
    )}</tbody></table></div>`;
}

export function eventItem(stored: StoredEvent): Html {
  const { event } = stored;
  const level = eventLevel(event);
  const asset = 'assetKey' in event && event.assetKey ? event.assetKey : null;
  return html`<li data-event-id="${stored.id}" data-type="${event.type}">
    <time datetime="${event.at.toISOString()}">${formatTime(event.at).slice(11)}</time>
    <span class="level-${level}">${level}</span><span class="mono">${event.type}</span>
    <span>${asset === null ? '' : assetLink(asset)}</span><span class="message">${eventMessage(event)}</span></li>`;
}

function actions(run: Run, csrfToken: string, allowed: boolean): Html {
  if (!isTerminalRunStatus(run.status)) {
    return actionForm({ action: `/runs/${run.id}/cancel`, csrfToken, label: run.cancelRequestedAt ? 'Cancel requested…' : 'Cancel', testId: 'cancel-button', allowed, tone: 'danger', what: 'cancel runs' });
  }
  return html`${run.status === 'SUCCESS'
    ? ''
    : actionForm({ action: `/runs/${run.id}/reexecute`, csrfToken, label: 'Re-execute from failure', testId: 'reexecute-button', allowed, tone: 'primary', what: 're-execute runs', hidden: { fromFailure: 'true' } })}
    ${actionForm({ action: `/runs/${run.id}/reexecute`, csrfToken, label: 'Re-execute all', testId: run.status === 'SUCCESS' ? 'reexecute-button' : 'reexecute-all-button', allowed, tone: run.status === 'SUCCESS' ? 'primary' : 'plain', what: 're-execute runs', hidden: { fromFailure: 'false' } })}`;
}

export function registerRunPage(ui: FastifyInstance, runtime: Runtime): void {
  ui.get('/runs/:id', { schema: { hide: true } }, async (request, reply) => {
    const { id } = parseOrThrow(RunParams, request.params, 'params');
    const detail = await runDetail(runtime, id);
    const { run, events } = detail;
    const steps = inTimelineOrder(detail.steps, runtime.graph.order);
    const now = runtime.clock.now();
    const terminal = isTerminalRunStatus(run.status);
    const lastEventId = events.events.at(-1)?.id ?? 0;
    const body = html`<div class="page-head">
        <h1>Run <span class="mono">${run.id.slice(0, 8)}</span></h1>
        <span class="badge badge-${statusTone(run.status)}" data-testid="run-status" data-status="${run.status}">${run.status}</span>
        ${terminal ? '' : html`<span class="live" data-testid="live-indicator" hidden>● live</span>`}
        <div class="actions" data-live-refresh="actions">${actions(run, reply.generateCsrf(), isAdmin(request))}</div>
      </div>
      <dl class="facts card" data-testid="run-facts" data-live-refresh="facts">
        <dt>id</dt><dd class="mono">${run.id}</dd>
        <dt>selection</dt><dd class="mono">${run.selection}</dd>
        ${run.partitionRange === null
          ? html`<dt>partition</dt><dd class="mono">${run.partitionKey ?? '–'}</dd>`
          : html`<dt>partitions</dt><dd class="mono" data-testid="run-partition-range">${rangeLabel(run.partitionRange)} <span class="muted">(one range run: each step covers every partition of the range)</span></dd>`}
        <dt>trigger</dt><dd>${run.trigger}${run.attempt > 1 ? ` · attempt ${run.attempt}` : ''}</dd>
        ${run.parentRunId ? html`<dt>re-executes</dt><dd>${runLink(run.parentRunId)}</dd>` : ''}
        <dt>created</dt><dd>${formatTime(run.createdAt)}</dd>
        <dt>started</dt><dd>${formatTime(run.startedAt)}</dd>
        <dt>ended</dt><dd>${formatTime(run.endedAt)}</dd>
        <dt>duration</dt><dd>${formatDuration(runDuration(run, now))}</dd>
        ${Object.keys(run.tags).length > 0 ? html`<dt>tags</dt><dd>${Object.entries(run.tags).map(([name, value]) => html`<span class="tag">${name}=${value}</span>`)}</dd>` : ''}
        ${run.error ? html`<dt>error</dt><dd class="level-error">${run.error}</dd>` : ''}
      </dl>
      <h2>Timeline</h2><div class="card chart-card" data-live-refresh="timeline">${raw(stepsGantt(steps, now))}</div>
      <h2>Steps</h2><div data-live-refresh="steps">${stepsTable(steps)}</div>
      <h2>Events ${events.hasOlder ? html`<span class="hint">(the newest ${events.events.length}; older events: <a href="/api/v1/runs/${run.id}/events?before=${events.events[0]?.id ?? 0}">API</a>)</span>` : ''}</h2>
      <ol class="event-log" data-testid="event-log" data-run-id="${run.id}" data-after="${lastEventId}" data-terminal="${terminal ? 'true' : 'false'}">
        ${events.events.map(eventItem)}
      </ol>`;
    return sendPage(request, reply, { title: `Run ${run.id.slice(0, 8)}`, body, scripts: terminal ? [] : ['run-live.js'] });
  });
}

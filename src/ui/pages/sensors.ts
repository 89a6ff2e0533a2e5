/** `/sensors` and `/sensors/:name`: on/off switches, what each sensor last decided, its evaluation history. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Runtime } from '../../runtime.js';
import { sensorDetail, sensorList, type SensorSummary } from '../../server/read-models/sensors.js';
import type { SensorEvaluation } from '../../storage/sensor-evaluations.js';
import { actionForm, emptyState, runLink, statusBadge } from '../components.js';
import { formatDuration, formatRelative, formatTime } from '../format.js';
import { html, type Html } from '../html.js';
import { isAdmin, parseOrThrow, sendPage } from '../respond.js';

export const SensorParams = z.object({ name: z.string().min(1).max(100) });
const EvaluationsQuery = z.object({
  before: z.preprocess((value) => (value === '' ? undefined : value), z.coerce.number({ message: 'expected an evaluation id' }).int().min(1).optional()),
});

function onOff(sensor: SensorSummary): string {
  return sensor.status === 'running' ? 'on' : 'off';
}

function runs(evaluation: SensorEvaluation): Html {
  if (evaluation.runRequests.length === 0) return html`–`;
  return html`${evaluation.runRequests.map(
    (run) => html`<div data-testid="requested-run">${runLink(run.runId)}${run.runKey === null ? '' : html` <span class="mono muted">${run.runKey}</span>`}${run.existed ? html` <span class="muted">(existing)</span>` : ''}</div>`,
  )}`;
}

function why(evaluation: SensorEvaluation): Html {
  if (evaluation.error !== null) return html`<pre class="level-error" data-testid="evaluation-error">${evaluation.error}</pre>`;
  return html`<span data-testid="skip-reason">${evaluation.skipReason ?? ''}</span>${repeats(evaluation)}`;
}

/** "— ×1,234 until 15:02:11": the identical skips folded into this row. */
function repeats(evaluation: SensorEvaluation): Html | string {
  if (evaluation.count === 1) return '';
  return html` <span class="muted" data-testid="evaluation-repeats">— ×${evaluation.count.toLocaleString('en-US')} until <span class="mono">${formatTime(evaluation.lastAt)}</span></span>`;
}

function latest(evaluation: SensorEvaluation | null): Html {
  if (evaluation === null) return html`<span class="muted">never evaluated</span>`;
  const line = evaluation.error?.split('\n')[0] ?? evaluation.skipReason ?? `${evaluation.runRequests.length} run(s)`;
  return html`${statusBadge(evaluation.outcome)} <span class="mono">${formatTime(evaluation.startedAt)}</span> <span class="muted">${line}</span>${repeats(evaluation)}`;
}

function sensorCard(sensor: SensorSummary, now: Date, csrfToken: string, allowed: boolean): Html {
  const path = `/sensors/${encodeURIComponent(sensor.name)}`;
  return html`<section class="card" data-testid="sensor" data-sensor="${sensor.name}" data-status="${sensor.status}">
    <div class="page-head"><h2><a href="${path}">${sensor.name}</a></h2>${statusBadge(onOff(sensor), html`data-testid="sensor-status"`)}
      <div class="actions">${actionForm({
        action: `${path}/toggle`,
        csrfToken,
        label: sensor.status === 'running' ? 'Turn off' : 'Turn on',
        testId: 'sensor-toggle',
        allowed,
        hidden: { status: sensor.status === 'running' ? 'stopped' : 'running' },
        what: 'switch sensors',
      })}</div></div>
    <p>${sensor.description}</p>
    <dl class="facts">
      <dt>kind</dt><dd>${sensor.kind === 'sensor' ? 'sensor' : html`run-status sensor on ${sensor.on?.join(', ') ?? ''}${sensor.monitoredSelection === null ? '' : html` of <span class="mono">${sensor.monitoredSelection}</span>`}`}</dd>
      <dt>interval</dt><dd>every ${sensor.minimumIntervalSeconds} s${sensor.kind === 'run-status-sensor' ? ', and when a run ends' : ''}</dd>
      <dt>switched</dt><dd>${sensor.statusSource === 'default' ? html`<span class="muted">default (${sensor.status})</span>` : html`${sensor.statusChangedBy ?? ''} · ${formatTime(sensor.statusChangedAt)}`}</dd>
      <dt>next due</dt><dd>${sensor.nextDueAt === null ? html`<span class="muted">off</span>` : html`<span class="mono">${formatTime(sensor.nextDueAt)}</span> <span class="muted">${formatRelative(sensor.nextDueAt, now)}</span>`}</dd>
      <dt>cursor</dt><dd class="mono" data-testid="sensor-cursor">${sensor.cursor ?? '–'}</dd>
      <dt>latest</dt><dd data-testid="sensor-latest">${latest(sensor.latestEvaluation)}</dd>
    </dl>
  </section>`;
}

export function registerSensorPages(ui: FastifyInstance, runtime: Runtime): void {
  ui.get('/sensors', { schema: { hide: true } }, async (request, reply) => {
    const sensors = await sensorList(runtime);
    const now = runtime.clock.now();
    const token = reply.generateCsrf();
    const body = html`<div class="page-head"><h1>Sensors</h1><span class="muted">times in UTC</span></div>
      ${sensors.length === 0
        ? emptyState('No sensors are defined: add defineSensor(…) or defineRunStatusSensor(…) to the definitions’ sensors.')
        : html`<div class="grid-2">${sensors.map((sensor) => sensorCard(sensor, now, token, isAdmin(request)))}</div>`}`;
    return sendPage(request, reply, { title: 'Sensors', body });
  });

  ui.get('/sensors/:name', { schema: { hide: true } }, async (request, reply) => {
    const { name } = parseOrThrow(SensorParams, request.params, 'params');
    const { before } = parseOrThrow(EvaluationsQuery, request.query, 'query');
    const detail = await sensorDetail(runtime, name, before === undefined ? {} : { before });
    const counts = detail.evaluationCounts;
    const path = `/sensors/${encodeURIComponent(name)}`;
    const body = html`${sensorCard(detail, runtime.clock.now(), reply.generateCsrf(), isAdmin(request))}
      <h2>Evaluations <span class="muted">${counts.requested} requested · ${counts.skipped} skipped · ${counts.failed} failed</span></h2>
      ${detail.evaluations.length === 0
        ? emptyState(before ? 'No older evaluations.' : 'No evaluations yet: a running daemon evaluates the sensor every interval.')
        : html`<div class="table-wrap"><table data-testid="evaluation-history"><thead><tr><th>started (UTC)</th><th>outcome</th><th>took</th>${detail.kind === 'run-status-sensor' ? html`<th>ended run</th>` : ''}<th>requested runs</th><th>skip reason / error</th><th>cursor</th><th>log</th></tr></thead><tbody>
          ${detail.evaluations.map(
            (evaluation) => html`<tr data-testid="evaluation-row" data-outcome="${evaluation.outcome}"><td class="mono">${formatTime(evaluation.startedAt)}</td><td>${statusBadge(evaluation.outcome)}</td>
            <td>${formatDuration(evaluation.durationMs)}</td>${detail.kind === 'run-status-sensor' ? html`<td>${evaluation.endedRunId === null ? '–' : runLink(evaluation.endedRunId)}</td>` : ''}
            <td>${runs(evaluation)}</td><td>${why(evaluation)}</td>
            <td class="mono">${evaluation.cursorBefore === evaluation.cursorAfter ? (evaluation.cursorAfter ?? '–') : html`${evaluation.cursorBefore ?? '–'} → ${evaluation.cursorAfter ?? '–'}`}</td>
            <td>${evaluation.logs.length === 0 ? '' : html`<details><summary>${evaluation.logs.length} line(s)</summary>${evaluation.logs.map((line) => html`<div class="level-${line.level}"><span class="mono muted">${line.at.slice(11, 23)}</span> ${line.message}</div>`)}</details>`}</td></tr>`,
          )}
          </tbody></table></div>`}
      <nav class="pager">
        ${before ? html`<a href="${path}">← Newest</a>` : ''}
        ${detail.nextBefore ? html`<a href="${path}?before=${detail.nextBefore}" rel="next" data-testid="evaluations-older">Older →</a>` : ''}
      </nav>`;
    return sendPage(request, reply, { title: `Sensor ${name}`, body });
  });
}

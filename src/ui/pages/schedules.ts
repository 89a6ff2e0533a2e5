/** `/schedules` and `/schedules/:name`: cron in words, on/off, next ticks, tick history (paged by tick time). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Runtime } from '../../runtime.js';
import { scheduleDetail, scheduleList, type ScheduleSummary } from '../../server/read-models/schedules.js';
import type { Tick } from '../../storage/index.js';
import { actionForm, emptyState, runLink, statusBadge } from '../components.js';
import { formatRelative, formatTime } from '../format.js';
import { html, type Html } from '../html.js';
import { isAdmin, parseOrThrow, sendPage } from '../respond.js';

export const ScheduleParams = z.object({ name: z.string().min(1).max(100) });
const TicksQuery = z.object({
  before: z.preprocess((value) => (value === '' ? undefined : value), z.iso.datetime({ message: 'expected an ISO time such as 2026-11-23T06:00:00.000Z' }).optional()),
});

function tickOutcome(tick: Tick | null): Html {
  if (tick === null) return html`<span class="muted">never ticked</span>`;
  return html`${statusBadge(tick.status)} <span class="mono">${formatTime(tick.tickAt)}</span>
    ${tick.runId ? html` run ${runLink(tick.runId)}` : ''}${tick.reason ? html` <span class="muted">${tick.reason}</span>` : ''}${tick.error ? html` <span class="level-error">${tick.error}</span>` : ''}`;
}

function scheduleCard(schedule: ScheduleSummary, now: Date, csrfToken: string, allowed: boolean, nextCount: number): Html {
  return html`<section class="card" data-testid="schedule" data-schedule="${schedule.name}" data-enabled="${schedule.enabled ? 'true' : 'false'}">
    <div class="page-head"><h2><a href="/schedules/${encodeURIComponent(schedule.name)}">${schedule.name}</a></h2>${statusBadge(schedule.enabled ? 'on' : 'off')}
      <div class="actions">${actionForm({
        action: `/schedules/${encodeURIComponent(schedule.name)}/toggle`,
        csrfToken,
        label: schedule.enabled ? 'Turn off' : 'Turn on',
        testId: 'schedule-toggle',
        allowed,
        hidden: { enabled: schedule.enabled ? 'false' : 'true' },
        what: 'switch schedules',
      })}</div></div>
    <p>${schedule.description}</p>
    <dl class="facts">
      <dt>cron</dt><dd><code>${schedule.cron}</code>${schedule.overridden?.cron ? ' (override)' : ''} · ${schedule.cronDescription}</dd>
      <dt>timezone</dt><dd>${schedule.timezone}${schedule.overridden?.timezone ? ' (override)' : ''}</dd>
      <dt>selection</dt><dd class="mono">${schedule.selection}</dd>
      <dt>catch-up</dt><dd>${schedule.catchUp === 'all' ? `all (at most ${schedule.maxCatchup})` : 'latest only'}</dd>
      <dt>run retries</dt><dd data-testid="run-retries">${schedule.runRetries.maxRetries} when a worker is lost${schedule.runRetries.source === 'default' ? '' : ` (${schedule.runRetries.source})`}</dd>
      <dt>next ticks</dt><dd>${schedule.enabled
        ? schedule.nextTicks.slice(0, nextCount).map((tick) => html`<div data-testid="next-tick"><span class="mono">${formatTime(tick)}</span> <span class="muted">${formatRelative(tick, now)}</span></div>`)
        : html`<span class="muted">off</span>`}</dd>
      <dt>latest tick</dt><dd>${tickOutcome(schedule.latestTick)}</dd>
    </dl>
  </section>`;
}

export function registerSchedulePages(ui: FastifyInstance, runtime: Runtime): void {
  ui.get('/schedules', { schema: { hide: true } }, async (request, reply) => {
    const schedules = await scheduleList(runtime);
    const now = runtime.clock.now();
    const token = reply.generateCsrf();
    const body = html`<div class="page-head"><h1>Schedules</h1><span class="muted">times in UTC</span></div>
      ${schedules.length === 0 ? emptyState('No schedules are defined.') : html`<div class="grid-2">${schedules.map((schedule) => scheduleCard(schedule, now, token, isAdmin(request), 3))}</div>`}`;
    return sendPage(request, reply, { title: 'Schedules', body });
  });

  ui.get('/schedules/:name', { schema: { hide: true } }, async (request, reply) => {
    const { name } = parseOrThrow(ScheduleParams, request.params, 'params');
    const { before } = parseOrThrow(TicksQuery, request.query, 'query');
    const detail = await scheduleDetail(runtime, name, before === undefined ? {} : { before: new Date(before) });
    const now = runtime.clock.now();
    const counts = detail.tickCounts;
    const path = `/schedules/${encodeURIComponent(name)}`;
    const body = html`${scheduleCard(detail, now, reply.generateCsrf(), isAdmin(request), 5)}
      <h2>Tick history <span class="muted">${counts.SUCCESS} succeeded · ${counts.SKIPPED} skipped · ${counts.FAILURE} failed</span></h2>
      ${detail.ticks.length === 0
        ? emptyState(before ? 'No older ticks.' : 'No ticks yet: a running daemon evaluates the schedule at each cron time.')
        : html`<div class="table-wrap"><table data-testid="tick-history"><thead><tr><th>tick (UTC)</th><th>status</th><th>run</th><th>evaluated</th><th>reason / error</th></tr></thead><tbody>
          ${detail.ticks.map((tick) => html`<tr data-testid="tick-row"><td class="mono">${formatTime(tick.tickAt)}</td><td>${statusBadge(tick.status)}</td>
            <td>${tick.runId ? runLink(tick.runId) : '–'}</td><td>${formatTime(tick.evaluatedAt)}</td><td>${tick.reason ?? tick.error ?? ''}</td></tr>`)}
          </tbody></table></div>`}
      <nav class="pager">
        ${before ? html`<a href="${path}">← Newest</a>` : ''}
        ${detail.nextBefore ? html`<a href="${path}?before=${encodeURIComponent(detail.nextBefore.toISOString())}" rel="next" data-testid="ticks-older">Older →</a>` : ''}
      </nav>`;
    return sendPage(request, reply, { title: `Schedule ${name}`, body });
  });
}

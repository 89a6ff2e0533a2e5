/** `/schedules` and `/schedules/:name`: cron in words, on/off, next ticks, tick history. */
import cronstrue from 'cronstrue';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Runtime } from '../../runtime.js';
import { countTicks, getScheduleState, listTicks, type Tick } from '../../storage/index.js';
import { actionForm, emptyState, queryString, runLink, statusBadge } from '../components.js';
import { formatRelative, formatTime } from '../format.js';
import { html, type Html } from '../html.js';
import { requireSchedule, scheduleViews, type ScheduleView } from '../queries/schedules.js';
import { isAdmin, parseOrThrow, sendPage } from '../respond.js';

const TICKS_PAGE = 50;

export const ScheduleParams = z.object({ name: z.string().min(1).max(100) });
const TicksQuery = z.object({ page: z.coerce.number().int().min(1).max(20).default(1) });

/** "At 15 minutes past the hour, at 12:00 AM"; the cron itself when cronstrue cannot say it. */
export function cronInWords(cron: string): string {
  try {
    return cronstrue.toString(cron, { use24HourTimeFormat: true, verbose: false });
  } catch {
    return cron;
  }
}

function tickOutcome(tick: Tick | null): Html {
  if (tick === null) return html`<span class="muted">never ticked</span>`;
  return html`${statusBadge(tick.status)} <span class="mono">${formatTime(tick.tickAt)}</span>
    ${tick.runId ? html` run ${runLink(tick.runId)}` : ''}${tick.reason ? html` <span class="muted">${tick.reason}</span>` : ''}${tick.error ? html` <span class="level-error">${tick.error}</span>` : ''}`;
}

function toggleForm(view: { name: string; enabled: boolean }, csrfToken: string, allowed: boolean): Html {
  return actionForm({
    action: `/schedules/${encodeURIComponent(view.name)}/toggle`,
    csrfToken,
    label: view.enabled ? 'Turn off' : 'Turn on',
    testId: 'schedule-toggle',
    allowed,
    hidden: { enabled: view.enabled ? 'false' : 'true' },
    what: 'switch schedules',
  });
}

function scheduleCard(view: ScheduleView, now: Date, csrfToken: string, allowed: boolean): Html {
  const d = view.definition;
  return html`<section class="card" data-testid="schedule" data-schedule="${d.name}" data-enabled="${view.enabled ? 'true' : 'false'}">
    <div class="page-head"><h2><a href="/schedules/${encodeURIComponent(d.name)}">${d.name}</a></h2>${statusBadge(view.enabled ? 'on' : 'off')}
      <div class="actions">${toggleForm({ name: d.name, enabled: view.enabled }, csrfToken, allowed)}</div></div>
    <p>${d.description}</p>
    <dl class="facts">
      <dt>cron</dt><dd><code>${d.cron}</code>${d.overridden?.cron ? ' (override)' : ''} · ${cronInWords(d.cron)}</dd>
      <dt>timezone</dt><dd>${d.timezone}${d.overridden?.timezone ? ' (override)' : ''}</dd>
      <dt>selection</dt><dd class="mono">${d.selection}</dd>
      <dt>catch-up</dt><dd>${d.catchUp === 'all' ? `all (at most ${d.maxCatchup})` : 'latest only'}</dd>
      <dt>next ticks</dt><dd>${view.enabled ? view.nextTicks.map((tick) => html`<div><span class="mono">${formatTime(tick)}</span> <span class="muted">${formatRelative(tick, now)}</span></div>`) : html`<span class="muted">off</span>`}</dd>
      <dt>latest tick</dt><dd>${tickOutcome(view.lastTick)}</dd>
    </dl>
  </section>`;
}

export function registerSchedulePages(ui: FastifyInstance, runtime: Runtime): void {
  ui.get('/schedules', { schema: { hide: true } }, async (request, reply) => {
    const views = await scheduleViews(runtime);
    const now = runtime.clock.now();
    const token = reply.generateCsrf();
    const body = html`<div class="page-head"><h1>Schedules</h1><span class="muted">times in UTC unless a schedule says otherwise</span></div>
      ${views.length === 0 ? emptyState('No schedules are defined.') : html`<div class="grid-2">${views.map((view) => scheduleCard(view, now, token, isAdmin(request)))}</div>`}`;
    return sendPage(request, reply, { title: 'Schedules', body });
  });

  ui.get('/schedules/:name', { schema: { hide: true } }, async (request, reply) => {
    const { name } = parseOrThrow(ScheduleParams, request.params, 'params');
    const { page } = parseOrThrow(TicksQuery, request.query, 'query');
    const definition = requireSchedule(runtime, name);
    const { db } = runtime.database;
    const [state, ticks, counts] = await Promise.all([
      getScheduleState(db, name),
      listTicks(db, { scheduleName: name, limit: Math.min(1000, page * TICKS_PAGE + 1) }),
      countTicks(db, name),
    ]);
    const shown = ticks.slice((page - 1) * TICKS_PAGE, page * TICKS_PAGE);
    const hasOlder = ticks.length > page * TICKS_PAGE;
    const now = runtime.clock.now();
    const view: ScheduleView = { definition, enabled: state?.enabled ?? true, nextTicks: definition.times.take(now, 5), lastTick: ticks[0] ?? null };
    const body = html`${scheduleCard(view, now, reply.generateCsrf(), isAdmin(request))}
      <h2>Tick history <span class="muted">${counts.SUCCESS} succeeded · ${counts.SKIPPED} skipped · ${counts.FAILURE} failed</span></h2>
      ${shown.length === 0
        ? emptyState(page > 1 ? 'No older ticks.' : 'No ticks yet: a running daemon evaluates the schedule at each cron time.')
        : html`<div class="table-wrap"><table data-testid="tick-history"><thead><tr><th>tick (UTC)</th><th>status</th><th>run</th><th>evaluated</th><th>reason / error</th></tr></thead><tbody>
          ${shown.map((tick) => html`<tr data-testid="tick-row"><td class="mono">${formatTime(tick.tickAt)}</td><td>${statusBadge(tick.status)}</td>
            <td>${tick.runId ? runLink(tick.runId) : '–'}</td><td>${formatTime(tick.evaluatedAt)}</td><td>${tick.reason ?? tick.error ?? ''}</td></tr>`)}
          </tbody></table></div>`}
      <nav class="pager">
        ${page > 1 ? html`<a href="/schedules/${encodeURIComponent(name)}${queryString({ page: page > 2 ? String(page - 1) : undefined })}">← Newer</a>` : ''}
        ${hasOlder ? html`<a href="/schedules/${encodeURIComponent(name)}?page=${page + 1}" rel="next">Older →</a>` : ''}
      </nav>`;
    return sendPage(request, reply, { title: `Schedule ${name}`, body });
  });
}

/** `/runs`: runs newest first, filtered by status, asset and trigger, keyset-paginated ("Older →"). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ValidationError } from '../../core/errors.js';
import { RUN_TRIGGERS, type RunTrigger } from '../../core/types.js';
import type { Runtime } from '../../runtime.js';
import { listRunsPage } from '../../server/read-models/runs.js';
import { RUN_STATUSES } from '../../storage/index.js';
import { emptyState, queryString } from '../components.js';
import { html } from '../html.js';
import { parseOrThrow, sendPage } from '../respond.js';
import { runsTable } from './runs-table.js';

const PAGE_SIZE = 50;
/** Above this many assets the asset filter is a text field: a select of 5,000 keys is 300 KB on every page. */
const ASSET_SELECT_MAX = 200;

/** Empty select values mean "any": the GET form always sends every field. */
const blank = (value: unknown) => (value === '' ? undefined : value);

export const RunsQuery = z.object({
  status: z.preprocess(blank, z.enum(RUN_STATUSES).optional()),
  trigger: z.preprocess(blank, z.enum(RUN_TRIGGERS as readonly [RunTrigger, ...RunTrigger[]]).optional()),
  asset: z.preprocess(blank, z.string().max(200).optional()),
  cursor: z.preprocess(blank, z.string().max(200).optional()),
});

export function registerRunsPage(ui: FastifyInstance, runtime: Runtime): void {
  ui.get('/runs', { schema: { hide: true } }, async (request, reply) => {
    const query = parseOrThrow(RunsQuery, request.query, 'query');
    if (query.asset !== undefined && !runtime.graph.assets.has(query.asset)) {
      throw new ValidationError(`query.asset: no asset '${query.asset}'`);
    }
    const page = await listRunsPage(runtime, {
      limit: PAGE_SIZE,
      ...(query.status ? { statuses: [query.status] } : {}),
      ...(query.trigger ? { trigger: query.trigger } : {}),
      ...(query.asset ? { assetKey: query.asset } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
    const filters = { status: query.status, trigger: query.trigger, asset: query.asset };
    const option = (value: string, current: string | undefined) => html`<option value="${value}" ${value === (current ?? '') ? 'selected' : ''}>${value === '' ? 'any' : value}</option>`;
    const body = html`<div class="page-head"><h1>Runs</h1></div>
      <form method="get" action="/runs" class="form-row card" data-testid="runs-filter">
        <label>Status <select name="status" data-testid="filter-status">${['', ...RUN_STATUSES].map((status) => option(status, query.status))}</select></label>
        <label>Trigger <select name="trigger" data-testid="filter-trigger">${['', ...RUN_TRIGGERS].map((trigger) => option(trigger, query.trigger))}</select></label>
        ${runtime.graph.nodes.length <= ASSET_SELECT_MAX
          ? html`<label>Asset <select name="asset" data-testid="filter-asset">${['', ...runtime.graph.order].map((key) => option(key, query.asset))}</select></label>`
          : html`<label>Asset <input type="text" name="asset" value="${query.asset ?? ''}" maxlength="200" placeholder="layer/name" data-testid="filter-asset"></label>`}
        <button type="submit" class="button">Filter</button>
        ${query.status || query.trigger || query.asset ? html`<a href="/runs">clear</a>` : ''}
      </form>
      <p></p>
      ${page.runs.length === 0 ? emptyState(query.cursor ? 'No older runs.' : 'No runs match these filters.') : runsTable(page.runs, runtime.clock.now())}
      <nav class="pager">
        ${query.cursor ? html`<a href="/runs${queryString(filters)}" data-testid="runs-newest">← Newest</a>` : ''}
        ${page.nextCursor ? html`<a href="/runs${queryString({ ...filters, cursor: page.nextCursor })}" data-testid="runs-older" rel="next">Older →</a>` : ''}
      </nav>`;
    return sendPage(request, reply, { title: 'Runs', body });
  });
}

/** Assets and the asset graph: `GET /assets` (the catalog: filtered, paged), `/assets/:layer/:name[/materializations|/partitions|/checks]`, `/graph`. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Runtime } from '../../runtime.js';
import { timeDb } from '../server-timing.js';
import {
  MAX_HISTORY_PAGE,
  assetChecks,
  assetDetail,
  assetGraph,
  catalogPage,
  materializationHistory,
  partitionStatus,
} from '../read-models/index.js';
import {
  AssetDetailSchema,
  AssetKeyParams,
  AssetListQuery,
  CatalogPageSchema,
  CheckViewSchema,
  ERRORS,
  GraphSchema,
  MaterializationSchema,
  PartitionStatusSchema,
  QueryInt,
  list,
} from './schemas.js';

const TAGS = ['assets'];
const keyOf = (params: { layer: string; name: string }) => `${params.layer}/${params.name}`;

export function registerAssetRoutes(api: FastifyInstance, runtime: Runtime): void {
  const app = api.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/assets',
    {
      schema: {
        tags: TAGS,
        summary: 'The asset catalog: assets in topological order matching the filters (part of the key, layer, group, owner, health), a page at a time, each with its latest materialization, freshness, last run and health',
        querystring: AssetListQuery,
        response: { 200: CatalogPageSchema, ...ERRORS },
      },
    },
    async (request) => {
      const { limit, offset, ...filter } = request.query;
      return { ...(await timeDb(request, () => catalogPage(runtime, filter, { limit, offset }))), limit, offset };
    },
  );

  app.get(
    '/assets/:layer/:name',
    {
      schema: {
        tags: TAGS,
        summary: 'One asset: definition, neighbours, latest materialization, history, partition status, checks',
        params: AssetKeyParams,
        response: { 200: AssetDetailSchema, ...ERRORS },
      },
    },
    async (request) => assetDetail(runtime, keyOf(request.params)),
  );

  app.get(
    '/assets/:layer/:name/materializations',
    {
      schema: {
        tags: TAGS,
        summary: 'Materialization history, newest first; pass the last eventId as `before` for older ones',
        params: AssetKeyParams,
        querystring: z.object({ limit: QueryInt(1, MAX_HISTORY_PAGE).default(50), before: QueryInt(1, Number.MAX_SAFE_INTEGER).optional() }),
        response: { 200: z.object({ materializations: list(MaterializationSchema), nextBefore: z.number().nullable() }), ...ERRORS },
      },
    },
    async (request) => {
      const { limit, before } = request.query;
      const materializations = await materializationHistory(runtime, keyOf(request.params), { limit, ...(before === undefined ? {} : { before }) });
      return { materializations, nextBefore: materializations.length === limit ? (materializations.at(-1)?.eventId ?? null) : null };
    },
  );

  app.get(
    '/assets/:layer/:name/partitions',
    {
      schema: {
        tags: TAGS,
        summary: 'Partition status (materialized, failed, missing) of the last `days` days of partitions',
        params: AssetKeyParams,
        querystring: z.object({ days: QueryInt(1, 366).default(28) }),
        response: { 200: PartitionStatusSchema, ...ERRORS },
      },
    },
    async (request) => partitionStatus(runtime, keyOf(request.params), request.query.days),
  );

  app.get(
    '/assets/:layer/:name/checks',
    {
      schema: {
        tags: TAGS,
        summary: "The asset's checks with their latest results",
        params: AssetKeyParams,
        response: { 200: z.object({ checks: list(CheckViewSchema) }), ...ERRORS },
      },
    },
    async (request) => ({ checks: await assetChecks(runtime, keyOf(request.params)) }),
  );

  app.get(
    '/graph',
    { schema: { tags: TAGS, summary: 'The asset graph: nodes (with last status and staleness) and edges', response: { 200: GraphSchema } } },
    async () => assetGraph(runtime),
  );
}

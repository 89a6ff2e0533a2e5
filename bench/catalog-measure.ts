/**
 * The catalog bench's server-side measurements on 5,000 assets: each filter of `GET
 * /api/v1/assets` (and the `/assets` page) timed by its Server-Timing header (`db`: the catalog
 * read model, `total`: the whole request in the server), right after a write (the health facts
 * are read again) and with nothing written since the last request (they are reused); and the
 * lineage layout, whole and focused on one asset.
 */
import type { FastifyInstance } from 'fastify';
import type { AssetGraph } from '../src/core/graph.js';
import { layoutAssets } from '../src/ui/lineage/layout.js';
import { neighbourhood } from '../src/ui/lineage/neighbourhood.js';

export interface FilterCase {
  readonly name: string;
  readonly url: string;
}

export interface FilterResult extends FilterCase {
  /** Nothing written between requests: the health facts read by the first are reused. */
  readonly dbMs: readonly number[];
  readonly totalMs: readonly number[];
  /** A write committed before each request (as a heartbeat would): every request reads the facts again. */
  readonly afterWriteDbMs: readonly number[];
  readonly afterWriteTotalMs: readonly number[];
  /** Assets matching (the API's `total`), or rows on the page. */
  readonly matching: number;
}

export const FILTER_CASES: readonly FilterCase[] = [
  { name: 'no filter (first page)', url: '/api/v1/assets' },
  { name: 'name contains', url: '/api/v1/assets?q=orders' },
  { name: 'layer + group', url: '/api/v1/assets?layer=gold&group=finance' },
  { name: 'owner', url: '/api/v1/assets?owner=team%3Apayments' },
  { name: 'status stale', url: '/api/v1/assets?status=stale' },
  { name: 'status failed', url: '/api/v1/assets?status=failed' },
  { name: 'name + group + owner + status', url: '/api/v1/assets?q=fct&group=finance&owner=team%3Afinance&status=stale' },
  { name: 'HTML page, status stale', url: '/assets?status=stale' },
];

const WARMUP = 5;

function serverTiming(header: unknown, name: string): number {
  return Number(new RegExp(`${name};dur=([\\d.]+)`).exec(String(header))?.[1] ?? Number.NaN);
}

/** `write` commits something unrelated, so the next request cannot reuse what the last one read. */
export async function measureFilters(app: FastifyInstance, samples: number, write: () => Promise<void>): Promise<FilterResult[]> {
  const results: FilterResult[] = [];
  for (const filterCase of FILTER_CASES) {
    const get = async () => {
      const response = await app.inject({ method: 'GET', url: filterCase.url });
      if (response.statusCode !== 200) throw new Error(`${filterCase.url} answered ${response.statusCode}: ${response.body.slice(0, 300)}`);
      return response;
    };
    const dbMs: number[] = [];
    const totalMs: number[] = [];
    const afterWriteDbMs: number[] = [];
    const afterWriteTotalMs: number[] = [];
    let matching = 0;
    for (let i = 0; i < WARMUP + samples; i++) {
      await write();
      const fresh = await get();
      const again = await get();
      if (i < WARMUP) continue;
      afterWriteDbMs.push(serverTiming(fresh.headers['server-timing'], 'db'));
      afterWriteTotalMs.push(serverTiming(fresh.headers['server-timing'], 'total'));
      dbMs.push(serverTiming(again.headers['server-timing'], 'db'));
      totalMs.push(serverTiming(again.headers['server-timing'], 'total'));
      matching = filterCase.url.startsWith('/api/') ? again.json<{ total: number }>().total : Number(/data-total="(\d+)"/.exec(again.body)?.[1]);
    }
    results.push({ ...filterCase, dbMs, totalMs, afterWriteDbMs, afterWriteTotalMs, matching });
  }
  return results;
}

export interface LayoutResult {
  readonly assets: number;
  readonly edges: number;
  readonly ms: number;
  readonly width: number;
  readonly height: number;
}

export function measureFullLayout(graph: AssetGraph): LayoutResult {
  const started = performance.now();
  const layout = layoutAssets(graph.nodes, graph.edges);
  return { assets: graph.nodes.length, edges: graph.edges.length, ms: performance.now() - started, width: layout.width, height: layout.height };
}

export interface FocusedLayouts {
  readonly samples: number;
  readonly ms: readonly number[];
  readonly assets: readonly number[];
  /** The focus whose picture had the most assets: the browser measures it too. */
  readonly largest: { readonly key: string; readonly assets: number; readonly depth: number };
}

/** Neighbourhood + layout (never cached here) of `samples` assets spread over the graph, depth 2. */
export function measureFocusedLayouts(graph: AssetGraph, samples: number): FocusedLayouts {
  const ms: number[] = [];
  const assets: number[] = [];
  let largest = { key: '', assets: 0, depth: 0 };
  for (let i = 0; i < samples; i++) {
    const key = graph.order[Math.floor((i * graph.order.length) / samples)] as string;
    const started = performance.now();
    const area = neighbourhood(graph, key, 2);
    layoutAssets(area.nodes, area.edges);
    ms.push(performance.now() - started);
    assets.push(area.nodes.length);
    if (area.nodes.length > largest.assets) largest = { key, assets: area.nodes.length, depth: area.depth };
  }
  return { samples, ms, assets, largest };
}

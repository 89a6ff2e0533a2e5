/**
 * The lineage page of a synthetic 500-asset graph in a real browser: Strata (buildApp over a
 * runtime with that graph) listens on 127.0.0.1:0, Debian's chromium (playwright-core) opens
 * `/lineage` in a fresh context each time (no cache), and the page's own Performance API says
 * when it loaded and when it first painted, from navigation start.
 */
import { access } from 'node:fs/promises';
import { chromium } from 'playwright-core';
import type { Runtime } from '../src/runtime.js';
import { buildApp } from '../src/server/app.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

export interface LineageLoad {
  readonly loadMs: number;
  readonly firstContentfulPaintMs: number;
  readonly nodes: number;
}

export type LineageResult =
  | { readonly skipped: string }
  | {
      readonly assets: number;
      readonly edges: number;
      readonly htmlBytes: number;
      /** buildApp, which lays the graph out once (the page serves the cached layout). */
      readonly buildAppMs: number;
      /** Server time of GET /lineage, first (cold) and median of the loads. */
      readonly serverMs: readonly number[];
      readonly loads: readonly LineageLoad[];
    };

export async function chromiumMissing(): Promise<string | undefined> {
  try {
    await access(CHROMIUM_PATH);
    return undefined;
  } catch {
    return `chromium not found at ${CHROMIUM_PATH}: lineage bench skipped (apt-get install chromium)`;
  }
}

/** Resolves with the page's navigation timing and first-contentful-paint, waiting for the paint entry if it is not there yet. */
const PAGE_TIMINGS = `new Promise((resolve) => {
  const navigation = performance.getEntriesByType('navigation')[0];
  const done = (fcp) => resolve({ loadMs: navigation.loadEventEnd - navigation.startTime, fcpMs: fcp });
  const seen = performance.getEntriesByName('first-contentful-paint')[0];
  if (seen) return done(seen.startTime);
  new PerformanceObserver((list) => {
    const entry = list.getEntriesByName('first-contentful-paint')[0];
    if (entry) done(entry.startTime);
  }).observe({ type: 'paint', buffered: true });
  setTimeout(() => done(-1), 10000);
})`;

export async function measureLineage(runtime: Runtime, loads: number): Promise<LineageResult> {
  const missing = await chromiumMissing();
  if (missing !== undefined) return { skipped: missing };
  const building = performance.now();
  const app = await buildApp({ runtime });
  const buildAppMs = performance.now() - building;
  const serverMs: number[] = [];
  app.addHook('onResponse', async (request, reply) => {
    if (request.url === '/lineage') serverMs.push(reply.elapsedTime);
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const probe = await fetch(`${base}/lineage`);
    const body = await probe.text();
    if (probe.status !== 200) return { skipped: `GET /lineage answered ${probe.status}: ${body.slice(0, 200)}` };
    const measured: LineageLoad[] = [];
    for (let i = 0; i < loads; i++) {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      try {
        const page = await context.newPage();
        await page.goto(`${base}/lineage`, { waitUntil: 'load' });
        const timings = (await page.evaluate(PAGE_TIMINGS)) as { loadMs: number; fcpMs: number };
        const nodes = await page.locator('[data-testid="lineage-node"]').count();
        measured.push({ loadMs: timings.loadMs, firstContentfulPaintMs: timings.fcpMs, nodes });
      } finally {
        await context.close();
      }
    }
    return { assets: runtime.graph.nodes.length, edges: runtime.graph.edges.length, htmlBytes: Buffer.byteLength(body), buildAppMs, serverMs, loads: measured };
  } finally {
    await browser.close();
    await app.close();
  }
}

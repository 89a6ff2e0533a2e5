/**
 * The catalog bench's browser measurements: Strata listening on 127.0.0.1:0, Debian's chromium
 * opening each page once cold (first request of it to this server) and then `loads` times, each
 * in a fresh context (no browser cache), bench/page-paint.ts timing navigation start → painted,
 * with the SVG or the table on screen.
 */
import { chromium } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumMissing } from './api-lineage.js';
import { measurePaint, watchPaint, type PagePaint } from './page-paint.js';

export interface PageCase {
  readonly name: string;
  /** Which app serves it (the 5,000-asset one, or the 500-asset one whose lineage is drawn whole). */
  readonly app: 'catalog' | 'whole';
  readonly path: string;
  /** What must be on screen. */
  readonly selector: string;
}

export interface PageResult extends PageCase {
  /** The first load of the page in this server: nothing cached (a focused layout is computed then). */
  readonly first: PagePaint;
  /** The loads after it. */
  readonly loads: readonly PagePaint[];
  /** `data-testid="lineage-node"` or `catalog-row` elements on the page. */
  readonly items: number;
}

export type BrowserResult = { readonly skipped: string } | { readonly pages: readonly PageResult[] };

export async function measurePages(apps: Readonly<Record<PageCase['app'], FastifyInstance>>, cases: readonly PageCase[], loads: number): Promise<BrowserResult> {
  const missing = await chromiumMissing();
  if (missing !== undefined) return { skipped: missing };
  const bases = {
    catalog: await apps.catalog.listen({ host: '127.0.0.1', port: 0 }),
    whole: await apps.whole.listen({ host: '127.0.0.1', port: 0 }),
  };
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const pages: PageResult[] = [];
    for (const pageCase of cases) {
      const measured: PagePaint[] = [];
      let items = 0;
      for (let i = 0; i <= loads; i++) {
        const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
        try {
          await watchPaint(context);
          const page = await context.newPage();
          const paint = await measurePaint(page, `${bases[pageCase.app]}${pageCase.path}`, pageCase.selector);
          if (!paint.visible) throw new Error(`${pageCase.path}: ${pageCase.selector} is not on screen`);
          measured.push(paint);
          items = await page.locator('[data-testid="lineage-node"], [data-testid="catalog-row"], [data-testid="lineage-group"]').count();
        } finally {
          await context.close();
        }
      }
      pages.push({ ...pageCase, first: measured[0] as PagePaint, loads: measured.slice(1), items });
    }
    return { pages };
  } finally {
    await browser.close();
  }
}

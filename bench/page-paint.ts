/**
 * How long a page of ours takes to be painted in chromium, measured by the page's own clock:
 * an init script (playwright injects it before the document's scripts; the CSP does not apply to
 * it) waits for the `load` event, then two animation frames, and notes `performance.now()`: the
 * second frame starts once the first frame after load is drawn. The first contentful paint is a
 * presentation time and may come later still, so `paintedMs` is the later of the two: navigation
 * start → everything the server sent (the SVG or the table) on screen. Also the load event and
 * the Server-Timing the page was answered with.
 */
import type { BrowserContext, Page } from 'playwright-core';

export interface PagePaint {
  /** Navigation start → the first frame after load drawn and the first contentful paint presented. */
  readonly paintedMs: number;
  readonly firstContentfulPaintMs: number;
  readonly loadMs: number;
  /** The element the page is for (`[data-testid="lineage-graph"]`) has a size on screen. */
  readonly visible: boolean;
  /** Server-Timing `db` (the read models) and `total`, in ms; NaN when absent. */
  readonly serverDbMs: number;
  readonly serverTotalMs: number;
  readonly htmlBytes: number;
}

const PAINT_WATCH = `window.__strataPainted = new Promise((resolve) => {
  addEventListener('load', () => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now()))));
});
window.__strataFirstPaint = new Promise((resolve) => {
  new PerformanceObserver((list) => {
    const entry = list.getEntriesByName('first-contentful-paint')[0];
    if (entry) resolve(entry.startTime);
  }).observe({ type: 'paint', buffered: true });
  setTimeout(() => resolve(-1), 10000);
});`;

/** Call once per context, before the navigations to measure. */
export async function watchPaint(context: BrowserContext): Promise<void> {
  await context.addInitScript(PAINT_WATCH);
}

/** Waits for the current document's paint and reads its timings; `selector` is what must be visible. */
export async function readPaint(page: Page, selector: string): Promise<PagePaint> {
  const reading = `(async () => {
    const frameMs = await window.__strataPainted;
    const fcpMs = await window.__strataFirstPaint;
    const navigation = performance.getEntriesByType('navigation')[0];
    const element = document.querySelector(${JSON.stringify(selector)});
    const box = element ? element.getBoundingClientRect() : null;
    const server = Object.fromEntries((navigation.serverTiming || []).map((entry) => [entry.name, entry.duration]));
    return {
      paintedMs: Math.max(frameMs, fcpMs),
      firstContentfulPaintMs: fcpMs,
      loadMs: navigation.loadEventEnd - navigation.startTime,
      visible: box !== null && box.width > 0 && box.height > 0,
      serverDbMs: server.db ?? NaN,
      serverTotalMs: server.total ?? NaN,
      htmlBytes: navigation.decodedBodySize,
    };
  })()`;
  return (await page.evaluate(reading)) as PagePaint;
}

/** Opens `url` and measures its paint (the context must be watched). */
export async function measurePaint(page: Page, url: string, selector: string): Promise<PagePaint> {
  await page.goto(url, { waitUntil: 'load' });
  return readPaint(page, selector);
}

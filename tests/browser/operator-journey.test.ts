/**
 * The operator's day in a real browser: overview → lineage → asset page, a launch refused
 * without a login, log in, launch, watch the run succeed live, find it in the runs list, log out.
 * The tests share one browser page and run in order; each screenshots the pages it visits.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sixHourlyPartitions } from '../../src/core/partitions.js';
import { listRuns } from '../../src/storage/index.js';
import { describeWithBrowser, launchBrowser, screenshot, startStrata, type RunningStrata } from '../helpers/browser.js';

const ADMIN_TOKEN = 'browser-test-admin-token-0123456789';
const ASSET = 'silver/market_snapshots';
const RUN_PATH = /^\/runs\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const RUN_TIMEOUT_MS = 60_000;

const byTestId = (id: string) => `[data-testid="${id}"]`;

describeWithBrowser('the operator journey in chromium', () => {
  let strata: RunningStrata;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let launchedRunId = '';
  /** Script errors and CSP violations on any page: the UI must run with no inline script or style. */
  const pageProblems: string[] = [];

  const url = (path: string) => `${strata.baseUrl}${path}`;
  const runCount = async () => (await listRuns(strata.database.db, { limit: 1000 })).runs.length;

  async function submitLaunchForm(): Promise<void> {
    const button = page.locator(byTestId('launch-button'));
    // A viewer's button is disabled; a stale page (logged out in another tab) still posts the form.
    if (await button.isDisabled()) await page.locator(byTestId('launch-form')).evaluate((form) => (form as unknown as { requestSubmit(): void }).requestSubmit());
    else await button.click();
  }

  beforeAll(async () => {
    strata = await startStrata({ adminToken: ADMIN_TOKEN });
    // Upstream of the asset launched below, and something to show on the overview and lineage.
    const { result } = await strata.pipeline.materialize(sixHourlyPartitions.keyFor(new Date()));
    expect(result.status).toBe('SUCCESS');
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (error) => pageProblems.push(`${page.url()}: ${error.message}`));
    page.on('console', (message) => {
      // A failed load is reported below with its URL; a 401 page (a wrong token) is an answer, not a problem.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageProblems.push(`${page.url()}: ${message.text()}`);
    });
    page.on('response', (response) => {
      const request = response.request();
      const path = new URL(response.url()).pathname;
      // Subresources a page loads (scripts, styles, its live event stream); the refused POSTs are deliberate.
      if (response.status() >= 400 && request.method() === 'GET' && request.resourceType() !== 'document' && path !== '/favicon.ico') {
        pageProblems.push(`${page.url()}: GET ${path} answered ${response.status()}`);
      }
    });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await strata?.stop();
  });

  it('opens the overview and follows the lineage to an asset page', async () => {
    await page.goto(url('/'));
    await page.locator(byTestId('nav-overview')).waitFor();
    await screenshot(page, '01-overview');

    await page.locator(byTestId('nav-lineage')).click();
    await page.waitForURL(url('/lineage'));
    const node = page.locator(`${byTestId('lineage-node')}[data-asset-key="${ASSET}"]`);
    await node.waitFor();
    expect(await page.locator(byTestId('lineage-node')).count()).toBe(strata.pipeline.runtime.graph.nodes.length);
    await screenshot(page, '02-lineage');

    await node.click();
    await page.waitForURL(url(`/assets/${ASSET}`));
    await page.locator(byTestId('launch-form')).waitFor();
    await screenshot(page, '03-asset');
  });

  it('refuses a launch without a login: back to /login with a notice, nothing queued', async () => {
    const before = await runCount();
    await submitLaunchForm();
    await page.waitForURL((current) => current.pathname === '/login' && current.search !== '');
    const notice = page.locator(byTestId('notice'));
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/log in/i);
    await screenshot(page, '04-launch-refused');
    expect(await runCount()).toBe(before);
  });

  it('refuses a POST to /api/v1/runs from the page without a Bearer token (401)', async () => {
    // Runs in the page: the browser's fetch, with the page's cookies and origin.
    const answer = await page.evaluate(async (selection) => {
      const response = await fetch('/api/v1/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ selection }) });
      return { status: response.status, body: (await response.json()) as { error: string; message: string } };
    }, ASSET);
    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe('UNAUTHORIZED');
    expect(answer.body.message).toMatch(/Bearer/);
  });

  it('refuses a wrong token, then logs in with the right one', async () => {
    await page.goto(url('/login'));
    await page.locator(byTestId('login-token')).fill('not-the-token');
    await page.locator(byTestId('login-submit')).click();
    await page.locator(byTestId('notice')).waitFor();
    expect(await page.locator(byTestId('notice')).textContent()).toMatch(/wrong/i);
    await screenshot(page, '05-login-wrong-token');

    await page.locator(byTestId('login-token')).fill(ADMIN_TOKEN);
    await page.locator(byTestId('login-submit')).click();
    await page.waitForURL((current) => current.pathname !== '/login');
    const cookies = await context.cookies();
    expect(cookies.find((cookie) => cookie.name === 'strata_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    // The token itself is never on a page.
    expect(await page.content()).not.toContain(ADMIN_TOKEN);
  });

  it('launches a run from the asset page and watches it succeed live on the run page', async () => {
    await page.goto(url(`/assets/${ASSET}`));
    const before = await runCount();
    // The run holds at its first SQL session until the page has shown it in progress.
    strata.gate.close();
    await page.locator(byTestId('launch-button')).click();
    await page.waitForURL((current) => RUN_PATH.test(current.pathname));
    launchedRunId = RUN_PATH.exec(new URL(page.url()).pathname)?.[1] ?? '';
    expect(await runCount()).toBe(before + 1);

    await strata.gate.reached;
    const status = page.locator(byTestId('run-status'));
    await page.waitForSelector(`${byTestId('run-status')}[data-status="STARTED"]`);
    await page.locator(`${byTestId('event-log')} li`).first().waitFor();
    await screenshot(page, '06-run-in-progress');
    // Marks this document: if the page reloaded instead of updating, the mark is gone.
    await page.evaluate('window.__strataNoReload = true');

    strata.gate.open();
    await page.waitForSelector(`${byTestId('run-status')}[data-status="SUCCESS"]`, { timeout: RUN_TIMEOUT_MS });
    expect(await page.evaluate('window.__strataNoReload === true')).toBe(true);
    expect(await status.getAttribute('data-status')).toBe('SUCCESS');
    await page.waitForFunction(
      `[...document.querySelectorAll('[data-testid="event-log"] li')].some((item) => /succeeded/i.test(item.textContent))`,
      undefined,
      { timeout: RUN_TIMEOUT_MS },
    );
    expect(await page.locator(`${byTestId('event-log')} li`).count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator(byTestId('event-log')).textContent()).toContain(ASSET);
    await screenshot(page, '07-run-succeeded');
  }, 2 * RUN_TIMEOUT_MS);

  it('finds the run in the runs list', async () => {
    expect(launchedRunId).not.toBe('');
    await page.locator(byTestId('nav-runs')).click();
    await page.waitForURL((current) => current.pathname === '/runs');
    const row = page.locator(`${byTestId('run-row')}[data-run-id="${launchedRunId}"]`);
    await row.waitFor();
    expect(await row.textContent()).toMatch(/SUCCESS/i);
    await screenshot(page, '08-runs');
  });

  it('logs out, and a launch is refused again', async () => {
    await page.locator(byTestId('nav-login')).click();
    await page.waitForURL((current) => current.pathname === '/login');
    const loggedOut = page.waitForResponse((response) => new URL(response.url()).pathname === '/logout');
    await page.locator(byTestId('logout-button')).click();
    await loggedOut;
    await page.waitForLoadState();
    expect((await context.cookies()).some((cookie) => cookie.name === 'strata_session')).toBe(false);

    await page.goto(url(`/assets/${ASSET}`));
    const before = await runCount();
    await submitLaunchForm();
    await page.waitForURL((current) => current.pathname === '/login' && current.search !== '');
    await page.locator(byTestId('notice')).waitFor();
    await screenshot(page, '09-logged-out-refused');
    expect(await runCount()).toBe(before);
  });

  it('ran every page without a script error or a Content-Security-Policy violation', () => {
    expect(pageProblems).toEqual([]);
  });
});

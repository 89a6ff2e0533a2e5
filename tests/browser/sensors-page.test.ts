/**
 * The Sensors page in chromium: a sensor's switch turned off shows it off (after the redirect,
 * and on reload), and its page's evaluation history shows a skip reason, an error and the run
 * it requested, linking to the run page.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { defineAsset } from '../../src/core/asset.js';
import { ManualClock } from '../../src/core/manual-clock.js';
import { defineSensor } from '../../src/core/sensor.js';
import { createSensorDaemon } from '../../src/daemon/sensors/sensor-daemon.js';
import { defineDefinitions } from '../../src/definitions/definitions.js';
import { createLogger } from '../../src/logger.js';
import { openRuntime } from '../../src/runtime.js';
import { buildApp, type StrataApp } from '../../src/server/app.js';
import { describeWithBrowser, launchBrowser, screenshot } from '../helpers/browser.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const byTestId = (id: string) => `[data-testid="${id}"]`;

describeWithBrowser('the Sensors page in chromium', () => {
  let database: TestDatabase;
  let dataDir: string;
  let app: StrataApp;
  let baseUrl: string;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('browser_sensors');
    dataDir = await mkdtemp(join(tmpdir(), 'strata-browser-sensors-'));
    const clock = new ManualClock(new Date('2026-11-23T06:00:00.000Z'));
    const raw = defineAsset({ key: 'bronze/raw', layer: 'bronze', description: 'raw', materialize: async () => ({ value: 1 }) });
    let call = 0;
    const inbox = defineSensor({
      name: 'inbox_files',
      minimumIntervalSeconds: 30,
      evaluate() {
        call += 1;
        if (call === 1) return { runRequests: [{ selection: 'bronze/raw', runKey: 'orders.csv' }], cursor: 'orders.csv' };
        if (call === 2) throw new Error('inbox folder unreadable');
        return { skipReason: 'no new files in inbox/orders' };
      },
    });
    const runtime = await openRuntime(loadConfig({ STRATA_DATA_DIR: dataDir }), createLogger({ level: 'silent', pretty: false }), {
      database,
      clock,
      definitions: defineDefinitions({ assets: [raw], sensors: [inbox] }),
    });
    const daemon = createSensorDaemon(runtime, { sensors: runtime.sensors, daemonId: 'browser-daemon', onLoopResult: async () => {} });
    for (let i = 0; i < 3; i++) {
      await daemon.evaluateDue();
      clock.advance(30_000);
    }
    app = await buildApp({ runtime });
    baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('pageerror', (error) => problems.push(error.message));
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.destroy();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it('switching a sensor off shows it off', async () => {
    await page.goto(`${baseUrl}/`);
    await page.click(byTestId('nav-sensors'));
    const card = page.locator('[data-sensor="inbox_files"]');
    await expect.poll(() => card.locator(byTestId('sensor-status')).textContent()).toBe('on');
    await card.locator(byTestId('sensor-toggle')).click();
    await page.waitForURL(/\/sensors\?notice=/);
    expect(await page.locator(byTestId('notice')).textContent()).toBe('Sensor inbox_files is off.');
    expect(await page.locator('[data-sensor="inbox_files"]').getAttribute('data-status')).toBe('stopped');
    await page.reload();
    expect(await page.locator('[data-sensor="inbox_files"]').locator(byTestId('sensor-status')).textContent()).toBe('off');
    await screenshot(page, 'sensors-list');
  });

  it("the sensor's history shows the skip reason, the error and the requested run", async () => {
    await page.click('[data-sensor="inbox_files"] h2 a');
    await page.waitForURL(/\/sensors\/inbox_files$/);
    const rows = page.locator(byTestId('evaluation-row'));
    expect(await rows.count()).toBe(3);
    expect(await rows.nth(0).getAttribute('data-outcome')).toBe('skipped');
    expect(await rows.nth(0).locator(byTestId('skip-reason')).textContent()).toBe('no new files in inbox/orders');
    expect(await rows.nth(1).locator(byTestId('evaluation-error')).textContent()).toMatch(/^inbox folder unreadable\n/);
    await screenshot(page, 'sensor-history');
    await rows.nth(2).locator(`${byTestId('requested-run')} a`).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    expect(problems).toEqual([]);
  });
});

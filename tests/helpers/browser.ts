/**
 * Browser tests: Debian's chromium driven by playwright-core, against a real Strata listening on
 * 127.0.0.1:0 (the pipeline runtime over a PGlite test database with the fake CoinGecko, the
 * Fastify app with an admin token, and a worker executing queued runs in this process).
 *
 * Without /usr/bin/chromium (`.ci/run` installs it) the suites skip and their title says why.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { describe } from 'vitest';
import type { Resources } from '../../src/core/types.js';
import { createWorker, type Worker } from '../../src/daemon/worker.js';
import { buildApp, type StrataApp } from '../../src/server/app.js';
import { startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-artifacts/screenshots/', import.meta.url));

export const CHROMIUM_SKIP_REASON = existsSync(CHROMIUM_PATH) ? undefined : `chromium not found at ${CHROMIUM_PATH}: browser tests skipped`;

/** `describe` when chromium is installed, else `describe.skip` with the reason in the title. */
export function describeWithBrowser(title: string, body: () => void): void {
  if (CHROMIUM_SKIP_REASON === undefined) describe(title, body);
  else describe.skip(`${title} (${CHROMIUM_SKIP_REASON})`, body);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** A full-page screenshot to test-artifacts/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOT_DIR}${name}.png`, fullPage: true });
}

/**
 * Holds every asset's SQL session until released: a run launched while it is closed stays
 * STARTED, so a test can watch the run page change live. Only the assets' resources are wrapped;
 * the run's own bookkeeping (events, steps, status) goes through runtime.database untouched.
 */
export interface AssetGate {
  close(): void;
  open(): void;
  /** Resolves when an asset has asked for a session while the gate was closed. */
  readonly reached: Promise<void>;
}

function gatedResources(gate: { wait(): Promise<void> }): (resources: Resources) => Resources {
  return (resources) => {
    const { database } = resources;
    const withSession: typeof database.withSession = async (work) => {
      await gate.wait();
      return database.withSession(work);
    };
    return { ...resources, database: { ...database, withSession } };
  };
}

function createGate(): AssetGate & { wait(): Promise<void> } {
  let release: Promise<void> | undefined;
  let open: () => void = () => undefined;
  let signalReached: () => void = () => undefined;
  let reached = new Promise<void>((resolve) => (signalReached = resolve));
  return {
    close() {
      release = new Promise<void>((resolve) => (open = resolve));
      reached = new Promise<void>((resolve) => (signalReached = resolve));
    },
    open() {
      release = undefined;
      open();
    },
    get reached() {
      return reached;
    },
    async wait() {
      if (release === undefined) return;
      signalReached();
      await release;
    },
  };
}

export interface RunningStrata {
  readonly baseUrl: string;
  readonly adminToken: string;
  readonly pipeline: Pipeline;
  readonly database: TestDatabase;
  readonly app: StrataApp;
  readonly worker: Worker;
  readonly gate: AssetGate;
  stop(): Promise<void>;
}

export async function startStrata(options: { readonly adminToken: string }): Promise<RunningStrata> {
  const database = await createTestDatabase('browser');
  const gate = createGate();
  let pipeline: Pipeline | undefined;
  let app: StrataApp | undefined;
  let worker: Worker | undefined;
  const stop = async () => {
    gate.open();
    await worker?.stop({ graceMs: 0 });
    await app?.close();
    await pipeline?.stop();
    await database.destroy();
  };
  try {
    pipeline = await startPipeline(database, { resources: gatedResources(gate) });
    app = await buildApp({ runtime: pipeline.runtime, security: { adminToken: options.adminToken } });
    const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    worker = createWorker(pipeline.runtime, { concurrency: 2 });
    await worker.start();
    return { baseUrl, adminToken: options.adminToken, pipeline, database, app, worker, gate, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

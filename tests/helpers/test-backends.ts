/**
 * Which database backends the storage contract suites run on. PGlite always; Postgres when
 * TEST_DATABASE_URL is set (the only place tests read the environment).
 */
import { describe } from 'vitest';

export type TestBackendName = 'pglite' | 'postgres';

/** A server where the test user may CREATE DATABASE, e.g. postgres://postgres@127.0.0.1:5432/test. */
export function postgresTestUrl(): string | undefined {
  const url = process.env['TEST_DATABASE_URL'];
  return url === undefined || url === '' ? undefined : url;
}

export const POSTGRES_SKIP_REASON = 'TEST_DATABASE_URL is not set';

/**
 * `describe` once per backend, with the backend in the title. Without TEST_DATABASE_URL the
 * Postgres block is `describe.skip`, titled with the reason so the report says why.
 */
export function describeEachBackend(title: string, body: (backend: TestBackendName) => void): void {
  describe(`${title} [pglite]`, () => body('pglite'));
  if (postgresTestUrl() === undefined) {
    describe.skip(`${title} [postgres] (skipped: ${POSTGRES_SKIP_REASON})`, () => body('postgres'));
  } else {
    describe(`${title} [postgres]`, () => body('postgres'));
  }
}

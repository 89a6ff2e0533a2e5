/**
 * On the embedded database, a run the CLI executes as a client of the owner reaches the
 * owner's PGlite through its socket, where NOTIFY is not delivered to listeners and no
 * in-process bus sees it. So the owner's automation loop also looks at the change feed once a
 * second: one indexed `EXISTS` on a table that is drained, waking the loop only when a change
 * waits. On Postgres, LISTEN/NOTIFY does this job and the watch is not started.
 */
import { sql } from 'kysely';
import type { Logger } from '../../logger.js';
import type { StrataDatabase } from '../../storage/index.js';

export const FEED_WATCH_INTERVAL_MS = 1_000;

export function watchChangeFeed(database: StrataDatabase, logger: Logger, wake: () => void): () => void {
  if (database.embedded === undefined) return () => {};
  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    sql<{ waiting: boolean }>`SELECT EXISTS (SELECT 1 FROM strata.automation_changes) AS waiting`
      .execute(database.db)
      .then((result) => {
        if (result.rows[0]?.waiting === true) wake();
      })
      .catch((error: unknown) => logger.debug({ err: error }, 'automation: could not look at the change feed'))
      .finally(() => {
        checking = false;
      });
  }, FEED_WATCH_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Which source names `strata import` may write. A name is lower snake case (the `source` column's
 * CHECK); the names of Strata's own sources are refused, since their silver assets replace whole
 * snapshots and an import mixed in would be deleted or would overwrite fetched data.
 */
import { SOURCES } from '../../config.js';
import { ValidationError } from '../../index.js';
import { SOURCE_NAME } from '../quotes/unified-quote.js';

export function checkImportSource(source: string): string {
  if (!SOURCE_NAME.test(source)) {
    throw new ValidationError(`--source ${JSON.stringify(source)}: a source name is lower snake case (a-z, 0-9, _), starting with a letter, at most 40 characters`);
  }
  if ((SOURCES as readonly string[]).includes(source)) {
    throw new ValidationError(`--source ${source}: '${source}' is fed by Strata's own assets; import under another name (e.g. ${source}_csv)`);
  }
  return source;
}

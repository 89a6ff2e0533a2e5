/**
 * Which source names `strata import` may write. A name is lower snake case (the `source` column's
 * CHECK); the names of Strata's own sources are refused, since their silver assets replace whole
 * snapshots and an import mixed in would be deleted or would overwrite fetched data.
 */
import { SOURCES } from '../../config.js';
import { ValidationError } from '../../index.js';
import { SOURCE_NAME } from '../quotes/unified-quote.js';

/** Why `source` cannot be imported under, in words; undefined when it can. The inbox writes it beside a refused folder's files. */
export function importSourceProblem(source: string): string | undefined {
  if (!SOURCE_NAME.test(source)) return 'a source name is lower snake case (a-z, 0-9, _), starting with a letter, at most 40 characters';
  if ((SOURCES as readonly string[]).includes(source)) {
    return `'${source}' is fed by Strata's own assets; import under another name (e.g. ${source}_csv)`;
  }
  return undefined;
}

export function checkImportSource(source: string): string {
  const problem = importSourceProblem(source);
  // A name that is not one shows quoted, so spaces and an empty name are visible.
  if (problem !== undefined) throw new ValidationError(`--source ${SOURCE_NAME.test(source) ? source : JSON.stringify(source)}: ${problem}`);
  return source;
}

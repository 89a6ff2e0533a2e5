/**
 * The URL that imports a definitions module afresh: version 0 is the plain file (the first load);
 * a later version carries `?strata-reload=N`, which the hooks in reload-hooks.mjs pass on to the
 * project files it imports (registered once, on the first reload).
 */
import { register } from 'node:module';

let registered = false;
const STRATA_ROOT = new URL('../', import.meta.url).href;

export function reloadUrl(fileUrl: string, version: number): string {
  if (version === 0) return fileUrl;
  if (!registered) {
    register(new URL('./reload-hooks.mjs', import.meta.url), { data: { strataRoot: STRATA_ROOT } });
    registered = true;
  }
  return `${fileUrl}?strata-reload=${version}`;
}

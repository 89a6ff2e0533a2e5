/**
 * Dev mode (`strata dev`, `strata start --watch`): reloads the definitions when a file of the
 * project changes — the module's folder (TypeScript, JavaScript, JSON) and every SQL-asset
 * folder — without a restart. Changes are debounced (an editor writes a file in several steps;
 * a `git checkout` touches many) so one burst makes one reload; a reload that fails keeps the
 * last good definitions (definitions-registry.ts).
 *
 * Each folder of the tree is watched on its own (inotify on a directory sees its files change,
 * however they are written): Node's `recursive` watcher on Linux watches files, and lost a file
 * that an editor (or `sed -i`) replaced by renaming a new one over it.
 */
import { readdirSync, watch, type FSWatcher } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import type { DefinitionsRegistry } from './definitions-registry.js';

export interface DefinitionsWatcher {
  /** The folders watched, for the log line at start. */
  readonly folders: readonly string[];
  close(): void;
}

const WATCHED = /\.(?:[cm]?[jt]s|json|sql)$/;
const IGNORED_NAMES = new Set(['node_modules', '.git', 'data', 'dist']);
const DEBOUNCE_MS = 100;

export function watchDefinitions(registry: DefinitionsRegistry, options: { includeModuleFolder: boolean }): DefinitionsWatcher {
  const watchers: FSWatcher[] = [];
  let folders: string[] = [];
  let timer: NodeJS.Timeout | undefined;

  const changed = (folder: string) => (_event: string, name: string | Buffer | null) => {
    const file = name === null ? '' : join(folder, name.toString());
    // A name without an extension may be a new folder (`sql/marts/`): reload, and watch it.
    if (file !== '' && extname(file) !== '' && !WATCHED.test(file)) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void registry.reload().then(() => {
        folders = [];
        rewatch();
      });
    }, DEBOUNCE_MS);
  };

  // A reload may name new SQL folders: watch what the current definitions name.
  function rewatch(): void {
    const wanted = [...new Set([...(options.includeModuleFolder ? [dirname(registry.current.file)] : []), ...registry.current.sqlAssetDirs])];
    if (wanted.join('\n') === folders.join('\n')) return;
    for (const watcher of watchers.splice(0)) watcher.close();
    folders = wanted;
    for (const folder of folders.flatMap(treeOf)) {
      try {
        const watcher = watch(folder, changed(folder));
        // A folder deleted while watched: its watcher ends; the next reload reports the missing folder.
        watcher.on('error', () => watcher.close());
        watchers.push(watcher);
      } catch {
        // A SQL folder that does not exist yet: the loader reports it; nothing to watch.
      }
    }
  }

  rewatch();
  // A folder created later (a new `sql/marts/`) is watched from the next reload on.
  return {
    get folders() {
      return folders;
    },
    close() {
      if (timer !== undefined) clearTimeout(timer);
      for (const watcher of watchers.splice(0)) watcher.close();
    },
  };
}

/** `root` and every folder below it, except ignored ones (never entered); a missing root gives none. */
function treeOf(root: string): string[] {
  let entries;
  try {
    entries = readdirSync(root, { withFileTypes: true });
  } catch {
    return [];
  }
  const below = entries.filter((entry) => entry.isDirectory() && !IGNORED_NAMES.has(entry.name)).flatMap((entry) => treeOf(join(root, entry.name)));
  return [root, ...below];
}

import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { exists, isNotFound, parseHiddenName } from './durable-fs.js';

/** What recovery did, as paths relative to the store root. */
export interface BronzeRecoveryReport {
  /** Older partition versions renamed back because a commit crashed between its two renames. */
  readonly restored: string[];
  /** Leftover `.staging`, `.old` and `.tmp` entries removed. */
  readonly removed: string[];
}

/**
 * Recovery rule for one directory, optionally only for hidden entries of one target `name`:
 * - `.old.*.<name>` with `<name>` missing: the commit crashed between "old aside" and "new in",
 *   so the old version is put back (the new one never became visible);
 * - `.old.*.<name>` with `<name>` present: the commit finished its swap; the old copy is removed;
 * - `.staging.*` and `.tmp.*`: an unfinished write; removed.
 * Only safe when no writer is active on those entries (startup, or the partition's next write).
 */
export async function recoverDir(
  dir: string,
  relativeDir: string,
  report: BronzeRecoveryReport,
  onlyName?: string,
): Promise<void> {
  let entries: string[];
  try {
    entries = (await readdir(dir)).sort();
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  const rel = (entry: string) => (relativeDir === '' ? entry : `${relativeDir}/${entry}`);
  // Olds first, so a restored version is in place before anything else looks at the target.
  const hidden = entries
    .map((entry) => ({ entry, parsed: parseHiddenName(entry) }))
    .filter((h) => h.parsed !== undefined && (onlyName === undefined || h.parsed.name === onlyName))
    .sort((a, b) => Number(b.parsed?.tag === '.old') - Number(a.parsed?.tag === '.old'));
  for (const { entry, parsed } of hidden) {
    if (parsed === undefined) continue;
    const path = join(dir, entry);
    if (parsed.tag === '.old' && !(await exists(join(dir, parsed.name)))) {
      await rename(path, join(dir, parsed.name));
      report.restored.push(rel(parsed.name));
    } else {
      await rm(path, { recursive: true, force: true });
      report.removed.push(rel(entry));
    }
  }
}

/** Runs `recoverDir` on every directory under `root`. */
export async function recoverTree(root: string): Promise<BronzeRecoveryReport> {
  const report: BronzeRecoveryReport = { restored: [], removed: [] };
  const walk = async (dir: string, relativeDir: string): Promise<void> => {
    await recoverDir(dir, relativeDir, report);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.isDirectory() && !entry.name.startsWith('.')) {
        await walk(join(dir, entry.name), relativeDir === '' ? entry.name : `${relativeDir}/${entry.name}`);
      }
    }
  };
  await walk(root, '');
  return report;
}

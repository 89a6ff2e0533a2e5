import type { BronzeStore } from '../../index.js';
import { describeError } from '../../index.js';
import { readManifest, readVerifiedFile } from './read-bronze.js';
import { MANIFEST_FILE, type Manifest } from './manifest.js';

/** A bronze file that is missing, unlisted, or whose bytes differ from its manifest entry. */
export interface BronzeMismatch {
  /** The bronze key, e.g. `raw/2025-02-09/2025-02-09T12:00Z/coingecko_markets/page-001.json`. */
  readonly path: string;
  readonly problem: string;
}

/**
 * Re-reads every file the partition's manifest lists and compares size and sha256 with it
 * (the same proof silver makes before loading). An unreadable manifest is one mismatch, and so
 * is each stored file the manifest does not list: a partition is committed whole, so an extra
 * file was put there afterwards.
 */
export async function verifyBronzePartition(bronze: BronzeStore, prefix: string): Promise<{ manifest: Manifest | undefined; mismatches: BronzeMismatch[] }> {
  let manifest: Manifest;
  try {
    manifest = await readManifest(bronze, prefix);
  } catch (error) {
    return { manifest: undefined, mismatches: [{ path: `${prefix}/${MANIFEST_FILE}`, problem: describeError(error) }] };
  }
  const mismatches: BronzeMismatch[] = [];
  for (const file of manifest.files) {
    try {
      await readVerifiedFile(bronze, prefix, file);
    } catch (error) {
      mismatches.push({ path: `${prefix}/${file.name}`, problem: describeError(error) });
    }
  }
  const listed = new Set([MANIFEST_FILE, ...manifest.files.map((file) => file.name)]);
  for (const key of await bronze.list(`${prefix}/`)) {
    if (!listed.has(key.slice(prefix.length + 1))) mismatches.push({ path: key, problem: 'file is not listed in the manifest' });
  }
  return { manifest, mismatches };
}

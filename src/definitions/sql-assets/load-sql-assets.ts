import type { AnyAsset } from '../../core/asset.js';

/** Placeholder until SQL-file assets land: no folder, no asset. */
export async function loadSqlAssets(dirs: readonly string[], _codeAssets: readonly AnyAsset[]): Promise<AnyAsset[]> {
  return dirs.length === 0 ? [] : [];
}

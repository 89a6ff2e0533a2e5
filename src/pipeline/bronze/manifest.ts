/**
 * `_manifest.json`: what a bronze partition holds, so silver can prove it reads exactly the bytes
 * that were fetched (sha256 per file) and `strata verify` can re-check them later.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const MANIFEST_FILE = '_manifest.json';

const ManifestFileSchema = z.object({
  name: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative(),
  /** The request that produced the file (raw responses only), URL without the API key. */
  request: z
    .object({ url: z.string(), status: z.number().int(), fetchedAt: z.string() })
    .optional(),
});

export const ManifestSchema = z.object({
  asset: z.string(),
  partition: z.string(),
  fetchedAt: z.string(),
  rows: z.number().int().nonnegative(),
  files: z.array(ManifestFileSchema),
});

export type Manifest = z.infer<typeof ManifestSchema>;
export type ManifestFile = z.infer<typeof ManifestFileSchema>;

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function describeFile(name: string, bytes: Uint8Array, rows: number, request?: ManifestFile['request']): ManifestFile {
  return { name, sha256: sha256(bytes), bytes: bytes.byteLength, rows, ...(request ? { request } : {}) };
}

export function encodeManifest(manifest: Manifest): Uint8Array {
  return Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
}

/** Parses a stored manifest; a damaged one is an error naming where it was read from. */
export function decodeManifest(bytes: Uint8Array, where: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new Error(`${where}: manifest is not valid JSON`, { cause: error });
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${where}: manifest is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** `raw/2026-11-23/2026-11-23T06:00Z/coingecko_markets`: bronze files grouped by day, then partition. */
export function bronzePrefix(assetName: string, partitionKey: string): string {
  return `raw/${partitionKey.slice(0, 10)}/${partitionKey}/${assetName}`;
}

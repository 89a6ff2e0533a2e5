import { StrataError } from '../../index.js';
import type { BronzeStore } from '../../index.js';
import { MANIFEST_FILE, decodeManifest, sha256, type Manifest, type ManifestFile } from './manifest.js';

/** A bronze file whose bytes differ from its manifest: never retried, never loaded. */
export class BronzeIntegrityError extends StrataError {
  constructor(message: string) {
    super('BRONZE_INTEGRITY', message);
  }
}

export async function readManifest(bronze: BronzeStore, prefix: string): Promise<Manifest> {
  const key = `${prefix}/${MANIFEST_FILE}`;
  return decodeManifest(await bronze.get(key), key);
}

/** Reads one file of a bronze partition and proves it is the file the manifest describes. */
export async function readVerifiedFile(bronze: BronzeStore, prefix: string, file: ManifestFile): Promise<Buffer> {
  const key = `${prefix}/${file.name}`;
  const bytes = await bronze.get(key);
  const actual = sha256(bytes);
  if (bytes.byteLength !== file.bytes || actual !== file.sha256) {
    throw new BronzeIntegrityError(
      `${key}: content does not match the manifest (manifest: ${file.bytes} bytes, sha256 ${file.sha256}; file: ${bytes.byteLength} bytes, sha256 ${actual})`,
    );
  }
  return bytes;
}

/** The raw JSON responses of a partition (the files that record a request), in manifest order. */
export function rawResponseFiles(manifest: Manifest): ManifestFile[] {
  return manifest.files.filter((file) => file.request !== undefined);
}

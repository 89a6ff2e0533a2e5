import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Hidden names the local store uses beside a target; `<tag>.<8 hex>.<name>`. The random part
 * has a fixed length so recovery can read the target name back.
 */
export type HiddenTag = '.tmp' | '.staging' | '.old';

export function hiddenName(tag: HiddenTag, name: string): string {
  return `${tag}.${randomBytes(4).toString('hex')}.${name}`;
}

export function parseHiddenName(entry: string): { tag: HiddenTag; name: string } | undefined {
  const match = /^(\.tmp|\.staging|\.old)\.[0-9a-f]{8}\.(.+)$/.exec(entry);
  if (match === null) return undefined;
  return { tag: match[1] as HiddenTag, name: match[2] as string };
}

/** Writes and fsyncs a file (no rename): for files inside a staging directory. */
export async function writeFileSynced(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Temp file + fsync + rename + fsync of the directory, so a crash leaves old or new bytes. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, hiddenName('.tmp', path.slice(dir.length + 1)));
  try {
    await writeFileSynced(temp, bytes);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await fsyncDir(dir);
}

/** Makes renames in `dir` durable. Some platforms cannot open a directory; that is not fatal. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows (EISDIR/EPERM): directory fsync is unsupported there and rename is still atomic.
  } finally {
    await handle?.close();
  }
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/** True when `path` exists (file or directory). */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/**
 * `<dataDir>/pglite.owner.json`: who owns the embedded database now, written by the owner next
 * to the data. It is for people and messages ("owned by pid 1234, strata start"); the lock
 * itself is the owner-lock socket, so a stale record is harmless.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

export const OwnerRecord = z.object({
  pid: z.number().int(),
  /** What the owner runs, e.g. `strata start`. */
  command: z.string(),
  startedAt: z.string(),
  /** Connect with `pg` (host = this directory, port 5432) or `psql -h <socketDir>`. */
  socketDir: z.string(),
});
export type OwnerRecord = z.infer<typeof OwnerRecord>;

export function ownerRecordPath(dataDir: string): string {
  return join(dataDir, 'pglite.owner.json');
}

export async function writeOwnerRecord(dataDir: string, record: OwnerRecord): Promise<void> {
  await writeFile(ownerRecordPath(dataDir), `${JSON.stringify(record, null, 2)}\n`);
}

export async function readOwnerRecord(dataDir: string): Promise<OwnerRecord | undefined> {
  try {
    return OwnerRecord.parse(JSON.parse(await readFile(ownerRecordPath(dataDir), 'utf8')));
  } catch {
    return undefined;
  }
}

/** Removes the record if it is still this process's. */
export async function removeOwnerRecord(dataDir: string, pid: number): Promise<void> {
  const record = await readOwnerRecord(dataDir);
  if (record?.pid === pid) await rm(ownerRecordPath(dataDir), { force: true });
}

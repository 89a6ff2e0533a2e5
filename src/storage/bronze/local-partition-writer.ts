import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { BronzePartitionError } from './bronze-errors.js';
import { keySegments } from './bronze-key.js';
import type { PartitionWriter } from './bronze-store.js';
import { fsyncDir, hiddenName, isNotFound, writeFileSynced } from './durable-fs.js';

/**
 * Stages files in `.staging.<rand>.<name>` beside the target directory, then swaps it in:
 * 1. rename the current target to `.old.<rand>.<name>` (if there is one),
 * 2. rename the staging directory to the target,
 * 3. remove the old directory.
 * A crash before 2 leaves the old version (restored by recovery if step 1 ran); a crash after
 * 2 leaves the new one. Recovery rules are in `recoverPartitionDir`.
 */
export class LocalPartitionWriter implements PartitionWriter {
  readonly prefix: string;
  private readonly target: string;
  private readonly staging: string;
  private state: 'open' | 'committed' | 'aborted' = 'open';
  private files = 0;

  constructor(prefix: string, target: string) {
    this.prefix = prefix;
    this.target = target;
    this.staging = join(dirname(target), hiddenName('.staging', basename(target)));
  }

  async open(): Promise<void> {
    await mkdir(this.staging, { recursive: true });
  }

  async put(name: string, bytes: Uint8Array): Promise<void> {
    this.assertOpen('put');
    await writeFileSynced(join(this.staging, ...keySegments(name)), bytes);
    this.files++;
  }

  async commit(): Promise<void> {
    this.assertOpen('commit');
    if (this.files === 0) throw new BronzePartitionError(this.prefix, 'commit with no files');
    await fsyncDir(this.staging);
    const parent = dirname(this.target);
    const old = join(parent, hiddenName('.old', basename(this.target)));
    let hadOld = true;
    try {
      await rename(this.target, old);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      hadOld = false;
    }
    try {
      await rename(this.staging, this.target);
    } catch (error) {
      if (hadOld) await rename(old, this.target);
      throw error;
    }
    this.state = 'committed';
    await fsyncDir(parent);
    if (hadOld) await rm(old, { recursive: true, force: true });
  }

  async abort(): Promise<void> {
    if (this.state === 'committed') return;
    this.state = 'aborted';
    await rm(this.staging, { recursive: true, force: true });
  }

  private assertOpen(action: string): void {
    if (this.state !== 'open') throw new BronzePartitionError(this.prefix, `${action} after ${this.state}`);
  }
}

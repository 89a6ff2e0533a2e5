import { readdir, readFile, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { BronzeKeyError, BronzeNotFoundError } from './bronze-errors.js';
import { assertPrefix, keySegments } from './bronze-key.js';
import type { BronzeFile, BronzeObjectStat, BronzeStore, PartitionWriter } from './bronze-store.js';
import { isNotFound, writeFileAtomic } from './durable-fs.js';
import { recoverDir, recoverTree, type BronzeRecoveryReport } from './local-bronze-recovery.js';
import { LocalPartitionWriter } from './local-partition-writer.js';

/**
 * Bronze store on a local directory. Hidden entries (names starting with `.`) are the store's
 * temp files and staging directories and never appear as keys.
 *
 * Recovery: `beginPartition` first cleans leftovers of that partition, and `recover()` cleans
 * the whole tree (call it at startup, before any run writes). See `recoverDir` for the rules.
 */
export class LocalBronzeStore implements BronzeStore {
  readonly rootDir: string;

  constructor(rootDir: string) {
    this.rootDir = resolve(rootDir);
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    await writeFileAtomic(this.pathOf(key), bytes);
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') throw new BronzeNotFoundError(key, { cause: error });
      throw error;
    }
  }

  async stat(key: string): Promise<BronzeObjectStat | undefined> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { bytes: info.size, modifiedAt: info.mtime } : undefined;
    } catch (error) {
      if (isNotFound(error) || (error as NodeJS.ErrnoException | null)?.code === 'ENOTDIR') return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    assertPrefix(prefix);
    // Only the folder that holds the prefix's last segment can contain matches.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const keys: string[] = [];
    await this.walk(folder, keys);
    return keys.filter((key) => key.startsWith(prefix)).sort();
  }

  async delete(prefix: string): Promise<void> {
    if (prefix === '') throw new BronzeKeyError(prefix, 'refusing to delete every key (empty prefix)');
    const keys = await this.list(prefix);
    const dirs = new Set<string>();
    for (const key of keys) {
      await rm(this.pathOf(key), { force: true });
      for (let dir = dirname(key); dir !== '.'; dir = dirname(dir)) dirs.add(dir);
    }
    // Deepest first, so a folder emptied by its children goes too; non-empty folders stay.
    for (const dir of [...dirs].sort((a, b) => b.length - a.length)) {
      await rmdir(this.pathOf(dir)).catch(() => undefined);
    }
  }

  async beginPartition(prefix: string): Promise<PartitionWriter> {
    const target = this.pathOf(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
    await recoverDir(dirname(target), '', { restored: [], removed: [] }, basename(target));
    const writer = new LocalPartitionWriter(prefix, target);
    await writer.open();
    return writer;
  }

  async writePartition(prefix: string, files: readonly BronzeFile[]): Promise<void> {
    const writer = await this.beginPartition(prefix);
    try {
      for (const file of files) await writer.put(file.name, file.bytes);
      await writer.commit();
    } catch (error) {
      await writer.abort();
      throw error;
    }
  }

  /** Cleans leftovers of crashed writes in the whole tree; only when no write is in flight. */
  async recover(): Promise<BronzeRecoveryReport> {
    return recoverTree(this.rootDir);
  }

  private pathOf(key: string): string {
    return join(this.rootDir, ...keySegments(key));
  }

  private async walk(folder: string, keys: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(folder === '' ? this.rootDir : this.pathOf(folder), { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const key = folder === '' ? entry.name : `${folder}/${entry.name}`;
      if (entry.isDirectory()) await this.walk(key, keys);
      else if (entry.isFile()) keys.push(key);
    }
  }
}

/**
 * Bronze storage: the raw files of the bronze layer (JSON pages as received, Parquet copies,
 * `_manifest.json`). Every bronze asset goes through this interface and never calls `fs`, so
 * workers on several machines can share bronze through an S3-compatible store later.
 *
 * Keys are `/`-separated relative paths (`raw/2025-02-09/2025-02-09T12:00Z/page-001.json`);
 * `..`, `.`, absolute paths, empty segments and segments starting with `.` are rejected.
 */
export interface BronzeStore {
  /** Writes one object atomically: readers see the old bytes or the new, never a torn file. */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** @throws BronzeNotFoundError naming the key when there is no such object. */
  get(key: string): Promise<Buffer>;
  stat(key: string): Promise<BronzeObjectStat | undefined>;
  /** Keys starting with `prefix` (a plain string prefix, `''` for all), sorted. */
  list(prefix: string): Promise<string[]>;
  /** Deletes every key starting with `prefix`; an empty prefix is refused. */
  delete(prefix: string): Promise<void>;
  /**
   * Stages a set of files under `prefix` and makes them visible together on `commit()`,
   * replacing any older version of that partition as a whole (old files not in the new set are
   * gone). Until commit, readers see the old version; after `abort()` or a crash, nothing new.
   * One writer per partition at a time: the run_key guarantees that, the store does not.
   */
  beginPartition(prefix: string): Promise<PartitionWriter>;
  /** `beginPartition` + put every file + commit; aborts if anything throws. */
  writePartition(prefix: string, files: readonly BronzeFile[]): Promise<void>;
}

export interface BronzeObjectStat {
  readonly bytes: number;
  readonly modifiedAt: Date;
}

export interface BronzeFile {
  /** Relative to the partition prefix; may contain `/`. */
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface PartitionWriter {
  readonly prefix: string;
  put(name: string, bytes: Uint8Array): Promise<void>;
  commit(): Promise<void>;
  /** Discards the staged files; safe to call after a failed put or commit, and twice. */
  abort(): Promise<void>;
}

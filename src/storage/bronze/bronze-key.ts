import { BronzeKeyError } from './bronze-errors.js';

/**
 * Validates an object key (`raw/2025-02-09/2025-02-09T12:00Z/page-001.json`) and returns its
 * segments. Keys are object-store shaped so the S3 store can use them unchanged; segments that
 * start with `.` are reserved for the store's own temp and staging entries.
 */
export function keySegments(key: string): string[] {
  if (key.length === 0) throw new BronzeKeyError(key, 'empty key');
  if (key.startsWith('/')) throw new BronzeKeyError(key, 'absolute paths are not allowed');
  if (key.includes('\\')) throw new BronzeKeyError(key, 'use "/" as the separator, not "\\"');
  if (key.includes('\0')) throw new BronzeKeyError(key, 'NUL byte');
  const segments = key.split('/');
  for (const segment of segments) {
    if (segment === '') throw new BronzeKeyError(key, 'empty path segment');
    if (segment === '..' || segment === '.') throw new BronzeKeyError(key, `"${segment}" segments are not allowed`);
    if (segment.startsWith('.')) throw new BronzeKeyError(key, `segment "${segment}" starts with "." (reserved)`);
  }
  return segments;
}

/**
 * A list/delete prefix is a plain string prefix of keys, as in S3: `raw/2025-02` matches
 * `raw/2025-02-09/...`. Empty means every key; a trailing `/` limits it to one folder.
 */
export function assertPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  keySegments(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
  return prefix;
}

import { describe, expect, it } from 'vitest';
import {
  BronzeKeyError,
  BronzeNotFoundError,
  BronzePartitionError,
  type BronzeStore,
} from '../../src/storage/bronze/index.js';

const bytes = (text: string) => new TextEncoder().encode(text);

/** The behaviour every BronzeStore must have; the S3 store will run the same suite. */
export function describeBronzeStoreContract(name: string, makeStore: () => Promise<BronzeStore>): void {
  describe(`BronzeStore contract: ${name}`, () => {
    it('round-trips bytes exactly, including non-UTF-8 bytes', async () => {
      const store = await makeStore();
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      await store.put('raw/2025-02-09/bytes.bin', all);
      const back = await store.get('raw/2025-02-09/bytes.bin');
      expect(Buffer.compare(back, Buffer.from(all))).toBe(0);
      await store.put('raw/2025-02-09/empty.bin', new Uint8Array());
      expect((await store.get('raw/2025-02-09/empty.bin')).length).toBe(0);
    });

    it('put replaces an existing object', async () => {
      const store = await makeStore();
      await store.put('a/b.json', bytes('old'));
      await store.put('a/b.json', bytes('new'));
      expect((await store.get('a/b.json')).toString()).toBe('new');
      expect(await store.list('a/')).toEqual(['a/b.json']);
    });

    it('get of a missing key names the key', async () => {
      const store = await makeStore();
      await expect(store.get('raw/nope/page-001.json')).rejects.toThrow(BronzeNotFoundError);
      await expect(store.get('raw/nope/page-001.json')).rejects.toThrow('raw/nope/page-001.json');
    });

    it('stat gives size and time, undefined when missing or a folder', async () => {
      const store = await makeStore();
      const before = Date.now();
      await store.put('p/q/file.txt', bytes('12345'));
      const info = await store.stat('p/q/file.txt');
      expect(info?.bytes).toBe(5);
      expect(info?.modifiedAt.getTime()).toBeGreaterThanOrEqual(before - 2000);
      expect(await store.stat('p/q/missing.txt')).toBeUndefined();
      expect(await store.stat('p/q')).toBeUndefined();
    });

    it('list returns sorted keys by plain string prefix', async () => {
      const store = await makeStore();
      for (const key of ['raw/2025-02-10/x.json', 'raw/2025-02-09/b.json', 'raw/2025-02-09/a.json', 'other/z']) {
        await store.put(key, bytes(key));
      }
      expect(await store.list('')).toEqual([
        'other/z',
        'raw/2025-02-09/a.json',
        'raw/2025-02-09/b.json',
        'raw/2025-02-10/x.json',
      ]);
      expect(await store.list('raw/2025-02-09/')).toEqual(['raw/2025-02-09/a.json', 'raw/2025-02-09/b.json']);
      expect(await store.list('raw/2025-02-1')).toEqual(['raw/2025-02-10/x.json']);
      expect(await store.list('missing/')).toEqual([]);
    });

    it('delete removes every key under a prefix and refuses an empty prefix', async () => {
      const store = await makeStore();
      await store.put('d/1/a', bytes('a'));
      await store.put('d/1/b', bytes('b'));
      await store.put('d/2/c', bytes('c'));
      await store.delete('d/1/');
      expect(await store.list('d/')).toEqual(['d/2/c']);
      await expect(store.delete('')).rejects.toThrow(BronzeKeyError);
    });

    it.each(['../escape', 'a/../../b', '/etc/passwd', 'a//b', 'a/', '', './a', 'a\\b', 'a/.hidden'])(
      'rejects key %j',
      async (key) => {
        const store = await makeStore();
        await expect(store.put(key, bytes('x'))).rejects.toThrow(BronzeKeyError);
        await expect(store.get(key)).rejects.toThrow(BronzeKeyError);
      },
    );

    it('rejects traversal in list, delete and partition prefixes and names', async () => {
      const store = await makeStore();
      await expect(store.list('../')).rejects.toThrow(BronzeKeyError);
      await expect(store.delete('a/../..')).rejects.toThrow(BronzeKeyError);
      await expect(store.beginPartition('/abs')).rejects.toThrow(BronzeKeyError);
      await expect(store.writePartition('p', [{ name: '../x', bytes: bytes('x') }])).rejects.toThrow(BronzeKeyError);
      expect(await store.list('')).toEqual([]);
    });

    it('writePartition makes all files visible together', async () => {
      const store = await makeStore();
      await store.writePartition('raw/2025-02-09/2025-02-09T12:00Z', [
        { name: 'page-001.json', bytes: bytes('[1]') },
        { name: 'page-002.json', bytes: bytes('[2]') },
        { name: 'nested/_manifest.json', bytes: bytes('{}') },
      ]);
      expect(await store.list('raw/')).toEqual([
        'raw/2025-02-09/2025-02-09T12:00Z/nested/_manifest.json',
        'raw/2025-02-09/2025-02-09T12:00Z/page-001.json',
        'raw/2025-02-09/2025-02-09T12:00Z/page-002.json',
      ]);
    });

    it('replaces a partition atomically: old content visible until commit, then only new', async () => {
      const store = await makeStore();
      const prefix = 'raw/2025-02-09/T12';
      await store.writePartition(prefix, [
        { name: 'page-001.json', bytes: bytes('old-1') },
        { name: 'page-002.json', bytes: bytes('old-2') },
      ]);
      const writer = await store.beginPartition(prefix);
      await writer.put('page-001.json', bytes('new-1'));
      expect((await store.get(`${prefix}/page-001.json`)).toString()).toBe('old-1');
      expect(await store.list(`${prefix}/`)).toEqual([`${prefix}/page-001.json`, `${prefix}/page-002.json`]);
      await writer.commit();
      expect((await store.get(`${prefix}/page-001.json`)).toString()).toBe('new-1');
      // page-002 belonged only to the old version, so it is gone with it.
      expect(await store.list('raw/')).toEqual([`${prefix}/page-001.json`]);
    });

    it('abort leaves nothing, and the old version untouched', async () => {
      const store = await makeStore();
      const fresh = await store.beginPartition('raw/new');
      await fresh.put('a.json', bytes('a'));
      await fresh.abort();
      expect(await store.list('')).toEqual([]);

      await store.writePartition('raw/kept', [{ name: 'a.json', bytes: bytes('old') }]);
      const replacing = await store.beginPartition('raw/kept');
      await replacing.put('a.json', bytes('new'));
      await replacing.abort();
      await replacing.abort();
      expect(await store.list('')).toEqual(['raw/kept/a.json']);
      expect((await store.get('raw/kept/a.json')).toString()).toBe('old');
    });

    it('a failure between puts leaves no partial partition', async () => {
      const store = await makeStore();
      const failingRun = async () => {
        const writer = await store.beginPartition('raw/2025-02-09/T18');
        try {
          await writer.put('page-001.json', bytes('one'));
          throw new Error('HTTP 500 on page 2');
        } catch (error) {
          await writer.abort();
          throw error;
        }
      };
      await expect(failingRun()).rejects.toThrow('HTTP 500 on page 2');
      expect(await store.list('')).toEqual([]);

      // writePartition aborts for the caller: the second file's bad name fails after the first put.
      await expect(
        store.writePartition('raw/2025-02-09/T18', [
          { name: 'page-001.json', bytes: bytes('one') },
          { name: 'bad//name', bytes: bytes('two') },
        ]),
      ).rejects.toThrow(BronzeKeyError);
      expect(await store.list('')).toEqual([]);
    });

    it('a partition writer refuses use after commit, and an empty commit', async () => {
      const store = await makeStore();
      const empty = await store.beginPartition('raw/empty');
      await expect(empty.commit()).rejects.toThrow(BronzePartitionError);
      await empty.abort();
      const writer = await store.beginPartition('raw/p');
      await writer.put('a', bytes('a'));
      await writer.commit();
      await expect(writer.put('b', bytes('b'))).rejects.toThrow(BronzePartitionError);
      await expect(writer.commit()).rejects.toThrow(BronzePartitionError);
      expect(await store.list('')).toEqual(['raw/p/a']);
    });
  });
}

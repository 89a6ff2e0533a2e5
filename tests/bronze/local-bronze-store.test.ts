import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalBronzeStore } from '../../src/storage/bronze/index.js';
import { describeBronzeStoreContract } from './bronze-store-contract.js';

const roots: string[] = [];
async function newRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'strata-bronze-'));
  roots.push(root);
  return root;
}
afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

describeBronzeStoreContract('LocalBronzeStore', async () => new LocalBronzeStore(await newRoot()));

/** Every entry under `dir`, hidden ones included, relative and sorted. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map((e) => e.split('\\').join('/')).sort();
}

describe('LocalBronzeStore on disk', () => {
  it('leaves no temp files or staging directories behind', async () => {
    const root = await newRoot();
    const store = new LocalBronzeStore(root);
    await store.put('raw/a.json', new Uint8Array([1]));
    await store.writePartition('raw/p', [{ name: 'x', bytes: new Uint8Array([2]) }]);
    await store.writePartition('raw/p', [{ name: 'y', bytes: new Uint8Array([3]) }]);
    const aborted = await store.beginPartition('raw/q');
    await aborted.put('z', new Uint8Array([4]));
    await aborted.abort();
    expect(await tree(root)).toEqual(['raw', 'raw/a.json', 'raw/p', 'raw/p/y']);
  });

  it('recovers a commit that crashed between "old aside" and "new in": the old version comes back', async () => {
    const root = await newRoot();
    const store = new LocalBronzeStore(root);
    await mkdir(join(root, 'raw', '.old.0a1b2c3d.p'), { recursive: true });
    await writeFile(join(root, 'raw', '.old.0a1b2c3d.p', 'page.json'), 'old');
    await mkdir(join(root, 'raw', '.staging.11223344.p'), { recursive: true });
    await writeFile(join(root, 'raw', '.staging.11223344.p', 'page.json'), 'new');
    expect(await store.list('')).toEqual([]);

    const report = await store.recover();
    expect(report.restored).toEqual(['raw/p']);
    expect(report.removed).toEqual(['raw/.staging.11223344.p']);
    expect((await store.get('raw/p/page.json')).toString()).toBe('old');
    expect(await tree(root)).toEqual(['raw', 'raw/p', 'raw/p/page.json']);
  });

  it('recovers a commit that crashed after the swap: the leftover old copy is removed', async () => {
    const root = await newRoot();
    const store = new LocalBronzeStore(root);
    await store.writePartition('raw/p', [{ name: 'page.json', bytes: new TextEncoder().encode('new') }]);
    await mkdir(join(root, 'raw', '.old.deadbeef.p'));
    await writeFile(join(root, 'raw', '.old.deadbeef.p', 'page.json'), 'old');
    await writeFile(join(root, 'raw', '.tmp.cafebabe.a.json'), 'torn');

    const report = await store.recover();
    expect(report.restored).toEqual([]);
    expect(report.removed.sort()).toEqual(['raw/.old.deadbeef.p', 'raw/.tmp.cafebabe.a.json']);
    expect(await tree(root)).toEqual(['raw', 'raw/p', 'raw/p/page.json']);
  });

  it('the next write of a partition cleans its own leftovers first, not its neighbours\'', async () => {
    const root = await newRoot();
    const store = new LocalBronzeStore(root);
    await mkdir(join(root, 'raw', '.old.00000001.p'), { recursive: true });
    await writeFile(join(root, 'raw', '.old.00000001.p', 'page.json'), 'old');
    await mkdir(join(root, 'raw', '.staging.00000002.other'), { recursive: true });

    const writer = await store.beginPartition('raw/p');
    // The crashed commit's old version is back before the new write starts replacing it.
    expect((await store.get('raw/p/page.json')).toString()).toBe('old');
    await writer.put('page.json', new TextEncoder().encode('new'));
    await writer.commit();
    expect((await store.get('raw/p/page.json')).toString()).toBe('new');
    expect((await tree(root)).filter((e) => !e.startsWith('raw/.staging.'))).toEqual(['raw', 'raw/p', 'raw/p/page.json']);
    expect(await tree(join(root, 'raw'))).toContain('.staging.00000002.other');
  });
});

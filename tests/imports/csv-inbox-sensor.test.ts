/**
 * The shipped csv_inbox sensor, as every process loads it, evaluated over real files with its
 * runs stored and executed on a real database (inbox-harness.ts): a file is requested once, by
 * its SHA-256, only after a look finds it as the previous one did and under a final .csv name;
 * after its run it moves to processed/ (suffixed on a clash) or to failed/ with the run's error
 * beside it; bytes already imported skip the run; a folder that is not a source name sends its
 * files to failed/ with the reason; a move cut short by a crash is finished by the next look.
 */
import { access, appendFile, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ManualClock } from '../../src/core/clock.js';
import type { SensorDefinition } from '../../src/core/sensor.js';
import { createLogger } from '../../src/logger.js';
import { CSV_INBOX_SENSOR } from '../../src/pipeline/inbox/csv-inbox-sensor.js';
import { moveToFailed } from '../../src/pipeline/inbox/inbox-moves.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { drop, HEADER, quotesCsv, sensorHarness, sha256, type SensorHarness } from './inbox-harness.js';

let database: TestDatabase;
let dataDir: string;
let runtime: Runtime;
let sensor: SensorDefinition;
let inbox: string;
let harness: SensorHarness;
const clock = new ManualClock(new Date('2026-11-23T12:00:00Z'));

beforeAll(async () => {
  database = await createTestDatabase('csv-inbox-sensor');
  dataDir = await mkdtemp(join(tmpdir(), 'strata-csv-inbox-'));
  const config = loadConfig({ STRATA_DATA_DIR: dataDir, LOG_LEVEL: 'silent', PORT: '3123' });
  runtime = await openRuntime(config, createLogger({ level: 'silent', pretty: false }), { database, clock });
  const shipped = runtime.sensors.find((candidate) => candidate.name === CSV_INBOX_SENSOR);
  if (shipped?.kind !== 'sensor') throw new Error('the shipped definitions have no csv_inbox sensor');
  sensor = shipped;
  inbox = config.inbox.dir;
}, 120_000);
afterAll(async () => {
  await database?.destroy();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});
beforeEach(async () => {
  await rm(inbox, { recursive: true, force: true });
  harness = sensorHarness(runtime, sensor, clock);
});

const listing = async (path: string) => (await readdir(join(inbox, path))).sort();
const isThere = (path: string) => access(join(inbox, path)).then(() => true, () => false);
const quotesFrom = async (file: string) =>
  database.withSession(async (session) => (await session.query<{ n: number }>('SELECT count(*)::int AS n FROM silver.market_quotes WHERE source_file = $1', [file])).rows[0]?.n);

describe('csv_inbox: which files are taken', () => {
  it('is evaluated twice a second by default and creates the inbox folder at its first look', async () => {
    expect(sensor.minimumIntervalSeconds).toBe(0.5);
    expect(await isThere('.')).toBe(false);
    expect(await harness.look()).toMatchObject({ skipReason: 'inbox empty' });
    expect(await listing('.')).toEqual([]);
  });

  it('requests one run for a new file once a look finds it unchanged, keyed by its sha256, then waits for it', async () => {
    const bytes = quotesCsv('new');
    await drop(inbox, 'kraken/q.csv', bytes);
    const first = await harness.look();
    expect(first).toEqual({ skipReason: `kraken/q.csv: new (${bytes.length} bytes), taken at the next look if unchanged`, cursor: expect.any(String) });

    const second = await harness.look();
    expect(second.skipReason).toBeUndefined();
    expect(second.runRequests).toEqual([
      {
        selection: 'silver/imported_quotes',
        runKey: sha256(bytes),
        tags: { 'inbox/source': 'kraken', 'inbox/path': 'kraken/q.csv', 'inbox/sha256': sha256(bytes) },
      },
    ]);

    const runId = harness.requested.get(sha256(bytes));
    expect(await harness.look()).toMatchObject({ skipReason: `kraken/q.csv: import run ${runId} is queued` });
    expect(await listing('kraken')).toEqual(['q.csv']);
  });

  it('does not take a file that is still growing, saying how it grew', async () => {
    const head = `${HEADER}\n`.repeat(30);
    const line = 'coin-growing,2026-11-23T06:00:00Z,g,Growing,1\n';
    await drop(inbox, 'kraken/growing.csv', head);
    await harness.look();
    await appendFile(join(inbox, 'kraken/growing.csv'), line);
    const grown = await harness.look();
    expect(grown.runRequests).toBeUndefined();
    expect(head.length).toBe(1_260);
    expect(grown.skipReason).toBe(`kraken/growing.csv still being written (size 1,260 → ${(1_260 + line.length).toLocaleString('en-US')})`);
    expect((await harness.look()).runRequests).toHaveLength(1);
  });

  it('never takes temporary names or other files, says so, and takes a file once it is renamed to .csv', async () => {
    const names = ['.q.csv.Xa3f', 'q.csv.tmp', 'q.part', 'q.csv.crdownload', 'q.csv~', 'notes.txt'];
    for (const name of names) await drop(inbox, `kraken/${name}`, quotesCsv(`temp-${name}`));
    await drop(inbox, 'loose.csv', quotesCsv('loose'));
    for (let look = 0; look < 3; look++) expect((await harness.look()).runRequests).toBeUndefined();
    const reason = (await harness.look()).skipReason;
    expect(reason).toBe(
      [
        'loose.csv is not in a source folder (inbox/<source>/loose.csv); left alone',
        'kraken/.q.csv.Xa3f: a temporary name, taken once renamed to .csv',
        'kraken/notes.txt: not a .csv file; left alone',
        'kraken/q.csv.crdownload: a temporary name, taken once renamed to .csv',
        'kraken/q.csv.tmp: a temporary name, taken once renamed to .csv',
        'kraken/q.csv~: a temporary name, taken once renamed to .csv',
        'kraken/q.part: a temporary name, taken once renamed to .csv',
      ].join('; '),
    );
    expect(await listing('kraken')).toEqual([...names].sort());

    await rename(join(inbox, 'kraken/q.part'), join(inbox, 'kraken/q.csv'));
    expect((await harness.look()).runRequests).toBeUndefined();
    expect((await harness.look()).runRequests).toEqual([expect.objectContaining({ runKey: sha256(quotesCsv('temp-q.part')) })]);
  });

  it('a cursor it cannot read only delays files by one look', async () => {
    await drop(inbox, 'kraken/q.csv', quotesCsv('cursor'));
    harness.cursor = '{"not":"mine"}';
    expect((await harness.look()).runRequests).toBeUndefined();
    expect(harness.logs[0]).toMatch(/^warn: the stored cursor is not an inbox cursor/);
    expect((await harness.look()).runRequests).toHaveLength(1);
  });
});

describe('csv_inbox: after the run', () => {
  /** Drops the bytes, looks until their run is requested, and executes it. */
  async function importThrough(path: string, bytes: string): Promise<string> {
    await drop(inbox, path, bytes);
    await harness.look();
    expect((await harness.look()).runRequests).toHaveLength(1);
    await harness.runQueued();
    return harness.requested.get(sha256(bytes)) as string;
  }

  it('moves the file to processed/ once its run succeeded; its quotes are in silver', async () => {
    const runId = await importThrough('kraken/q.csv', quotesCsv('success', 3));
    expect(await quotesFrom('q.csv')).toBeGreaterThanOrEqual(3);
    const moved = await harness.look();
    expect(moved.skipReason).toBe(`kraken/q.csv → kraken/processed/q.csv: imported by run ${runId}`);
    expect(await listing('kraken')).toEqual(['processed']);
    expect(await readFile(join(inbox, 'kraken/processed/q.csv'), 'utf8')).toBe(quotesCsv('success', 3));
    expect(await harness.look()).toMatchObject({ skipReason: 'inbox empty' });
  });

  it('sends the same bytes under another name straight to processed/, without a new run', async () => {
    const bytes = quotesCsv('twice');
    const runId = await importThrough('kraken/first.csv', bytes);
    await harness.look();
    await drop(inbox, 'kraken/again.csv', bytes);
    await harness.look();
    const again = await harness.look();
    expect(again.runRequests).toBeUndefined();
    expect(again.skipReason).toBe(`kraken/again.csv → kraken/processed/again.csv: imported by run ${runId} (the same bytes, dropped as kraken/first.csv)`);
    expect(await listing('kraken/processed')).toEqual(['again.csv', 'first.csv']);
  });

  it('suffixes the name when processed/ already holds one, overwriting nothing', async () => {
    await importThrough('kraken/daily.csv', quotesCsv('clash-1'));
    await harness.look();
    await importThrough('kraken/daily.csv', quotesCsv('clash-2'));
    expect((await harness.look()).skipReason).toMatch(/^kraken\/daily\.csv → kraken\/processed\/daily-2\.csv: imported by run /);
    expect(await listing('kraken/processed')).toEqual(['daily-2.csv', 'daily.csv']);
    expect(await readFile(join(inbox, 'kraken/processed/daily.csv'), 'utf8')).toBe(quotesCsv('clash-1'));
    expect(await readFile(join(inbox, 'kraken/processed/daily-2.csv'), 'utf8')).toBe(quotesCsv('clash-2'));
  });

  it("moves the file of a failed run to failed/ at once, with the run's id, error and page beside it", async () => {
    const bytes = `${HEADER}\ncoin-bad,yesterday,b,Bad,1\n`;
    const runId = await importThrough('kraken/bad.csv', bytes);
    expect((await harness.look()).skipReason).toBe(`kraken/bad.csv → kraken/failed/bad.csv: its import run ${runId} failed`);
    expect(await listing('kraken')).toEqual(['failed']);
    expect(await listing('kraken/failed')).toEqual(['bad.csv', 'bad.csv.error.txt']);
    const note = await readFile(join(inbox, 'kraken/failed/bad.csv.error.txt'), 'utf8');
    expect(note).toContain(`kraken/bad.csv was not imported: its import run ${runId} failed\n`);
    expect(note).toContain(`\nrun: ${runId}\nrun page: http://127.0.0.1:3123/runs/${runId}\n`);
    expect(note).toContain(`\nsha256: ${sha256(bytes)}\n`);
    expect(note).toMatch(/\nerror:\n.*nothing loaded from kraken\/bad\.csv: all 1 lines were quarantined \(first: line 2: snapshot_at/);
  });

  it('moves the file of a canceled run to failed/ at once (a cancel is never retried)', async () => {
    const bytes = quotesCsv('canceled');
    await drop(inbox, 'kraken/c.csv', bytes);
    const at = clock.now();
    harness.fakeRun(sha256(bytes), { id: 'run-c', runKey: sha256(bytes), status: 'CANCELED', error: null, createdAt: at, endedAt: at, tags: {}, retryPending: false });
    await harness.look();
    expect((await harness.look()).skipReason).toBe('kraken/c.csv → kraken/failed/c.csv: its import run run-c was canceled');
    expect(await readFile(join(inbox, 'kraken/failed/c.csv.error.txt'), 'utf8')).toContain('\nerror:\n(the run recorded no error)\n');
  });

  it('keeps the file of a run whose worker was lost until its retry (the retry reads it)', async () => {
    const bytes = quotesCsv('lost');
    await drop(inbox, 'kraken/lost.csv', bytes);
    const at = clock.now();
    const lost = { id: 'run-l', runKey: sha256(bytes), error: 'worker w stopped heartbeating', createdAt: at, endedAt: at, tags: {} };
    harness.fakeRun(sha256(bytes), { ...lost, status: 'FAILURE', retryPending: true });
    await harness.look();
    expect((await harness.look()).skipReason).toBe('kraken/lost.csv: import run run-l lost its worker; waits for its retry');
    expect(await listing('kraken')).toEqual(['lost.csv']);
    harness.fakeRun(sha256(bytes), { ...lost, id: 'run-l2', status: 'SUCCESS', retryPending: false });
    expect((await harness.look()).skipReason).toBe('kraken/lost.csv → kraken/processed/lost.csv: imported by run run-l2');
  });

  it('sends bytes imported under another source to failed/, saying how to import them under this one', async () => {
    const bytes = quotesCsv('two-sources');
    const runId = await importThrough('kraken/q.csv', bytes);
    await drop(inbox, 'bitstamp/q.csv', bytes);
    await harness.look();
    const refused = await harness.look();
    expect(refused.runRequests).toBeUndefined();
    expect(refused.skipReason).toContain(`bitstamp/q.csv → bitstamp/failed/q.csv: the same bytes were imported under source 'kraken' by run ${runId} (the same bytes, dropped as kraken/q.csv)`);
    expect(await readFile(join(inbox, 'bitstamp/failed/q.csv.error.txt'), 'utf8')).toContain('strata import <file> --source bitstamp');
  });
});

describe('csv_inbox: folders that are not sources', () => {
  it('moves their files to failed/ with the reason, requesting nothing', async () => {
    await drop(inbox, 'Kraken/q.csv', quotesCsv('upper'));
    await drop(inbox, 'coingecko/q.csv', quotesCsv('own'));
    await harness.look();
    const result = await harness.look();
    expect(result.runRequests).toBeUndefined();
    expect(result.skipReason).toBe(
      [
        'Kraken/q.csv → Kraken/failed/q.csv: its folder "Kraken" is not a source name: a source name is lower snake case (a-z, 0-9, _), starting with a letter, at most 40 characters',
        `coingecko/q.csv → coingecko/failed/q.csv: its folder "coingecko" is not a source name: 'coingecko' is fed by Strata's own assets; import under another name (e.g. coingecko_csv)`,
      ].join('; '),
    );
    const note = await readFile(join(inbox, 'Kraken/failed/q.csv.error.txt'), 'utf8');
    expect(note).toContain('Kraken/q.csv was not imported: its folder "Kraken" is not a source name');
    expect(note).toContain('\nrun: none\n');
    expect(await listing('Kraken')).toEqual(['failed']);
  });
});

describe('csv_inbox: moves cut short by a crash', () => {
  const ref = (name: string, bytes: string) => ({ inboxDir: inbox, source: 'kraken', name, sha256: sha256(bytes) });
  const note = { summary: 'its import run r failed', runId: 'r', runPage: undefined, error: 'boom' };

  it("finishes a move to failed/ whose note was written before the crash, under the note's name", async () => {
    const bytes = quotesCsv('crash-note');
    await drop(inbox, 'kraken/q.csv', bytes);
    // What a crash between writing the note and renaming the file leaves: the note only.
    await moveToFailed(ref('q.csv', bytes), note);
    await rename(join(inbox, 'kraken/failed/q.csv'), join(inbox, 'kraken/q.csv'));
    expect(await moveToFailed(ref('q.csv', bytes), note)).toBe('kraken/failed/q.csv');
    expect(await listing('kraken/failed')).toEqual(['q.csv', 'q.csv.error.txt']);
  });

  it("never takes over another file's note: the name gets a suffix", async () => {
    const bytes = quotesCsv('crash-other');
    await drop(inbox, 'kraken/q.csv', bytes);
    await drop(inbox, 'kraken/failed/q.csv.error.txt', 'kraken/q.csv was not imported: other bytes\n\nfile: kraken/q.csv\nsha256: 00\n');
    expect(await moveToFailed(ref('q.csv', bytes), note)).toBe('kraken/failed/q-2.csv');
    expect(await listing('kraken/failed')).toEqual(['q-2.csv', 'q-2.csv.error.txt', 'q.csv.error.txt']);
  });

  it('a file moved away meanwhile leaves no note behind', async () => {
    expect(await moveToFailed(ref('gone.csv', 'x'), note)).toBeUndefined();
    expect(await listing('kraken/failed')).toEqual([]);
  });
});

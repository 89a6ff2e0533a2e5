/**
 * `strata chart`: the gold data view's charts from the CLI. In-process against a materialized
 * partition (SVG on stdout, SVG and PNG files, --partition), exit 1 on empty marts, and bad usage
 * rejected before the database opens, naming the argument; one real process checks exit code 2.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chartCommand, parseChartArgs, type ChartRequest } from '../../src/cli/chart-command.js';
import { ValidationError } from '../../src/core/errors.js';
import { GOLD_CHART_NAMES } from '../../src/ui/gold-charts.js';
import { runStrata } from '../helpers/strata-process.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { PARTITION, startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Runs the command with stdout and stderr captured. */
async function capture(work: () => Promise<number>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { code: await work(), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

function request(chart: string, options: { partition?: string; out?: string } = {}): ChartRequest {
  return parseChartArgs({ positionals: [chart], partition: options.partition, out: options.out });
}

/** The text of an SVG's <text> elements, joined. */
function texts(svg: string): string {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((match) => match[1]).join(' | ');
}

describeEachBackend('strata chart', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let outDir: string;

  beforeAll(async () => {
    database = await createTestDatabase('cli-chart', { backend });
    pipeline = await startPipeline(database);
    outDir = await mkdtemp(join(tmpdir(), 'strata-chart-'));
  });

  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
    await rm(outDir, { recursive: true, force: true });
  });

  it('exits 1 naming the chart while the gold marts are empty, and prints no SVG', async () => {
    for (const chart of GOLD_CHART_NAMES) {
      const result = await capture(() => chartCommand(pipeline.runtime, request(chart)));
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(`strata: no data for chart '${chart}': the gold marts are empty; materialize 'gold/*' first\n`);
    }
  });

  it('prints each chart as standalone SVG of the newest partition, with the top coins and segments', async () => {
    const { result: run } = await pipeline.materialize(PARTITION);
    expect(run.status).toBe('SUCCESS');
    const printed: Record<string, string> = {};
    for (const chart of GOLD_CHART_NAMES) {
      const result = await capture(() => chartCommand(pipeline.runtime, request(chart)));
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" [^>]*>.*<\/svg>\n$/s);
      expect(result.stdout).toContain(`data-testid="chart-${chart}"`);
      expect(result.stdout.match(/<svg\b/g)).toHaveLength(1);
      printed[chart] = result.stdout;
    }
    expect(texts(printed['market-share'] ?? '')).toMatch(/Bitcoin[^|]*\|.*Ethereum/);
    expect(texts(printed['top-prices'] ?? '')).toContain('BTC Bitcoin');
    expect(texts(printed['segments'] ?? '')).toMatch(/\bmega\b/);
    expect(texts(printed['segments'] ?? '')).toMatch(/\blarge\b/);
  });

  it('--partition picks the partition; one with no gold rows exits 1 naming it', async () => {
    const same = await capture(() => chartCommand(pipeline.runtime, request('top-prices', { partition: PARTITION })));
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('BTC Bitcoin');
    const empty = await capture(() => chartCommand(pipeline.runtime, request('segments', { partition: '2020-01-01T00:00Z' })));
    expect(empty.code).toBe(1);
    expect(empty.stdout).toBe('');
    expect(empty.stderr).toMatch(/no data for chart 'segments': the gold marts have no rows for partition 2020-01-01T00:00Z/);
  });

  it('--out file.svg writes the same SVG as stdout; --out file.png writes a PNG at twice the size', async () => {
    const stdout = await capture(() => chartCommand(pipeline.runtime, request('market-share')));
    const svgPath = join(outDir, 'share.svg');
    const svgRun = await capture(() => chartCommand(pipeline.runtime, request('market-share', { out: svgPath })));
    expect(svgRun.code).toBe(0);
    expect(svgRun.stdout).toBe('');
    expect(svgRun.stderr).toBe(`strata: wrote chart 'market-share' of partition ${PARTITION} to ${svgPath}\n`);
    expect(await readFile(svgPath, 'utf8')).toBe(stdout.stdout);

    for (const chart of GOLD_CHART_NAMES) {
      const pngPath = join(outDir, `${chart}.PNG`);
      expect((await capture(() => chartCommand(pipeline.runtime, request(chart, { out: pngPath })))).code).toBe(0);
      const png = await readFile(pngPath);
      expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
      // IHDR: width and height at bytes 16..24, twice the SVG's width and height attributes.
      const svg = (await capture(() => chartCommand(pipeline.runtime, request(chart)))).stdout;
      const [, width, height] = /<svg[^>]* width="([\d.]+)" height="([\d.]+)"/.exec(svg) ?? [];
      expect(png.readUInt32BE(16)).toBe(Math.ceil(Number(width) * 2));
      expect(png.readUInt32BE(20)).toBe(Math.ceil(Number(height) * 2));
      // Drawn, not blank: a chart with text and colour compresses to more than a few hundred bytes.
      expect(png.length).toBeGreaterThan(5_000);
    }
  });
});

describe('strata chart usage', () => {
  const bad: [string, { positionals: string[]; partition?: string; out?: string }, string][] = [
    ['no chart name', { positionals: [] }, 'chart needs a chart name: market-share, top-prices, segments'],
    ['an unknown chart', { positionals: ['pie'] }, "unknown chart 'pie'; charts: market-share, top-prices, segments"],
    ['two chart names', { positionals: ['segments', 'top-prices'] }, 'chart takes one chart name, got: segments top-prices'],
    ['an --out extension other than .svg or .png', { positionals: ['segments'], out: 'report.jpg' }, "--out 'report.jpg' must end in .svg or .png (got '.jpg')"],
    ['an --out without extension', { positionals: ['segments'], out: 'report' }, "--out 'report' must end in .svg or .png (got no extension)"],
    ['a bad --partition', { positionals: ['segments'], partition: '2025-02-09' }, "--partition: invalid six_hourly partition key '2025-02-09'"],
  ];
  it.each(bad)('rejects %s, naming it', (_, args, message) => {
    const parse = () => parseChartArgs({ partition: undefined, out: undefined, ...args });
    expect(parse).toThrow(ValidationError);
    expect(parse).toThrow(message);
  });

  it('accepts each chart name and both extensions', () => {
    expect(parseChartArgs({ positionals: ['segments'], partition: PARTITION, out: 'a/b.Svg' })).toEqual({
      chart: 'segments',
      partition: PARTITION,
      out: { path: 'a/b.Svg', format: 'svg' },
    });
    expect(parseChartArgs({ positionals: ['top-prices'], partition: undefined, out: 'x.png' }).out).toEqual({ path: 'x.png', format: 'png' });
  });

  it('as a process: exit 2 with the message on stderr, before any database opens', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'strata-chart-usage-'));
    try {
      const result = await runStrata(['chart', 'pie', '--out', 'x.svg'], { STRATA_DATA_DIR: dataDir });
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe("strata: unknown chart 'pie'; charts: market-share, top-prices, segments\n");
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

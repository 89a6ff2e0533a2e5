/**
 * Bring your own assets, as a team does it: `npm pack` Strata, `strata init` a project that
 * depends on the tarball, `npm install` it, then in that project `tsc --noEmit` and its own
 * `npm test` (strata/testing: the in-memory database and the fake CoinGecko) pass, and
 * `npx strata materialize` builds its assets next to the shipped pipeline. Slow (minutes: a
 * TypeScript build, an install from the npm cache); skipped only when npm is not available.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeCoinGecko, type RunningFakeCoinGecko } from '../../src/pipeline/fake-coingecko/index.js';
import { ROOT, runStrata } from '../helpers/strata-process.js';

const MINUTE = 60_000;
const npmCheck = spawnSync('npm', ['--version'], { encoding: 'utf8' });
const NPM_MISSING = npmCheck.error !== undefined || npmCheck.status !== 0 ? `npm is not available (${npmCheck.error?.message ?? npmCheck.stderr})` : undefined;

interface Output {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * The child's environment: this process's, without Strata's settings (the project's commands
 * set their own) or vitest's and npm's own variables (the project runs its own vitest and npm).
 */
function projectEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(
    ([name]) =>
      !/^(STRATA_|COINGECKO_|COINPAPRIKA_|VITEST|npm_)/.test(name) &&
      !['DATABASE_URL', 'TEST_DATABASE_URL', 'NODE_ENV', 'LOG_LEVEL', 'FORCE_COLOR'].includes(name),
  );
  // Plain output, for the assertions on it.
  return { ...Object.fromEntries(inherited), NO_COLOR: '1', ...extra };
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = projectEnv()): Promise<Output> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

/** The command's output when it failed: what the assertion shows. */
function failed(output: Output): string {
  return `exit ${output.code}\n${output.stdout.slice(-4000)}\n${output.stderr.slice(-4000)}`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

describe.skipIf(NPM_MISSING !== undefined)(`a project made by strata init, installed from the npm tarball${NPM_MISSING ? ` (skipped: ${NPM_MISSING})` : ''}`, () => {
  let work: string;
  let project: string;
  let strataSpec: string;
  let fake: RunningFakeCoinGecko | undefined;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'strata-user-project-'));
    const pack = await run('npm', ['pack', '--pack-destination', work], ROOT);
    expect(pack.code, failed(pack)).toBe(0);
    const [tarball] = (await readdir(work)).filter((file) => file.endsWith('.tgz'));
    expect(tarball).toBeDefined();

    project = join(work, 'project');
    strataSpec = `file:${join(work, tarball as string)}`;
    const init = await runStrata(['init', project, '--strata', strataSpec], {});
    expect(init.code, init.stderr).toBe(0);
    const install = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], project);
    expect(install.code, failed(install)).toBe(0);
    process.stdout.write(`[user-project] npm pack ${seconds(pack.ms)}, npm install ${seconds(install.ms)}\n`);
  }, 15 * MINUTE);

  afterAll(async () => {
    await fake?.close();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('type-checks under its strict tsconfig, with the types of strata, strata/pipeline and strata/testing', async () => {
    const tsc = await run('npx', ['tsc', '--noEmit'], project);
    expect(tsc.code, failed(tsc)).toBe(0);
  }, 5 * MINUTE);

  it('exposes only the public entry points, not Strata internals', async () => {
    const probe = await run('node', ['--input-type=module', '-e', "import('strata/dist/runtime.js').catch((error) => console.log(error.code))"], project);
    expect(probe.stdout.trim()).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it('npx strata init there makes the next project depend on the same tarball', async () => {
    const next = join(work, 'next');
    const init = await run('npx', ['strata', 'init', next], project);
    expect(init.code, failed(init)).toBe(0);
    const manifest = JSON.parse(await readFile(join(next, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(manifest.dependencies).toEqual({ strata: strataSpec });
  });

  it("passes its own tests: strata/testing materializes the project's assets offline", async () => {
    const test = await run('npm', ['test'], project);
    expect(test.code, failed(test)).toBe(0);
    expect(test.stdout).toMatch(/Tests\s+2 passed/);
    process.stdout.write(`[user-project] the project's npm test ${seconds(test.ms)}\n`);
  }, 5 * MINUTE);

  it("npx strata materialize builds the project's assets beside the shipped pipeline; npx strata assets lists them", async () => {
    fake = await startFakeCoinGecko();
    const env = projectEnv({
      STRATA_DEFINITIONS: './definitions.ts',
      STRATA_DATA_DIR: join(project, 'data'),
      COINGECKO_BASE_URL: fake.url,
      COINGECKO_RATE_LIMIT_PER_MINUTE: '10000',
      LOG_LEVEL: 'warn',
    });
    const materialize = await run('npx', ['strata', 'materialize'], project, env);
    expect(materialize.code, failed(materialize)).toBe(0);
    expect(materialize.stdout).toMatch(/gold\/top_gainers\s+\S+\s+SUCCESS/);
    expect(materialize.stdout).toMatch(/silver\/market_snapshots\s+\S+\s+SUCCESS/);

    const assets = await run('npx', ['strata', 'assets', '--json'], project, env);
    expect(assets.code, failed(assets)).toBe(0);
    const listed = (JSON.parse(assets.stdout) as { assets: { key: string; latest: unknown }[] }).assets;
    const keys = listed.map((asset) => asset.key);
    expect(keys).toEqual(expect.arrayContaining(['bronze/coingecko_markets', 'silver/market_snapshots', 'gold/top_gainers']));
    expect(listed.find((asset) => asset.key === 'gold/top_gainers')?.latest).not.toBeNull();
    expect(keys).toContain('gold/coin_count');
    expect(materialize.stdout).toMatch(/gold\/coin_count\s+\S+\s+SUCCESS/);
    process.stdout.write(`[user-project] npx strata materialize ${seconds(materialize.ms)}\n`);
  }, 5 * MINUTE);
});

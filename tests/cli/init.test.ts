/**
 * `strata init <dir>` writes the project template (templates/init/) with its package.json
 * filled in, and never writes into a folder that holds anything. That the project installs,
 * type-checks and passes its own tests is tests/definitions/user-project.test.ts.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT, runStrata } from '../helpers/strata-process.js';

let parent: string;

beforeAll(async () => {
  parent = await mkdtemp(join(tmpdir(), 'strata-init-'));
});

afterAll(() => rm(parent, { recursive: true, force: true }));

it('writes the project: definitions, a SQL asset, a migration, a test, dotfiles, package.json depending on --strata', async () => {
  const dir = join(parent, 'My Project');
  const result = await runStrata(['init', dir, '--strata', 'file:/tmp/strata-0.1.0.tgz'], {});
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toContain(`wrote a project to ${dir} (strata: file:/tmp/strata-0.1.0.tgz)`);

  const files = (await readdir(dir, { recursive: true })).sort();
  expect(files).toEqual(
    expect.arrayContaining([
      '.env.example',
      '.gitignore',
      'README.md',
      'definitions.ts',
      'migrations/0001_top_gainers.sql',
      'package.json',
      'sql/gold/coin_count.sql',
      'tests/definitions.test.ts',
      'tsconfig.json',
      'vitest.config.ts',
    ]),
  );
  expect(files).not.toContain('gitignore');

  const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
  const own = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
  expect(manifest['name']).toBe('my-project');
  expect(manifest['type']).toBe('module');
  expect(manifest['dependencies']).toEqual({ strata: 'file:/tmp/strata-0.1.0.tgz' });
  expect(manifest['devDependencies']).toEqual({
    '@types/node': own['devDependencies']?.['@types/node'],
    typescript: own['devDependencies']?.['typescript'],
    vitest: own['devDependencies']?.['vitest'],
  });
  expect(Object.keys(manifest['scripts'] ?? {})).toEqual(['test', 'typecheck', 'start', 'materialize']);
  expect(await readFile(join(dir, '.env.example'), 'utf8')).toContain('STRATA_DEFINITIONS=./definitions.ts');
});

it('refuses a folder that is not empty (exit 2, naming it) and leaves it as it was', async () => {
  const dir = join(parent, 'taken');
  await mkdir(dir);
  await writeFile(join(dir, 'notes.txt'), 'mine');
  const result = await runStrata(['init', dir], {});
  expect(result.code).toBe(2);
  expect(result.stderr).toBe(`strata: init: ${dir} is not empty; give a new or empty folder\n`);
  expect(await readdir(dir)).toEqual(['notes.txt']);
});

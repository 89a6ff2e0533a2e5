import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const srcDir = join(import.meta.dirname, '../../src');
const pipelineDir = join(srcDir, 'pipeline');

/**
 * One door for definitions (STYLE.md 12): the shipped pipeline uses Strata only through the
 * public API a project imports (src/index.ts). The one other file it reads is src/config.ts,
 * where its settings (STRATA_COINS, COINGECKO_*) are parsed with Strata's own.
 */
describe('src/pipeline boundary', () => {
  it('imports Strata only through the public API (src/index.ts) and its settings (src/config.ts)', () => {
    const files = readdirSync(pipelineDir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(50);
    const allowed = new Set([join(srcDir, 'index.ts'), join(srcDir, 'config.ts')]);
    const offending = files.flatMap((file) => {
      const path = join(pipelineDir, file);
      return [...readFileSync(path, 'utf8').matchAll(/from '(\.[^']+)'/g)]
        .map((match) => resolve(dirname(path), (match[1] as string).replace(/\.js$/, '.ts')))
        .filter((target) => !target.startsWith(`${pipelineDir}/`) && !allowed.has(target))
        .map((target) => `${file}: ${relative(srcDir, target)}`);
    });
    expect(offending).toEqual([]);
  });
});

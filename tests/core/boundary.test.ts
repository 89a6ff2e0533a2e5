import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const coreDir = join(import.meta.dirname, '../../src/core');

describe('src/core boundary', () => {
  // cron-parser computes schedule tick times (src/core/cron.ts): a pure library, like zod.
  it('imports only its own files, zod and cron-parser', () => {
    const files = readdirSync(coreDir).filter((file) => file.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    const offending = files.flatMap((file) =>
      [...readFileSync(join(coreDir, file), 'utf8').matchAll(/from '([^']+)'/g)]
        .map((match) => match[1] as string)
        .filter((specifier) => !specifier.startsWith('./') && specifier !== 'zod' && specifier !== 'cron-parser')
        .map((specifier) => `${file}: ${specifier}`),
    );
    expect(offending).toEqual([]);
  });
});

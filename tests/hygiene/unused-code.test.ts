/**
 * No dead code or dead dependency creeps back: knip (configured in knip.jsonc) finds exports
 * that nothing imports, files that nothing reaches, and dependencies in package.json that
 * nothing uses (or that the code uses without listing). It reads the sources statically, in a
 * few seconds.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { REPO_ROOT } from '../deploy/deploy-files.js';

// knip's package exports do not include its bin, so it is found by path.
const knip = join(REPO_ROOT, 'node_modules', 'knip', 'bin', 'knip.js');

it('knip finds no unused export, file or dependency', { timeout: 120_000 }, async () => {
  const result = await promisify(execFile)(process.execPath, [knip, '--no-progress', '--no-config-hints'], { cwd: REPO_ROOT, encoding: 'utf8' }).then(
    ({ stdout }) => ({ code: 0, output: stdout }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, output: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
  );
  // The report is the message: it names each export, file or dependency and where it is.
  expect(result.output.trim(), 'knip (see knip.jsonc)').toBe('');
  expect(result.code).toBe(0);
});

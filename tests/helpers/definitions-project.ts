/**
 * A user project in a temporary folder: `package.json` with `"type": "module"` and the files a
 * test writes, importing Strata by the absolute path of this checkout's public API (as an
 * installed project imports `strata`).
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const SRC = join(import.meta.dirname, '..', '..', 'src');
/** Import specifiers a project file uses for `strata` and `strata/pipeline`. */
export const STRATA = join(SRC, 'index.ts');
export const STRATA_PIPELINE = join(SRC, 'pipeline', 'index.ts');

export interface TestProject {
  readonly dir: string;
  /** Writes `relativePath` (folders made as needed) and returns its absolute path. */
  write(relativePath: string, text: string): string;
  remove(): void;
}

export function createTestProject(prefix = 'strata-project-'): TestProject {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const project: TestProject = {
    dir,
    write(relativePath, text) {
      const path = join(dir, relativePath);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  project.write('package.json', JSON.stringify({ name: 'test-project', private: true, type: 'module' }));
  return project;
}

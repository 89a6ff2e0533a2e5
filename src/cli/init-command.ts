/**
 * `strata init <dir>`: writes a small project that builds on Strata (templates/init/): its own
 * TypeScript and SQL assets on top of the shipped pipeline, a test on `strata/testing`, and the
 * package.json, tsconfig and README to run them. It writes into a new or empty folder only.
 */
import { cp, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValidationError } from '../core/errors.js';
import { print } from './output.js';

/** Strata's package root, from src/cli/ in a checkout or dist/cli/ in the package. */
const STRATA_ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/[\\/]$/, '');
const TEMPLATE_DIR = join(STRATA_ROOT, 'templates', 'init');
/** npm leaves dotfiles such as .gitignore out of a package, so the template stores them without the dot. */
const DOTFILES: Readonly<Record<string, string>> = { gitignore: '.gitignore', 'env.example': '.env.example' };
/** The project's tools, at the versions Strata itself is built and tested with. */
const TOOLS = ['@types/node', 'typescript', 'vitest'] as const;

export interface InitOptions {
  readonly dir: string;
  /** The project's dependency on Strata (`file:/path/strata-0.1.0.tgz`, a version); default defaultStrataSpec(). */
  readonly strata?: string | undefined;
}

export async function initCommand(options: InitOptions): Promise<number> {
  const dir = resolve(options.dir);
  const strata = options.strata ?? (await defaultStrataSpec());
  await assertEmptyFolder(dir);
  await mkdir(dir, { recursive: true });
  await cp(TEMPLATE_DIR, dir, { recursive: true });
  for (const [stored, name] of Object.entries(DOTFILES)) await rename(join(dir, stored), join(dir, name));
  await writePackageJson(dir, strata);
  print(`strata init: wrote a project to ${dir} (strata: ${strata})`);
  if (strata === `file:${STRATA_ROOT}` && (await isCheckout())) {
    print(`It links to the Strata checkout ${STRATA_ROOT}: run \`npm run build\` there first (or pass --strata <tarball from npm pack>).`);
  }
  print(`\nNext:\n  cd ${dir}\n  npm install\n  npm test\n  npx strata fake-coingecko --port 8787 &\n  STRATA_DEFINITIONS=./definitions.ts COINGECKO_BASE_URL=http://127.0.0.1:8787/api/v3 npx strata materialize`);
  return 0;
}

/**
 * Where this Strata came from: installed in a project (node_modules/strata), that project's
 * own dependency spec (the tarball it was installed from, made absolute); otherwise this
 * folder (a checkout, or an unpacked package).
 */
async function defaultStrataSpec(): Promise<string> {
  const marker = `${sep}node_modules${sep}`;
  const at = STRATA_ROOT.lastIndexOf(marker);
  if (at >= 0) {
    const project = STRATA_ROOT.slice(0, at);
    const manifest = await readJson(join(project, 'package.json')).catch(() => undefined);
    const spec = dependencySpec(manifest, 'strata');
    if (spec !== undefined) return spec.startsWith('file:') ? `file:${resolve(project, spec.slice('file:'.length))}` : spec;
  }
  return `file:${STRATA_ROOT}`;
}

async function assertEmptyFolder(dir: string): Promise<void> {
  const found = await stat(dir).catch(() => undefined);
  if (found === undefined) return;
  if (!found.isDirectory()) throw new ValidationError(`init: ${dir} exists and is not a folder`);
  if ((await readdir(dir)).length > 0) throw new ValidationError(`init: ${dir} is not empty; give a new or empty folder`);
}

async function writePackageJson(dir: string, strata: string): Promise<void> {
  const file = join(dir, 'package.json');
  const manifest = (await readJson(file)) as { name: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };
  const own = await readJson(join(STRATA_ROOT, 'package.json'));
  manifest.name = packageName(basename(dir));
  manifest.dependencies.strata = strata;
  for (const tool of TOOLS) {
    const version = dependencySpec(own, tool);
    if (version === undefined) throw new Error(`init: Strata's package.json names no version of ${tool}`);
    manifest.devDependencies[tool] = version;
  }
  await writeFile(file, `${JSON.stringify(manifest, null, 2)}\n`);
}

/** A folder name as an npm package name: lowercase, URL-safe characters only. */
function packageName(folder: string): string {
  const name = folder.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+|-+$/g, '');
  return name === '' ? 'strata-project' : name;
}

function dependencySpec(manifest: unknown, name: string): string | undefined {
  const sections = manifest as { dependencies?: Record<string, unknown>; devDependencies?: Record<string, unknown> } | undefined;
  const spec = sections?.dependencies?.[name] ?? sections?.devDependencies?.[name];
  return typeof spec === 'string' ? spec : undefined;
}

async function readJson(file: string): Promise<unknown> {
  return JSON.parse(await readFile(file, 'utf8')) as unknown;
}

async function isCheckout(): Promise<boolean> {
  return (await stat(join(STRATA_ROOT, 'src')).catch(() => undefined)) !== undefined;
}

// `npm run build` (and `prepack`): compiles src/ to dist/ (.js + .d.ts) for the npm package,
// then copies the files tsc does not emit (UI static files, module hooks, coin maps) beside
// them, so every `new URL('…', import.meta.url)` resolves from dist/ as it does from src/.
// A checkout runs src/ through tsx and never needs this (bin/strata.js prefers src/).
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

let copied = 0;
for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || entry.name.endsWith('.ts')) continue;
  const from = join(entry.parentPath ?? entry.path, entry.name);
  const to = join(dist, relative(src, from));
  cpSync(from, to);
  copied += 1;
}
process.stdout.write(`dist/: compiled src/ and copied ${copied} other files\n`);

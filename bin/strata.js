#!/usr/bin/env node
// `npx strata …`: loads the CLI in this very process, so signals such as SIGTERM reach Strata
// directly and shut it down gracefully. tsx is registered either way: a project's definitions
// module (STRATA_DEFINITIONS) is TypeScript. A checkout runs its sources (src/cli.ts); the npm
// package has no src/ and runs its build (dist/cli.js, made by `npm pack`), so a stale dist/
// in a checkout is never what runs.
import { existsSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const sources = new URL('../src/cli.ts', import.meta.url);
await import(existsSync(sources) ? sources.href : new URL('../dist/cli.js', import.meta.url).href);

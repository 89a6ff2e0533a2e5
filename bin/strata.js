#!/usr/bin/env node
// `npx strata …`: loads the TypeScript CLI in this very process (tsx as a loader), so signals
// such as SIGTERM reach Strata directly and shut it down gracefully.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');

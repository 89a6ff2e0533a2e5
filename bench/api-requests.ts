/**
 * Request latency of the API and UI pages over real HTTP: the app listens on 127.0.0.1:0 and
 * each request is a keep-alive `fetch` timed from send to the last byte of the body read, one
 * at a time (no concurrency: the figure is a user's wait, not throughput). Every case is probed
 * once; a case that does not answer 200 is reported with its status instead of timed.
 */
export interface RequestCase {
  readonly name: string;
  /** Path and query of request `i` (cases may vary the run or the cursor per request). */
  path(i: number): string;
}

export type CaseResult =
  | { readonly name: string; readonly example: string; readonly failed: string }
  | { readonly name: string; readonly example: string; readonly samplesMs: readonly number[]; readonly bytes: number };

export interface MeasureOptions {
  readonly requests: number;
  readonly warmup: number;
  readonly log: (line: string) => void;
}

async function timedGet(url: string): Promise<{ ms: number; status: number; body: string }> {
  const started = performance.now();
  const response = await fetch(url);
  const body = await response.text();
  return { ms: performance.now() - started, status: response.status, body };
}

export async function measureCases(baseUrl: string, cases: readonly RequestCase[], options: MeasureOptions): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const testCase of cases) {
    const example = testCase.path(0);
    const probe = await timedGet(`${baseUrl}${example}`);
    if (probe.status !== 200) {
      results.push({ name: testCase.name, example, failed: `${probe.status}: ${probe.body.slice(0, 160)}` });
      options.log(`${testCase.name}: ${probe.status}, not timed`);
      continue;
    }
    for (let i = 0; i < options.warmup; i++) await timedGet(`${baseUrl}${testCase.path(options.requests + i)}`);
    const samplesMs: number[] = [];
    for (let i = 0; i < options.requests; i++) {
      const sample = await timedGet(`${baseUrl}${testCase.path(i)}`);
      if (sample.status !== 200) throw new Error(`${testCase.name}: GET ${testCase.path(i)} answered ${sample.status}: ${sample.body.slice(0, 200)}`);
      samplesMs.push(sample.ms);
    }
    results.push({ name: testCase.name, example, samplesMs, bytes: Buffer.byteLength(probe.body) });
    options.log(`${testCase.name}: ${options.requests} requests timed`);
  }
  return results;
}

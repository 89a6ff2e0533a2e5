/**
 * promtool (Debian's `prometheus` package, installed by .ci/run) accepts the Prometheus config
 * and the alert rules, and the rules' unit tests (alerts.test.yml) pass: each alert fires when
 * it should and stays quiet when it should not.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ALERT_RULE_TESTS, ALERT_RULES, hasCommand, PROMETHEUS_CONFIG, REPO_ROOT } from './deploy-files.js';

const run = promisify(execFile);
const PROMTOOL_SKIP_REASON = hasCommand('promtool') ? undefined : 'promtool is not installed (apt-get install prometheus; .ci/run does)';

async function promtool(...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: REPO_ROOT });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

const title = (name: string) => (PROMTOOL_SKIP_REASON === undefined ? name : `${name} (skipped: ${PROMTOOL_SKIP_REASON})`);

describe.skipIf(PROMTOOL_SKIP_REASON !== undefined)(title('promtool'), () => {
  it('check config accepts prometheus.yml and the rule file it names', async () => {
    const { code, output } = await promtool('check', 'config', PROMETHEUS_CONFIG);
    expect(output, output).toContain('is valid prometheus config file syntax');
    expect(output).toContain('SUCCESS: 1 rule files found');
    expect(code, output).toBe(0);
  });

  it('check rules accepts alerts.yml', async () => {
    const { code, output } = await promtool('check', 'rules', ALERT_RULES);
    expect(output, output).toMatch(/SUCCESS: \d+ rules found/);
    expect(code, output).toBe(0);
  });

  it('the alert rules pass their unit tests (promtool test rules)', async () => {
    const { code, output } = await promtool('test', 'rules', ALERT_RULE_TESTS);
    expect(output, output).toContain('SUCCESS');
    expect(code, output).toBe(0);
  });

  it('check rules rejects a broken rule (the check is real)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-promtool-'));
    try {
      await writeFile(join(dir, 'bad.yml'), 'groups:\n  - name: bad\n    rules:\n      - alert: Broken\n        expr: sum by (job (strata_runs_total)\n');
      const { code } = await promtool('check', 'rules', join(dir, 'bad.yml'));
      expect(code).not.toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

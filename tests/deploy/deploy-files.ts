/**
 * The deployment files the deploy tests read: dashboards, Grafana provisioning, Prometheus
 * config and rules, docker-compose.yml, Dockerfile. YAML is read through python3's PyYAML
 * (Debian's python3-yaml), as these tests always have; the `yaml` npm package (a devDependency
 * since the GitHub workflow test) could replace it and drop the skip when PyYAML is missing.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const repoPath = (relative: string) => fileURLToPath(new URL(`../../${relative}`, import.meta.url));

export const DASHBOARDS_DIR = 'dashboards/grafana/dashboards';
export const PROMETHEUS_CONFIG = 'dashboards/prometheus/prometheus.yml';
export const ALERT_RULES = 'dashboards/prometheus/alerts.yml';
export const ALERT_RULE_TESTS = 'dashboards/prometheus/alerts.test.yml';

const YAML_TO_JSON = 'import json, sys, yaml\njson.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout, default=str)';

function probeYaml(): string | undefined {
  try {
    execFileSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'python3 with PyYAML (Debian python3-yaml) is not installed: no YAML parser to read the file';
  }
}

/** Why YAML files cannot be read here, or undefined when they can. */
export const YAML_SKIP_REASON = probeYaml();

export function loadYaml<T = unknown>(relative: string): T {
  return JSON.parse(execFileSync('python3', ['-c', YAML_TO_JSON, repoPath(relative)], { encoding: 'utf8' })) as T;
}

/** Whether an executable is on PATH. */
export function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface GrafanaTarget {
  readonly refId?: string;
  readonly expr?: string;
  readonly legendFormat?: string;
  readonly rawSql?: string;
  readonly format?: string;
  readonly datasource?: { type?: string; uid?: string };
}

export interface GrafanaPanel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly datasource?: { type?: string; uid?: string };
  readonly targets?: GrafanaTarget[];
  readonly panels?: GrafanaPanel[];
}

export interface GrafanaDashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: GrafanaPanel[];
  readonly templating: { list: { name: string; datasource?: { uid?: string }; query?: { query?: string } | string }[] };
}

export function loadDashboards(): { file: string; dashboard: GrafanaDashboard }[] {
  return readdirSync(repoPath(DASHBOARDS_DIR))
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => ({ file: `${DASHBOARDS_DIR}/${name}`, dashboard: JSON.parse(readFileSync(repoPath(`${DASHBOARDS_DIR}/${name}`), 'utf8')) as GrafanaDashboard }));
}

/** Every panel, rows' nested panels included. */
export function allPanels(dashboard: GrafanaDashboard): GrafanaPanel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

/** The panel's targets with the data source each resolves to (the target's own, else the panel's). */
export function panelTargets(panel: GrafanaPanel): { target: GrafanaTarget; datasourceUid: string | undefined }[] {
  return (panel.targets ?? []).map((target) => ({ target, datasourceUid: target.datasource?.uid ?? panel.datasource?.uid }));
}

export interface AlertRule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export function loadAlertRules(): AlertRule[] {
  const file = loadYaml<{ groups: { name: string; rules: AlertRule[] }[] }>(ALERT_RULES);
  return file.groups.flatMap((group) => group.rules);
}

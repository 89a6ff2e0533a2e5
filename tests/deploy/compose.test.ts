/**
 * docker-compose.yml, the Grafana provisioning and the Dockerfile, checked without a Docker
 * engine: `docker compose config` when the client has the compose plugin, and in any case a
 * structure check of the parsed file (services, healthchecks, volumes, depends_on conditions,
 * mounts that exist, names that agree with prometheus.yml and the Grafana data sources).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allPanels, loadDashboards, loadYaml, panelTargets, PROMETHEUS_CONFIG, REPO_ROOT, repoPath, YAML_SKIP_REASON } from './deploy-files.js';

const COMPOSE_FILE = 'docker-compose.yml';
const DATASOURCES = 'dashboards/grafana/provisioning/datasources/strata.yml';
const DASHBOARD_PROVIDERS = 'dashboards/grafana/provisioning/dashboards/strata.yml';

function composePluginSkipReason(): string | undefined {
  try {
    execFileSync('docker', ['compose', 'version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'the docker client has no compose plugin (`docker compose version` fails)';
  }
}
const COMPOSE_SKIP_REASON = composePluginSkipReason();

interface Healthcheck {
  test?: string[] | string;
  disable?: boolean;
}
interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: Healthcheck;
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
  restart?: string;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const healthTest = (service: Service | undefined) => {
  const test = service?.healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : (test ?? '');
};

describe.skipIf(COMPOSE_SKIP_REASON !== undefined)(`docker compose config${COMPOSE_SKIP_REASON ? ` (skipped: ${COMPOSE_SKIP_REASON})` : ''}`, () => {
  it('accepts docker-compose.yml, with every profile', () => {
    execFileSync('docker', ['compose', '-f', COMPOSE_FILE, '--profile', 'scale-out', '--profile', 'offline', 'config', '-q'], { cwd: REPO_ROOT, stdio: 'pipe' });
  });
});

describe.skipIf(YAML_SKIP_REASON !== undefined)(`docker-compose.yml structure${YAML_SKIP_REASON ? ` (skipped: ${YAML_SKIP_REASON})` : ''}`, () => {
  const compose = () => loadYaml<Compose>(COMPOSE_FILE);

  it('has postgres, migrate, strata, prometheus and grafana in the default profile', () => {
    const services = compose().services;
    const defaults = Object.entries(services).filter(([, service]) => service.profiles === undefined).map(([name]) => name);
    expect(defaults.sort()).toEqual(['grafana', 'migrate', 'postgres', 'prometheus', 'strata']);
  });

  it('runs postgres 16 with a pg_isready healthcheck and a named data volume', () => {
    const { services, volumes } = compose();
    const postgres = services['postgres'] as Service;
    expect(postgres.image).toMatch(/^postgres:16/);
    expect(healthTest(postgres)).toContain('pg_isready');
    const data = postgres.volumes?.find((volume) => volume.endsWith(':/var/lib/postgresql/data'));
    expect(data).toBeDefined();
    expect(Object.keys(volumes ?? {})).toContain(data?.split(':')[0]);
  });

  it('migrates once after postgres is healthy, and starts Strata only after the migration completed', () => {
    const { services } = compose();
    const migrate = services['migrate'] as Service;
    expect(migrate.command).toEqual(['node', '--import', 'tsx', 'src/cli.ts', 'migrate']);
    expect(migrate.restart).toBe('no');
    expect(migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    for (const name of ['strata', 'worker']) {
      expect(services[name]?.depends_on, name).toMatchObject({ postgres: { condition: 'service_healthy' }, migrate: { condition: 'service_completed_successfully' } });
    }
  });

  it('serves the API on 0.0.0.0 against the postgres service, with a /healthz healthcheck', () => {
    const strata = compose().services['strata'] as Service;
    expect(strata.command).toEqual(['node', '--import', 'tsx', 'src/cli.ts', 'start']);
    expect(strata.environment?.['HOST']).toBe('0.0.0.0');
    expect(new URL(strata.environment?.['DATABASE_URL'] ?? '').host).toBe('postgres:5432');
    expect(healthTest(strata)).toContain('/healthz');
    expect(strata.healthcheck?.disable).not.toBe(true);
    expect(strata.ports?.some((port) => port.endsWith(':3000'))).toBe(true);
  });

  it('gives every Strata process the same bronze volume, mounted at STRATA_DATA_DIR', () => {
    const { services, volumes } = compose();
    for (const name of ['migrate', 'strata', 'worker']) {
      const service = services[name] as Service;
      const dataDir = service.environment?.['STRATA_DATA_DIR'];
      expect(dataDir, name).toBe('/app/data');
      expect(service.volumes, name).toContain(`bronze:${dataDir}`);
    }
    expect(Object.keys(volumes ?? {})).toContain('bronze');
  });

  it('waits only on services that exist, with valid conditions, and service_healthy only on services with a healthcheck', () => {
    const { services } = compose();
    const problems: string[] = [];
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        const target = services[dependency];
        if (target === undefined) problems.push(`${name} depends on unknown ${dependency}`);
        if (!['service_started', 'service_healthy', 'service_completed_successfully'].includes(condition)) problems.push(`${name}: bad condition ${condition}`);
        if (condition === 'service_healthy' && (target?.healthcheck === undefined || target.healthcheck.disable === true)) problems.push(`${name} waits for ${dependency} to be healthy, which has no healthcheck`);
        if (target?.profiles !== undefined && service.profiles === undefined) problems.push(`${name} (default profile) depends on ${dependency}, which is in profile ${target.profiles.join(',')}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('mounts only named volumes it declares and files that exist in the repository', () => {
    const { services, volumes } = compose();
    const declared = Object.keys(volumes ?? {});
    const problems: string[] = [];
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const [source] = volume.split(':') as [string];
        if (source.startsWith('./')) {
          if (!existsSync(repoPath(source.slice(2)))) problems.push(`${name}: ${source} does not exist`);
        } else if (!declared.includes(source)) {
          problems.push(`${name}: volume ${source} is not declared`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('needs no .env to come up: every variable has a default', () => {
    const text = readFileSync(repoPath(COMPOSE_FILE), 'utf8');
    const withoutDefault = [...text.matchAll(/\$\{([A-Z0-9_]+)(:?-[^}]*)?\}/g)].filter((match) => match[2] === undefined).map((match) => match[1]);
    expect(withoutDefault).toEqual([]);
  });

  it('points Prometheus at the strata service and mounts the rule file beside its config', () => {
    const { services } = compose();
    const prometheus = services['prometheus'] as Service;
    expect(prometheus.volumes).toContain('./dashboards/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    expect(prometheus.volumes).toContain('./dashboards/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro');
    expect(prometheus.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    const config = loadYaml<{ rule_files: string[]; scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] }>(PROMETHEUS_CONFIG);
    expect(config.rule_files).toEqual(['alerts.yml']);
    const strataJob = config.scrape_configs.find((job) => job.job_name === 'strata');
    const [host, port] = (strataJob?.static_configs[0]?.targets[0] ?? '').split(':');
    expect(services[host as string], `scrape target host ${host}`).toBeDefined();
    expect(port).toBe(services[host as string]?.environment?.['PORT']);
  });

  it('provisions Grafana with data sources that reach the compose services, and the dashboards where the provider looks', () => {
    const { services } = compose();
    const grafana = services['grafana'] as Service;
    const provider = loadYaml<{ providers: { options: { path: string } }[] }>(DASHBOARD_PROVIDERS).providers[0];
    expect(grafana.volumes).toContain('./dashboards/grafana/provisioning:/etc/grafana/provisioning:ro');
    expect(grafana.volumes).toContain(`./dashboards/grafana/dashboards:${provider?.options.path}:ro`);

    const { datasources } = loadYaml<{ datasources: { uid: string; type: string; url: string; user?: string; jsonData?: { database?: string }; secureJsonData?: { password?: string } }[] }>(DATASOURCES);
    const prometheus = datasources.find((source) => source.type === 'prometheus');
    expect(new URL(prometheus?.url ?? '').host).toBe('prometheus:9090');
    const postgres = datasources.find((source) => source.type === 'grafana-postgresql-datasource');
    expect(postgres?.url).toBe('postgres:5432');
    expect(postgres?.jsonData?.database).toBe(services['postgres']?.environment?.['POSTGRES_DB']);
    // The password comes from Grafana's environment, which compose sets.
    const passwordVariable = /^\$\{?([A-Z0-9_]+)\}?$/.exec(postgres?.secureJsonData?.password ?? '')?.[1];
    expect(passwordVariable).toBeDefined();
    expect(Object.keys(grafana.environment ?? {})).toContain(passwordVariable);
    expect(Object.keys(services['postgres']?.environment ?? {})).toContain(passwordVariable);

    const uids = new Set(datasources.map((source) => source.uid));
    const unknown = loadDashboards().flatMap(({ file, dashboard }) =>
      allPanels(dashboard).flatMap((panel) =>
        panelTargets(panel).flatMap(({ datasourceUid }) => (datasourceUid === undefined || uids.has(datasourceUid) ? [] : [`${file} "${panel.title}": ${datasourceUid}`])),
      ),
    );
    expect(unknown).toEqual([]);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(repoPath('Dockerfile'), 'utf8');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages = instructions.reduce<string[][]>((all, line) => (line.startsWith('FROM ') ? [...all, [line]] : all.length === 0 ? all : [...all.slice(0, -1), [...(all.at(-1) as string[]), line]]), []);
  const runtime = stages.at(-1) ?? [];

  it('is multi-stage, and the runtime stage installs nothing but copies production dependencies from a `npm ci --omit=dev` stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const prodStage = stages.find((stage) => stage.some((line) => /^RUN .*npm ci\b.*--omit=dev/.test(line)));
    expect(prodStage).toBeDefined();
    const prodName = /\bAS (\S+)$/i.exec(prodStage?.[0] ?? '')?.[1];
    expect(runtime).toContain(`COPY --from=${prodName} /app/node_modules ./node_modules`);
    expect(runtime.filter((line) => /^RUN .*npm (ci|install)/.test(line))).toEqual([]);
    expect(stages.some((stage) => stage.some((line) => /^RUN npm ci(?!.*--omit=dev)/.test(line)))).toBe(true);
  });

  it('builds every stage on the current Node LTS, a Debian slim image', () => {
    const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    expect(image).toMatch(/^node:24-(bookworm|trixie)-slim$/);
    const stageNames = stages.map((stage) => /\bAS (\S+)$/i.exec(stage[0] as string)?.[1]);
    for (const stage of stages) expect(stage[0]).toMatch(new RegExp(`^FROM (\\$\\{NODE_IMAGE\\}|${stageNames.filter(Boolean).join('|')})( AS \\S+)?$`));
  });

  it('runs as a non-root user', () => {
    const user = runtime.filter((line) => line.startsWith('USER ')).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)(:|$)/);
  });

  it("has a HEALTHCHECK that fetches /healthz with node's fetch", () => {
    const healthcheck = runtime.find((line) => line.startsWith('HEALTHCHECK '));
    expect(healthcheck).toMatch(/fetch\(.*\/healthz/);
    expect(healthcheck).toContain('CMD ["node", "-e"');
  });

  it('starts Strata through tsx, which is a production dependency', () => {
    expect(runtime.at(-1)).toBe('CMD ["node", "--import", "tsx", "src/cli.ts", "start"]');
    const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).toContain('tsx');
  });

  it('copies into the runtime image only paths that exist and .dockerignore keeps', () => {
    const ignored = readFileSync(repoPath('.dockerignore'), 'utf8').split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
    for (const required of ['node_modules', '.git', 'data', '.env']) expect(ignored).toContain(required);
    const sources = runtime.filter((line) => line.startsWith('COPY ') && !line.includes('--from=')).flatMap((line) => line.split(/\s+/).slice(1, -1));
    expect(sources).toEqual(expect.arrayContaining(['src/', 'sql/', 'bin/', 'package.json', 'package-lock.json']));
    for (const source of sources) {
      expect(existsSync(repoPath(source)), source).toBe(true);
      expect(ignored.some((pattern) => source === pattern || source.startsWith(`${pattern}/`)), `${source} is excluded by .dockerignore`).toBe(false);
    }
  });
});

import type { DefinitionsLoadError } from '../definitions/definitions-error.js';
import { SHIPPED_DEFINITIONS, type Runtime } from '../runtime.js';
import { latestTicks, listProcesses, listScheduleStates, queueDepth, type ProcessInfo } from '../storage/index.js';
import { formatDuration, formatTable, print } from './output.js';

/** `strata status [--json]`: who is alive, the queue, the next ticks and the last error of every loop. */
export async function statusCommand(runtime: Runtime, options: { json: boolean; brokenDefinitions?: DefinitionsLoadError | undefined }): Promise<number> {
  const { db } = runtime.database;
  const now = runtime.clock.now();
  const [processes, queued, running, states, ticks] = await Promise.all([
    listProcesses(db),
    queueDepth(db),
    db.selectFrom('strata.runs').select(({ fn }) => fn.countAll<number>().as('n')).where('status', 'in', ['STARTING', 'STARTED']).executeTakeFirstOrThrow(),
    listScheduleStates(db),
    latestTicks(db),
  ]);
  const enabled = new Map(states.map((state) => [state.name, state.enabled]));
  const schedules = runtime.schedules.map((schedule) => ({
    name: schedule.name,
    enabled: enabled.get(schedule.name) ?? true,
    nextTick: schedule.times.take(now, 1)[0] ?? null,
    lastTick: ticks.get(schedule.name) ?? null,
  }));
  const alive = (heartbeatAt: Date) => now.getTime() - heartbeatAt.getTime() <= runtime.config.heartbeatTimeoutMs;
  const embedded = runtime.database.embedded;
  const owner = embedded === undefined ? undefined : await embedded.owner();
  const report = {
    database:
      embedded === undefined
        ? { engine: runtime.database.engine }
        : { engine: runtime.database.engine, owner: owner === undefined ? null : { pid: owner.pid, command: owner.command, since: owner.startedAt }, socketDir: embedded.socketDir },
    queue: { queued, running: Number(running.n) },
    processes: processes.map((p) => ({ ...p, alive: alive(p.heartbeatAt), heartbeatAgeMs: now.getTime() - p.heartbeatAt.getTime() })),
    schedules,
    definitions: definitionsReport(runtime, processes, options.brokenDefinitions),
  };
  const code = report.definitions.error === null && report.definitions.reloadFailures.length === 0 ? 0 : 2;
  if (options.json) {
    print(JSON.stringify(report, null, 2));
    return code;
  }
  if (report.definitions.error !== null) print(`definitions: ${report.definitions.error}`);
  for (const failure of report.definitions.reloadFailures) {
    print(`definitions: ${failure.process} failed to reload at ${failure.at}, serving its last good definitions: ${failure.error}`);
  }
  if (embedded !== undefined) {
    print(`database: embedded PGlite, owned by ${owner === undefined ? 'nobody' : `pid ${owner.pid} (${owner.command}) since ${owner.startedAt}`}; other processes connect through ${embedded.socketDir}`);
  }
  print(`queue: ${queued} queued, ${report.queue.running} running`);
  print();
  print(
    formatTable(
      ['process', 'kind', 'state', 'heartbeat', 'loops (last error)'],
      report.processes.map((p) => [
        p.id,
        p.kind,
        p.alive ? 'alive' : 'silent',
        `${formatDuration(p.heartbeatAgeMs)} ago`,
        Object.entries(p.loops)
          .map(([name, loop]) => `${name}: ${loop.last_error ? `${loop.last_error} (${loop.error_count} errors)` : 'ok'}`)
          .join('; ') || '-',
      ]),
    ),
  );
  print();
  print(
    formatTable(
      ['schedule', 'state', 'next tick (UTC)', 'last tick'],
      schedules.map((s) => [s.name, s.enabled ? 'on' : 'off', s.nextTick?.toISOString() ?? '-', s.lastTick ? `${s.lastTick.tickAt.toISOString()} ${s.lastTick.status}` : 'never']),
    ),
  );
  return code;
}

/**
 * Which definitions file the processes load, whether it loads now, and every running process
 * whose last reload failed (it serves its last good definitions until a reload succeeds).
 */
function definitionsReport(runtime: Runtime, processes: readonly ProcessInfo[], broken: DefinitionsLoadError | undefined) {
  return {
    file: runtime.config.definitionsFile ?? SHIPPED_DEFINITIONS,
    error: broken === undefined ? null : broken.message,
    reloadFailures: processes.flatMap((process) => {
      const loop = process.loops.definitions;
      return loop?.last_error ? [{ process: process.id, error: loop.last_error, at: loop.last_error_at ?? loop.last_run_at }] : [];
    }),
  };
}

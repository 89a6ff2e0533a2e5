/**
 * The automation loop of the daemon: evaluates automation (evaluate-automation.ts) whenever
 * something it folds happens, and at least every STRATA_AUTOMATION_INTERVAL.
 * Wake-ups: on Postgres, the `strata_automation` notification that the change-feed triggers
 * send in the transaction that materialized, failed, queued or ended something (so every
 * daemon on every machine hears it); in one process (the only mode on PGlite), the run events
 * and queue signals of the in-process buses, and a once-a-second look at the change feed for
 * what other processes (the CLI) wrote (feed-watch.ts); and a timer at the next `on_cron` tick. A lost
 * wake-up costs at most one interval. With several daemons only the one holding the lease
 * (automation-leader.ts) evaluates, renewing it each time; the others keep listening, skip
 * their evaluations without reading, and try again when the lease would become free, so one
 * takes over within the heartbeat timeout of the leader's death (at once when it stops: it
 * releases the lease and wakes them). The cursor's compare-and-set still stores each
 * evaluation once, lease or not.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { operandsOf } from '../../core/automation/condition.js';
import type { RunEvent } from '../../core/types.js';
import type { Runtime } from '../../runtime.js';
import { releaseAutomationLease } from '../../storage/automation-leader.js';
import { availabilityOf } from '../../storage/index.js';
import { loopReporter, startBackgroundLoop } from '../background-loop.js';
import { listenForNotifications } from '../notification-listener.js';
import { onQueueChanged } from '../queue-signals.js';
import { evaluateAutomation, type AutomationEvaluation } from './evaluate-automation.js';
import { watchChangeFeed } from './feed-watch.js';
import { PartitionMemory } from './partition-memory.js';

/** The loop name in `strata.processes` and in logs. */
export const AUTOMATION_LOOP = 'automation';
/** Sent by migration 0012's triggers. */
export const AUTOMATION_CHANNEL = 'strata_automation';
/** Evaluations in one wake-up while each leaves more to do (a backlog, a lost race). */
const MAX_ROUNDS_PER_WAKE = 20;
/** setTimeout's limit; a tick further away is re-armed by the interval evaluations. */
const MAX_TIMER_MS = 2_147_483_647;
/** A non-leader tries again no sooner than this after seeing the lease held. */
const MIN_TAKEOVER_WAIT_MS = 100;

const WAKING_EVENTS: ReadonlySet<RunEvent['type']> = new Set(['asset:materialized', 'step:failed', 'run:succeeded', 'run:failed', 'run:canceled']);

export interface AutomationLoop {
  wake(): void;
  stop(): Promise<void>;
}

export interface AutomationLoopOptions {
  /** The daemon's row in `strata.processes`: evaluations and loop results are recorded with it. */
  readonly processId?: string;
  /** Called after each evaluation (tests and benchmarks wait on it). */
  readonly onEvaluation?: (evaluation: AutomationEvaluation) => void;
}

export async function startAutomationLoop(runtime: Runtime, options: AutomationLoopOptions = {}): Promise<AutomationLoop> {
  const { database, clock, logger } = runtime;
  const log = logger.child({ loop: AUTOMATION_LOOP });
  let cronTimer: NodeJS.Timeout | undefined;
  let takeoverTimer: NodeJS.Timeout | undefined;
  const memory = new PartitionMemory();
  // A loop without a process row (tests, tools) still needs a name to hold the lease by.
  const leaderId = options.processId ?? `automation-${randomUUID()}`;
  // Renewed at least every interval; a dead leader with a process row is replaced sooner, by its heartbeat.
  const lease = {
    leaderId,
    leaseMs: Math.max(runtime.config.heartbeatTimeoutMs, 2 * runtime.config.automationIntervalMs),
    heartbeatTimeoutMs: runtime.config.heartbeatTimeoutMs,
  };

  /** Not the leader: look again when the lease would become free (the leader renewing it is cheap to see). */
  const armTakeoverTimer = (freeAt: Date): void => {
    if (takeoverTimer !== undefined) clearTimeout(takeoverTimer);
    const wait = Math.min(MAX_TIMER_MS, Math.max(MIN_TAKEOVER_WAIT_MS, freeAt.getTime() - clock.now().getTime()));
    takeoverTimer = setTimeout(() => loop.wake(), wait);
    takeoverTimer.unref();
  };

  const armCronTimer = (): void => {
    if (cronTimer !== undefined) clearTimeout(cronTimer);
    cronTimer = undefined;
    const now = clock.now();
    let next: number | undefined;
    for (const asset of runtime.graph.assets.values()) {
      for (const operand of asset.automation === undefined ? [] : operandsOf(asset.automation)) {
        if (operand.kind !== 'on_cron') continue;
        const tick = operand.times.nextAfter(now).getTime();
        if (next === undefined || tick < next) next = tick;
      }
    }
    if (next === undefined) return;
    cronTimer = setTimeout(() => loop.wake(), Math.min(MAX_TIMER_MS, Math.max(0, next - now.getTime())));
    cronTimer.unref();
  };

  const loop = startBackgroundLoop({
    name: AUTOMATION_LOOP,
    intervalMs: runtime.config.automationIntervalMs,
    clock,
    logger,
    availability: availabilityOf(database),
    ...(options.processId === undefined ? {} : { report: loopReporter(database, options.processId, AUTOMATION_LOOP, clock) }),
    iteration: async () => {
      for (let round = 0; round < MAX_ROUNDS_PER_WAKE; round++) {
        const evaluation = await evaluateAutomation(runtime, { memory, lease, ...(options.processId === undefined ? {} : { processId: options.processId }) });
        if (evaluation.leader !== undefined) armTakeoverTimer(evaluation.leader.freeAt);
        if (evaluation.runIds.length > 0) {
          log.info({ evaluation: evaluation.evaluationId, runs: evaluation.runIds, partitions: evaluation.partitionsEvaluated }, 'automation requested runs');
        }
        options.onEvaluation?.(evaluation);
        if (!evaluation.moreChanges) break;
      }
      armCronTimer();
    },
  });
  const stopEvents = runtime.events.subscribe((event) => {
    if (WAKING_EVENTS.has(event.type)) loop.wake();
  });
  const stopQueue = onQueueChanged(database, () => loop.wake());
  const stopWatch = watchChangeFeed(database, log, () => loop.wake());
  const listener = await listenForNotifications(database, logger, {
    name: 'automation listener',
    channels: [AUTOMATION_CHANNEL],
    onNotification: () => loop.wake(),
    onConnected: () => loop.wake(),
  });
  /** Lets another daemon take over at once: frees the lease and wakes the daemons listening. */
  const releaseLease = async (): Promise<void> => {
    try {
      await releaseAutomationLease(database.db, leaderId);
      await sql`SELECT pg_notify(${AUTOMATION_CHANNEL}, '')`.execute(database.db);
    } catch (error) {
      log.warn({ err: error }, 'could not release the automation lease; another daemon takes over when it expires');
    }
  };
  return {
    wake: () => loop.wake(),
    async stop() {
      stopEvents();
      stopQueue();
      stopWatch();
      if (cronTimer !== undefined) clearTimeout(cronTimer);
      await listener.close();
      await loop.stop();
      if (cronTimer !== undefined) clearTimeout(cronTimer);
      if (takeoverTimer !== undefined) clearTimeout(takeoverTimer);
      await releaseLease();
    },
  };
}

/**
 * Declarative automation conditions: when the daemon should request a run of an asset
 * partition, as an immutable value the daemon evaluates per partition (src/daemon/automation/).
 *
 * ```ts
 * const mart = defineAsset({ key: 'gold/mart', ..., automation: automation.eager() });
 * const daily = defineAsset({ ..., automation: automation.or(automation.onCron('0 6 * * *'), automation.missing()) });
 * ```
 *
 * The operands, per asset partition (the words the UI uses):
 * - `eager()`: an upstream partition it reads was materialized after this partition last
 *   materialized and after automation last requested it, and none of those upstream partitions
 *   (nor this one) is in progress, failed or missing.
 * - `onCron(cron, { timezone })`: a tick of `cron` passed since this partition was last requested
 *   or materialized, and every upstream partition it reads was updated since that tick; true once
 *   per tick, for the partition that contains the tick.
 * - `missing()`: never materialized.
 * - `and`, `or`, `not`: combinations. A condition that can never be true is rejected when the
 *   definitions load (condition-problems.ts).
 */
import { cronTimes, type CronTimes } from '../cron.js';
import { DefinitionError } from '../errors.js';

export interface EagerCondition {
  readonly kind: 'eager';
  readonly label: string;
}

export interface OnCronCondition {
  readonly kind: 'on_cron';
  readonly label: string;
  readonly cron: string;
  readonly timezone: string;
  readonly times: CronTimes;
}

export interface MissingCondition {
  readonly kind: 'missing';
  readonly label: string;
}

export interface AndCondition {
  readonly kind: 'and';
  readonly label: string;
  readonly operands: readonly AutomationCondition[];
}

export interface OrCondition {
  readonly kind: 'or';
  readonly label: string;
  readonly operands: readonly AutomationCondition[];
}

export interface NotCondition {
  readonly kind: 'not';
  readonly label: string;
  readonly operand: AutomationCondition;
}

/** A condition value: plain data with a readable label (`eager() & ~missing()`). */
export type AutomationCondition = EagerCondition | OnCronCondition | MissingCondition | AndCondition | OrCondition | NotCondition;

/** The leaves a condition is built from. */
export type AutomationOperand = EagerCondition | OnCronCondition | MissingCondition;

export interface OnCronOptions {
  /** IANA name; default 'UTC'. */
  readonly timezone?: string;
}

const KINDS = new Set(['eager', 'on_cron', 'missing', 'and', 'or', 'not']);

export function isAutomationCondition(value: unknown): value is AutomationCondition {
  return typeof value === 'object' && value !== null && KINDS.has((value as { kind?: unknown }).kind as string) && typeof (value as { label?: unknown }).label === 'string';
}

function operandOf(value: unknown, where: string): AutomationCondition {
  if (!isAutomationCondition(value)) throw new DefinitionError(`automation.${where} takes conditions (automation.eager(), …), got ${describe(value)}`);
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object that is not a condition' : `a ${typeof value}`;
}

/** Parenthesised inside `&`, `|` when it is itself a combination of several. */
function inner(condition: AutomationCondition, parent: 'and' | 'or' | 'not'): string {
  const grouped = condition.kind === 'and' || condition.kind === 'or';
  return grouped && (parent === 'not' || condition.kind !== parent) ? `(${condition.label})` : condition.label;
}

function combine(kind: 'and' | 'or', operands: readonly unknown[]): AndCondition | OrCondition {
  if (operands.length < 2) throw new DefinitionError(`automation.${kind}(...) needs at least two conditions, got ${operands.length}`);
  const checked = Object.freeze(operands.map((operand) => operandOf(operand, `${kind}(...)`)));
  const label = checked.map((operand) => inner(operand, kind)).join(kind === 'and' ? ' & ' : ' | ');
  return Object.freeze({ kind, label, operands: checked });
}

/** The `automation` namespace of the public API. */
export const automation = Object.freeze({
  /** Materialize a partition after any upstream partition it reads changes (see the module comment). */
  eager(): EagerCondition {
    return Object.freeze({ kind: 'eager', label: 'eager()' });
  },
  /** Once per tick of `cron` (five fields, or six with seconds first), after every upstream partition has updated since the tick. */
  onCron(cron: string, options: OnCronOptions = {}): OnCronCondition {
    const timezone = options.timezone ?? 'UTC';
    if (typeof cron !== 'string') throw new DefinitionError(`automation.onCron needs a cron expression string, got ${describe(cron)}`);
    let times: CronTimes;
    try {
      times = cronTimes(cron.trim(), timezone);
    } catch (error) {
      throw new DefinitionError(`automation.onCron: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const zone = timezone === 'UTC' ? '' : `, '${timezone}'`;
    return Object.freeze({ kind: 'on_cron', label: `on_cron('${cron.trim()}'${zone})`, cron: cron.trim(), timezone, times });
  },
  /** The partition was never materialized. */
  missing(): MissingCondition {
    return Object.freeze({ kind: 'missing', label: 'missing()' });
  },
  and(...operands: AutomationCondition[]): AndCondition {
    return combine('and', operands) as AndCondition;
  },
  or(...operands: AutomationCondition[]): OrCondition {
    return combine('or', operands) as OrCondition;
  },
  not(operand: AutomationCondition): NotCondition {
    const checked = operandOf(operand, 'not(...)');
    return Object.freeze({ kind: 'not', label: `~${inner(checked, 'not')}`, operand: checked });
  },
});

/** Every leaf of a condition, in label order. */
export function operandsOf(condition: AutomationCondition): AutomationOperand[] {
  switch (condition.kind) {
    case 'and':
    case 'or':
      return condition.operands.flatMap(operandsOf);
    case 'not':
      return operandsOf(condition.operand);
    default:
      return [condition];
  }
}

/**
 * Conditions that can never be true, found when definitions load (load-definitions.ts turns
 * each problem into an error at the asset's line):
 * - `eager()` on an asset with no dependencies: no upstream update can ever happen;
 * - a contradiction such as `and(c, not(c))`: the operands are treated as independent truth
 *   values (any of eager, on_cron, missing can be true or false whatever the others are), and
 *   every assignment is tried; none makes the whole true.
 * An invalid cron never gets here: `automation.onCron` rejects it where it is written.
 * A cycle of eager dependencies cannot be formed: the asset graph itself rejects every cycle,
 * and the partition mappings only relate an asset to its declared dependencies.
 */
import { operandsOf, type AutomationCondition } from './condition.js';

/** More distinct operands than this are not searched (2^12 assignments): no real condition comes near. */
const MAX_SEARCHED_OPERANDS = 12;

export function conditionProblems(condition: AutomationCondition, hasDeps: boolean): string[] {
  const labels = [...new Set(operandsOf(condition).map((operand) => operand.label))];
  if (!hasDeps && labels.includes('eager()')) {
    // Said once: that eager() is always false here is also why a whole made of it never holds.
    return ['eager() on an asset with no dependencies can never be true (nothing upstream can update); use on_cron(...) or missing()'];
  }
  if (labels.length <= MAX_SEARCHED_OPERANDS && !satisfiable(condition, labels, hasDeps)) {
    return [`'${condition.label}' can never be true (it contradicts itself)`];
  }
  return [];
}

function satisfiable(condition: AutomationCondition, labels: readonly string[], hasDeps: boolean): boolean {
  for (let mask = 0; mask < 1 << labels.length; mask++) {
    const truth = new Map(labels.map((label, index) => [label, (mask & (1 << index)) !== 0]));
    if (!hasDeps && truth.get('eager()') === true) continue;
    if (holds(condition, truth)) return true;
  }
  return false;
}

function holds(condition: AutomationCondition, truth: ReadonlyMap<string, boolean>): boolean {
  switch (condition.kind) {
    case 'and':
      return condition.operands.every((operand) => holds(operand, truth));
    case 'or':
      return condition.operands.some((operand) => holds(operand, truth));
    case 'not':
      return !holds(condition.operand, truth);
    default:
      return truth.get(condition.label) === true;
  }
}

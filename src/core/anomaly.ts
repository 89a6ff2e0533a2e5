/**
 * Outliers against recent history, robustly: a value is anomalous when it lies outside
 * `median ± threshold × spread` of the same measure over the last materializations, where
 * `spread` is the MAD scaled to a standard deviation (× 1.4826), floored at a fraction of the
 * median so a perfectly steady series (250 rows every time) does not flag a change of one row.
 * The median and MAD ignore the outliers they are meant to catch, unlike a mean and a standard
 * deviation, which one bad run drags along.
 */

export interface AnomalyOptions {
  /** How many spreads from the median a value may be. Default 3.5 (Iglewicz and Hoaglin). */
  readonly threshold?: number;
  /** Fewer samples than this prove nothing: the value passes while the history fills. Default 8. */
  readonly minSamples?: number;
  /** The spread is at least this fraction of |median|. Default 0.02. */
  readonly minRelativeSpread?: number;
  /** The spread is at least this much, in the measure's unit (e.g. 250 ms of jitter). Default 0. */
  readonly minAbsoluteSpread?: number;
}

export interface ExpectedRange {
  readonly median: number;
  /** Median absolute deviation from the median (unscaled). */
  readonly mad: number;
  readonly lower: number;
  readonly upper: number;
  readonly samples: number;
}

export interface AnomalyAssessment {
  readonly passed: boolean;
  readonly message: string;
  /** The value, and the expected range when there was enough history. */
  readonly metadata: Readonly<Record<string, number | string>>;
}

const MAD_TO_SIGMA = 1.4826;

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The range a new value is expected in, or undefined while there are fewer than `minSamples`. */
export function expectedRange(history: readonly number[], options: AnomalyOptions = {}): ExpectedRange | undefined {
  const samples = history.filter(Number.isFinite);
  if (samples.length < (options.minSamples ?? 8)) return undefined;
  const center = median(samples);
  const mad = median(samples.map((value) => Math.abs(value - center)));
  const spread = Math.max(MAD_TO_SIGMA * mad, (options.minRelativeSpread ?? 0.02) * Math.abs(center), options.minAbsoluteSpread ?? 0);
  const threshold = options.threshold ?? 3.5;
  return { median: center, mad, lower: center - threshold * spread, upper: center + threshold * spread, samples: samples.length };
}

/** Compares `value` with its history; `label` names the measure in the message. */
export function assessAnomaly(label: string, value: number, history: readonly number[], options: AnomalyOptions = {}): AnomalyAssessment {
  const range = expectedRange(history, options);
  if (range === undefined) {
    const needed = options.minSamples ?? 8;
    return { passed: true, message: `${label} ${value}: learning (${history.length} of ${needed} samples)`, metadata: { value, samples: history.length } };
  }
  const passed = value >= range.lower && value <= range.upper;
  const expected = `[${round(range.lower)}, ${round(range.upper)}]`;
  return {
    passed,
    message: passed ? `${label} ${value} within ${expected}` : `${label} ${value} outside the expected range ${expected} (median ${round(range.median)} of ${range.samples} materializations)`,
    metadata: { value, median: range.median, mad: range.mad, lower: range.lower, upper: range.upper, samples: range.samples },
  };
}

function round(value: number): number {
  return Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 1000) / 1000;
}

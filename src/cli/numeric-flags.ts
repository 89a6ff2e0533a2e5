/**
 * The command line's numeric flags, each with the range it accepts, parsed into a message that
 * names the flag and the form: `--limit: expected a whole number from 1 to 1,000, got '-3'`.
 */
import { ValidationError } from '../core/errors.js';

export const NUMERIC_FLAGS = Object.freeze({
  // Storage lists at most 1,000 runs a page.
  limit: { min: 1, max: 1_000, what: 'a whole number' },
  concurrency: { min: 1, max: 1_000, what: 'a whole number' },
  chunk: { min: 1, max: 10_000, what: 'a whole number' },
  // 0: any free port.
  port: { min: 0, max: 65_535, what: 'a port number' },
  coins: { min: 1, max: 100_000, what: 'a whole number' },
});

export type NumericFlag = keyof typeof NUMERIC_FLAGS;

/** The flag's whole number; a ValidationError naming the flag, the range and the text otherwise. */
export function parseNumericFlag(flag: NumericFlag, text: string): number {
  const { min, max, what } = NUMERIC_FLAGS[flag];
  const value = /^\s*[+-]?\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ValidationError(`--${flag}: expected ${what} from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}, got '${text}'`);
  }
  return value;
}

/**
 * `--limit -3` as `--limit=-3`: node's parseArgs refuses a value that starts with a dash
 * ("argument is ambiguous"), so the flag's own range check can say what was wrong instead.
 */
export function joinNegativeValues(argv: readonly string[]): string[] {
  const joined: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    const next = argv[index + 1];
    const flag = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (flag !== undefined && flag in NUMERIC_FLAGS && next !== undefined && /^-[\d.]/.test(next)) {
      joined.push(`${arg}=${next}`);
      index++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

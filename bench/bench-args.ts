/** `--rows 1_000_000` or `1,000,000`: a positive whole number, or the fallback when the flag is absent. */
export function positiveInteger(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text.replaceAll(/[_,]/g, ''));
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${flag}: expected a positive integer, got '${text}'`);
  return value;
}

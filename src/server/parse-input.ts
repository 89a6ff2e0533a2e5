import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import { RUN_STATUSES } from '../storage/run-status.js';

/** Parses query/params with zod; a bad value is a 400 that names the field. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown, where: string): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${[where, ...issue.path].join('.')}: ${issue.message}`);
    throw new ValidationError(problems.join('; '));
  }
  return parsed.data;
}

export const RunStatusSchema = z.enum(RUN_STATUSES);

/**
 * What a sensor's `evaluate` (or a run-status sensor's `handle`) returned, validated at the
 * edge: user code is typed, but JavaScript and `as` casts let anything through, and a request
 * half understood would start the wrong run or none. Unknown keys are refused too (`runkey`
 * would silently lose the run key's once-only guarantee).
 */
import { z } from 'zod';

const TagKey = z.string().min(1).max(100);
const TagValue = z.string().max(1_000);

const RunRequestSchema = z
  .object({
    selection: z.string({ error: 'selection is required: selection syntax such as silver/orders+ or gold/*' }).trim().min(1, 'selection must not be empty'),
    partitionKey: z.string().min(1, 'partitionKey must not be empty').max(200).optional(),
    tags: z.record(TagKey, TagValue, { error: 'tags must map strings to strings' }).optional(),
    runKey: z.string().min(1, 'runKey must not be empty').max(400).optional(),
  })
  .strict();

const ResultSchema = z
  .object({
    runRequests: z.array(RunRequestSchema, { error: 'runRequests must be an array of run requests' }).max(1_000).optional(),
    skipReason: z.string({ error: 'skipReason must be a string' }).max(2_000).optional(),
    cursor: z.string({ error: 'cursor must be a string (store numbers or JSON as text)' }).max(100_000).optional(),
  })
  .strict();

export type ValidRunRequest = z.infer<typeof RunRequestSchema>;
export type ValidSensorResult = z.infer<typeof ResultSchema>;

export type ParsedSensorResult = { readonly ok: true; readonly result: ValidSensorResult } | { readonly ok: false; readonly reason: string };

/** `undefined` (and `null`) mean "nothing to do"; anything else must be a SensorResult. */
export function parseSensorResult(value: unknown): ParsedSensorResult {
  if (value === undefined || value === null) return { ok: true, result: {} };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: `malformed result: expected an object such as { runRequests, skipReason, cursor } or undefined, got ${describeValue(value)}` };
  }
  const parsed = ResultSchema.safeParse(value);
  if (parsed.success) return { ok: true, result: parsed.data };
  const problems = parsed.error.issues.map((issue) => `${issue.path.length === 0 ? 'result' : pathOf(issue.path)}: ${issue.message}`);
  return { ok: false, reason: `malformed result: ${problems.join('; ')}` };
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`)).join('');
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  const text = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : String(value);
  return `${typeof value} ${text}`;
}

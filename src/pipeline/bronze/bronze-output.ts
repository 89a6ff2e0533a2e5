import { z } from 'zod';

/** What a bronze asset hands downstream: where its committed partition lives. */
export const BronzeOutputSchema = z.object({
  prefix: z.string(),
  rows: z.number().int().nonnegative(),
  files: z.number().int().nonnegative(),
});

export type BronzeOutput = z.infer<typeof BronzeOutputSchema>;

import { z } from 'zod';

export const GoldOutputSchema = z.object({
  snapshotAt: z.string(),
  rows: z.number().int().nonnegative(),
});

export type GoldOutput = z.infer<typeof GoldOutputSchema>;

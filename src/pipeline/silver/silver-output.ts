import { z } from 'zod';

/** What a silver asset hands downstream: the snapshot it wrote and how many rows. */
export const SilverOutputSchema = z.object({
  snapshotAt: z.string(),
  rows: z.number().int().nonnegative(),
});

export type SilverOutput = z.infer<typeof SilverOutputSchema>;

import { z } from 'zod';

/** Configuration of the file sink (`--out <dir> --format csv|jsonl`). */
export const fileSinkConfigSchema = z.strictObject({
  type: z.literal('file'),
  dir: z.string().min(1, 'must name a folder'),
  format: z.enum(['csv', 'jsonl']).default('csv'),
  /** Continue an interrupted run from its journal instead of starting over. */
  resume: z.boolean().default(false),
  /** fsync every write (durable against power loss); off trades that for speed. */
  fsync: z.boolean().default(true),
});

export type FileSinkConfig = z.infer<typeof fileSinkConfigSchema>;

import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { DeadLetterFileSink } from '../connectors/file/dead-letter-file-sink.js';
import { postgresSourceConfigSchema } from '../connectors/postgres/source/config.js';
import type { EngineEvents } from '../engine/index.js';
import { createSinks, type SinkTarget } from './create-sinks.js';
import { createMigratePipeline } from './migrate-pipeline.js';

/**
 * A daemon pipeline that reads PostgreSQL (`source: {type: postgres, …}`): the migrate topology — a
 * consistent snapshot of the tables, then their changes — into the sinks, until the daemon stops.
 * Slot and publication default to `cloudpulse_<name>` (lower-cased, other characters as `_`).
 */
export const postgresPipelineSchema = z.strictObject({
  /** Also the pipeline under which a transactional sink stores the positions. */
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
  source: postgresSourceConfigSchema.partial({ slot: true, publication: true }),
  /** `console`, `file`, a postgres:// URL, or a sink config object. */
  sinks: z.array(z.union([z.string().min(1), z.looseObject({ type: z.literal('postgres') }), z.looseObject({ type: z.literal('elasticsearch') }), z.looseObject({ type: z.literal('databricks') })])).min(1),
  /** Folder of the `file` sink. */
  out: z.string().default('./cloudpulse-out'),
  deadLetter: z.strictObject({ file: z.string().min(1) }),
  maxInFlightRecords: z.number().int().positive().default(100_000),
});

export type PostgresPipelineConfig = z.infer<typeof postgresPipelineSchema>;

/** The slot (and publication) name of a pipeline that names none. */
export function defaultSlotName(pipeline: string): string {
  return `cloudpulse_${pipeline.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
}

/**
 * Runs one PostgreSQL pipeline until `signal` aborts (drain: finish batches, write, commit the slot)
 * or, with `snapshotOnly`, until the copy is done. Rejects when the pipeline fails.
 */
export async function runPostgresPipeline(pipeline: PostgresPipelineConfig, logger: Logger, events: EngineEvents, signal: AbortSignal, registry?: Registry): Promise<void> {
  const { runner } = await createMigratePipeline({
    source: { ...pipeline.source, slot: pipeline.source.slot ?? defaultSlotName(pipeline.name), publication: pipeline.source.publication ?? defaultSlotName(pipeline.name) },
    pipeline: pipeline.name,
    sinks: () => createSinks(pipeline.sinks as SinkTarget[], { out: resolve(pipeline.out), format: 'csv', resume: true, pipeline: pipeline.name, storePositions: true }),
    deadLetters: new DeadLetterFileSink(resolve(pipeline.deadLetter.file), { append: true, fsync: true }),
    events,
    logger,
    ...(registry === undefined ? {} : { registry }),
    maxInFlightRecords: pipeline.maxInFlightRecords,
  });
  const stop = (): void => runner.stop();
  signal.addEventListener('abort', stop, { once: true });
  if (signal.aborted) stop();
  try {
    const summary = await runner.run();
    logger.info({ recordsIn: summary.recordsIn, deadLettered: summary.deadLettered, committed: summary.committed.length }, 'pipeline ended');
  } finally {
    signal.removeEventListener('abort', stop);
  }
}

import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { DeadLetterFileSink } from '../connectors/file/dead-letter-file-sink.js';
import { isPostgresUrl } from '../connectors/postgres/create-postgres-sink.js';
import { resolveConnection } from '../connectors/postgres/config.js';
import type { ReplicationStatus, SnapshotProgress } from '../connectors/postgres/source/postgres-source.js';
import { dropSlotAndPublication } from '../connectors/postgres/source/replication-slot.js';
import { sourceClientConfig } from '../connectors/postgres/source/client-config.js';
import { ConfigError, EngineEvents, type PipelineSummary } from '../engine/index.js';
import { createMigratePipeline } from './migrate-pipeline.js';
import { checkMigrateTarget, createMigrateSink } from './migrate-target.js';
import pg from 'pg';
import { pino, type Logger } from 'pino';

/** Everything `cloudpulse migrate` needs, validated. */
export interface MigrateOptions {
  /** `postgres://…` of the source database. */
  readonly from: string;
  /** The target: `postgres://…?schema=s`, `elasticsearch+http://…?prefix=p` or `databricks://…?schema=s`. */
  readonly to: string;
  readonly tables: readonly string[];
  /** Key columns of tables without a primary key. */
  readonly keys?: Readonly<Record<string, readonly string[]>>;
  /** Names the slot, publication and sink pipeline (`cloudpulse_<name>`, `migrate-<name>`). */
  readonly name: string;
  readonly snapshotOnly: boolean;
  readonly out: string;
  readonly events?: EngineEvents;
  readonly signal?: AbortSignal;
  readonly onSnapshotProgress?: (progress: SnapshotProgress) => void;
  readonly onReplicationStatus?: (status: ReplicationStatus) => void;
  readonly logger?: Pick<Logger, 'info' | 'warn'>;
  /** Where the slot gauges are registered (the metrics endpoint's registry). */
  readonly registry?: Registry;
  readonly chunkRows?: number;
  readonly statusIntervalMs?: number;
}

/** Slot and publication names of a migration. */
export function replicationNames(name: string): { slot: string; publication: string; pipeline: string } {
  if (!/^[a-z0-9_]{1,50}$/.test(name)) throw new ConfigError('name', 'lower-case letters, digits and _ only, at most 50 characters (it names the replication slot)');
  return { slot: `cloudpulse_${name}`, publication: `cloudpulse_${name}`, pipeline: `migrate-${name}` };
}

/**
 * Copies the selected tables from the source into the target and then follows their changes until
 * `signal` aborts (or, with `snapshotOnly`, until the copy is done). The target holds the positions:
 * a restart (after a stop, a crash, a SIGKILL) resumes where the target's data ends.
 */
export async function runMigrate(options: MigrateOptions): Promise<PipelineSummary> {
  if (!isPostgresUrl(options.from)) throw new ConfigError('from', 'expected postgres://user@host:port/database');
  checkMigrateTarget(options.to);
  if (options.tables.length === 0) throw new ConfigError('tables', 'name at least one table (--tables a,b or schema.a)');
  const names = replicationNames(options.name);
  const logger = options.logger ?? pino({ level: 'silent' });
  const { runner } = await createMigratePipeline({
    source: {
      type: 'postgres',
      url: options.from,
      tables: [...options.tables],
      keys: Object.fromEntries(Object.entries(options.keys ?? {}).map(([t, k]) => [t, [...k]])),
      slot: names.slot,
      publication: names.publication,
      snapshotOnly: options.snapshotOnly,
      ...(options.chunkRows === undefined ? {} : { chunkRows: options.chunkRows }),
      ...(options.statusIntervalMs === undefined ? {} : { statusIntervalMs: options.statusIntervalMs }),
    },
    pipeline: names.pipeline,
    sinks: () => [createMigrateSink(options.to, names.pipeline, logger)],
    deadLetters: new DeadLetterFileSink(join(options.out, `${names.pipeline}-dead_letter.csv`), { append: true, fsync: true }),
    events: options.events ?? new EngineEvents(),
    logger,
    ...(options.registry === undefined ? {} : { registry: options.registry }),
    ...(options.onSnapshotProgress === undefined ? {} : { onSnapshotProgress: options.onSnapshotProgress }),
    ...(options.onReplicationStatus === undefined ? {} : { onReplicationStatus: options.onReplicationStatus }),
  });
  const stop = (): void => runner.stop();
  if (options.signal?.aborted === true) stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    return await runner.run();
  } finally {
    options.signal?.removeEventListener('abort', stop);
  }
}

/** `--drop-slot`: removes the migration's slot and publication from the source (the migration is over). */
export async function dropMigrationSlot(from: string, name: string): Promise<{ slot: boolean; publication: boolean }> {
  if (!isPostgresUrl(from)) throw new ConfigError('from', 'expected postgres://user@host:port/database');
  const names = replicationNames(name);
  const client = new pg.Client(sourceClientConfig(resolveConnection({ url: from }), 'cloudpulse:migrate', 10_000));
  await client.connect();
  try {
    return await dropSlotAndPublication(client, names.slot, names.publication);
  } finally {
    await client.end();
  }
}

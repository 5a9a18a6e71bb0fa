import { Gauge, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import { PostgresSource, type ReplicationStatus, type SnapshotProgress } from '../connectors/postgres/source/postgres-source.js';
import type { PostgresSourceConfigInput } from '../connectors/postgres/source/config.js';
import { PipelineRunner, type DeadLetterSink, type EngineEvents, type Sink, type TableSpec } from '../engine/index.js';
import { evolvingSink } from './evolving-sink.js';
import { migrateTopology } from './migrate-topology.js';

/** What a migration pipeline is made of; `cloudpulse migrate` and a daemon pipeline with a postgres source alike. */
export interface MigratePipelineOptions {
  /** The source's config (slot and publication included). */
  readonly source: PostgresSourceConfigInput;
  /** Names the topology, hence the pipeline under which a transactional sink stores positions. */
  readonly pipeline: string;
  /** Built from the source's tables (known once the source has read the catalog). */
  readonly sinks: () => Sink[];
  readonly deadLetters: DeadLetterSink;
  readonly events: EngineEvents;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  /** Where the slot gauges are registered (the metrics endpoint's registry). */
  readonly registry?: Registry;
  readonly onSnapshotProgress?: (progress: SnapshotProgress) => void;
  readonly onReplicationStatus?: (status: ReplicationStatus) => void;
  readonly maxInFlightRecords?: number;
}

/**
 * The source (its tables read from the catalog: a missing table, key or `wal_level` fails here, naming
 * it) and a runner of the migrate topology into the sinks; the sinks follow the tables' new columns.
 */
export async function createMigratePipeline(options: MigratePipelineOptions): Promise<{ source: PostgresSource; runner: PipelineRunner }> {
  const gauges = options.registry === undefined ? undefined : slotGauges(options.registry);
  const source = new PostgresSource(options.source, {
    logger: options.logger,
    ...(options.onSnapshotProgress === undefined ? {} : { onSnapshotProgress: options.onSnapshotProgress }),
    onReplicationStatus: (status) => {
      gauges?.retained.set({ slot: status.slot }, status.retainedBytes);
      gauges?.lagBytes.set({ slot: status.slot }, status.lagBytes);
      gauges?.lagSeconds.set({ slot: status.slot }, status.lagSeconds);
      options.onReplicationStatus?.(status);
    },
  });
  const tables = await source.prepare();
  const current = (): TableSpec[] => source.tables.map((t) => t.spec);
  const runner = new PipelineRunner({
    topology: migrateTopology(options.pipeline, tables.map((t) => t.spec)),
    streams: { changes: source },
    sinks: options.sinks().map((sink) => evolvingSink(sink, current, options.logger)),
    deadLetters: options.deadLetters,
    events: options.events,
    maxInFlightRecords: options.maxInFlightRecords ?? inFlightBound(options.source),
  });
  return { source, runner };
}

/**
 * Records in flight before the source pauses: ten snapshot pages. A write carries at most half of them,
 * so the source reads the next pages while the sink writes (bench/migrate-bench.ts, 1M rows: 30,000
 * kept reading and writing taking turns, 7.5–8.5 s; 100,000 with the source yielding during a page,
 * 5.2–6.4 s). A larger bound only grows the heap the garbage collector copies.
 */
function inFlightBound(source: PostgresSourceConfigInput): number {
  return Math.max(30_000, 10 * (source.chunkRows ?? 10_000));
}

/** The slot gauges, registered once per registry (several pipelines share them, one label per slot). */
function slotGauges(registry: Registry): { retained: Gauge<'slot'>; lagBytes: Gauge<'slot'>; lagSeconds: Gauge<'slot'> } {
  const gauge = (name: string, help: string): Gauge<'slot'> =>
    (registry.getSingleMetric(name) as Gauge<'slot'> | undefined) ?? new Gauge({ name, help, labelNames: ['slot'], registers: [registry] });
  return {
    retained: gauge('cloudpulse_replication_slot_retained_wal_bytes', 'WAL the source server keeps for the replication slot (current LSN − restart LSN).'),
    lagBytes: gauge('cloudpulse_replication_lag_bytes', 'Source WAL not yet confirmed by every sink (current LSN − confirmed flush LSN).'),
    lagSeconds: gauge('cloudpulse_replication_lag_seconds', 'Age of the oldest change handed to the sinks and not yet acknowledged by all of them.'),
  };
}

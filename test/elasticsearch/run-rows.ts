import {
  EngineEvents,
  MemoryDeadLetterSink,
  PipelineRunner,
  systemClock,
  type Cell,
  type DeadLetter,
  type EngineEvent,
  type PipelineSummary,
  type RetryPolicy,
  type Sink,
  type TableSpec,
} from '../../engine/index.js';
import { conformanceRecords, inputBatches, passthroughTopology, ResumableSource } from '../conformance/conformance-topology.js';

/** What a run of rows through the runner did. */
export interface RowsRun {
  readonly summary: PipelineSummary;
  readonly deadLetters: readonly DeadLetter[];
  readonly events: readonly EngineEvent[];
  readonly source: ResumableSource;
}

/**
 * Runs `rows` (offsets 1…n of `rows.csv`) through the pipeline runner into `sink`, as one table, in source
 * batches of `batchSize`; the runner retries the sink with `retryPolicy`. Rejects like `runner.run()`.
 */
export async function runRows(
  spec: TableSpec,
  rows: readonly Record<string, Cell>[],
  sink: Sink,
  options: { batchSize?: number; retryPolicy?: RetryPolicy; maxInFlightRecords?: number; onEvent?: (event: EngineEvent) => void; events?: EngineEvent[] } = {},
): Promise<RowsRun> {
  const records = conformanceRecords(spec.name, rows, 1, { source: 'rows.csv' });
  const source = new ResumableSource('rows.csv', inputBatches(records, options.batchSize ?? 100));
  const events = new EngineEvents();
  const seen = options.events ?? [];
  events.on((event) => {
    seen.push(event);
    options.onEvent?.(event);
  });
  const deadLetters = new MemoryDeadLetterSink();
  const runner = new PipelineRunner({
    topology: passthroughTopology(spec, 'es-test'),
    streams: { rows: source },
    sinks: [sink],
    deadLetters,
    events,
    clock: systemClock,
    retryPolicy: options.retryPolicy ?? { maxAttempts: 6, initialDelayMs: 50, maxDelayMs: 500, multiplier: 2, jitter: 0.5 },
    ...(options.maxInFlightRecords === undefined ? {} : { maxInFlightRecords: options.maxInFlightRecords }),
  });
  const summary = await runner.run();
  return { summary, deadLetters: deadLetters.letters, events: seen, source };
}

/** Rows sorted by their key columns, for comparisons. */
export function sortByKey(spec: TableSpec, rows: readonly Record<string, Cell>[]): Record<string, Cell>[] {
  const keyOf = (row: Record<string, Cell>): string => JSON.stringify(spec.key.map((k) => row[k] ?? null));
  return [...rows].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}

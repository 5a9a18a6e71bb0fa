import { defer, map, type OperatorFunction } from 'rxjs';
import { partitionId, type StreamBatch, type StreamRecord } from '../record.js';
import type { TopologyContext } from '../topology.js';
import { PinnedPartitions } from './pinned-partitions.js';

export interface KeyedProcessOptions<T, S, O> {
  /** Operator name, used as the name of its state hold. */
  readonly name: string;
  /** Fresh state for a key seen for the first time. */
  readonly init: (key: string) => S;
  /** Called per record in arrival order per key; may mutate `state`; returns the records to emit. */
  readonly process: (state: S, record: StreamRecord<T>) => readonly StreamRecord<O>[];
}

/**
 * Keyed state that survives across windows (running indicators, year-over-year growth): one state per
 * record key (unkeyed records share the key `''`), kept in a Map for the life of a subscription.
 * Records are processed in arrival order; the records `process` returns are emitted in that order in
 * the same batch. Watermark and `endOfPartitions` pass through.
 *
 * The state is built from every record ever seen, and there are no state snapshots yet, so every
 * partition that fed it is pinned (state hold −∞): the position tracker never commits it, and after a
 * restart the input is re-read from its start to rebuild the state. Idempotent sinks absorb the
 * repeated results.
 */
export function keyedProcess<T, S, O>(ctx: TopologyContext, options: KeyedProcessOptions<T, S, O>): OperatorFunction<StreamBatch<T>, StreamBatch<O>> {
  const { init, process } = options;
  const pinned = new PinnedPartitions();
  ctx.holds.register(options.name, () => pinned.holds());
  return (source) =>
    defer(() => {
      const states = new Map<string, S>();
      return source.pipe(
        map((batch) => {
          const records: StreamRecord<O>[] = [];
          for (const record of batch.records) {
            pinned.add(partitionId(record.position));
            const key = record.key ?? '';
            let state = states.get(key);
            if (state === undefined && !states.has(key)) {
              state = init(key);
              states.set(key, state);
            }
            for (const out of process(state as S, record)) records.push(out);
          }
          return { ...batch, records };
        }),
      );
    });
}

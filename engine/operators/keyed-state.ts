import { defer, map, type OperatorFunction } from 'rxjs';
import type { StreamBatch, StreamRecord } from '../record.js';

export interface KeyedProcessOptions<T, S, O> {
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
 * the same batch. Watermark and `endOfPartitions` pass through. The state is not a state hold: it is
 * derived data, rebuilt from whatever input is re-read after a restart.
 */
export function keyedProcess<T, S, O>(options: KeyedProcessOptions<T, S, O>): OperatorFunction<StreamBatch<T>, StreamBatch<O>> {
  const { init, process } = options;
  return (source) =>
    defer(() => {
      const states = new Map<string, S>();
      return source.pipe(
      map((batch) => {
        const records: StreamRecord<O>[] = [];
        for (const record of batch.records) {
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

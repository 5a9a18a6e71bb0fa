import type { OperatorFunction } from 'rxjs';
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
 * record key, kept in a Map for the life of the operator. Watermarks pass through.
 */
export function keyedProcess<T, S, O>(options: KeyedProcessOptions<T, S, O>): OperatorFunction<StreamBatch<T>, StreamBatch<O>> {
  void options;
  throw new Error('not implemented yet');
}

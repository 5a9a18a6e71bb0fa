import type { OperatorFunction } from 'rxjs';
import type { StreamBatch, StreamRecord } from '../record.js';
import type { TopologyContext } from '../topology.js';

export interface EnrichOptions<T, U, R> {
  readonly name: string;
  /** The table, loaded before the stream starts, by join key. */
  readonly table: ReadonlyMap<string, U>;
  /** The join key of a stream record; undefined counts as a miss. */
  readonly key: (value: T) => string | undefined;
  readonly combine: (value: T, match: U, record: StreamRecord<T>) => R;
  /** Detail for a miss's dead letter (default: `no <name> row for key <k>`). */
  readonly describeMiss?: (value: T, key: string | undefined) => string;
}

/** Stream–table join with left-join semantics: a miss is dead-lettered as `join_miss` and counted. */
export function enrichFromTable<T, U, R>(ctx: TopologyContext, options: EnrichOptions<T, U, R>): OperatorFunction<StreamBatch<T>, StreamBatch<R>> {
  void ctx; void options;
  throw new Error('not implemented yet');
}

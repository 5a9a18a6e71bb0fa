import { map, type OperatorFunction } from 'rxjs';
import type { StreamBatch, StreamRecord } from '../record.js';
import type { TopologyContext } from '../topology.js';

export interface EnrichOptions<T, U, R> {
  readonly name: string;
  /** The table, loaded before the stream starts, by join key. */
  readonly table: ReadonlyMap<string, U>;
  /** The join key of a stream record; undefined counts as a miss. */
  readonly key: (value: T) => string | undefined;
  /** Builds the output value; event time, key, position and op of the stream record are kept. */
  readonly combine: (value: T, match: U, record: StreamRecord<T>) => R;
  /** Detail for a miss's dead letter (default: `no <name> row for key <k>`). */
  readonly describeMiss?: (value: T, key: string | undefined) => string;
}

/**
 * Stream–table join with left-join semantics: a record whose key finds a table row is combined with it;
 * a miss (no key, or no row) is dead-lettered with reason `join_miss` and the record's position (the
 * context counts it). Watermark and `endOfPartitions` pass through.
 */
export function enrichFromTable<T, U, R>(ctx: TopologyContext, options: EnrichOptions<T, U, R>): OperatorFunction<StreamBatch<T>, StreamBatch<R>> {
  const { name, table, key, combine } = options;
  const describeMiss = options.describeMiss ?? ((_value: T, k: string | undefined) => (k === undefined ? `no ${name} key` : `no ${name} row for key ${k}`));
  return map((batch) => {
    const records: StreamRecord<R>[] = [];
    for (const record of batch.records) {
      const k = key(record.value);
      const match = k === undefined ? undefined : table.get(k);
      if (match === undefined) {
        ctx.deadLetter({ position: record.position, reason: 'join_miss', detail: describeMiss(record.value, k) });
        continue;
      }
      records.push({ ...record, value: combine(record.value, match, record) });
    }
    return { ...batch, records };
  });
}

import { map, type OperatorFunction } from 'rxjs';
import type { StreamBatch, StreamRecord } from '../record.js';

/**
 * Applies a per-record function batch-wise. The batch's watermark and ended partitions pass through,
 * so watermark progress is never lost by a stateless stage.
 */
export function mapRecords<A, B>(fn: (record: StreamRecord<A>) => StreamRecord<B>): OperatorFunction<StreamBatch<A>, StreamBatch<B>> {
  return map((batch) => {
    const records = new Array<StreamRecord<B>>(batch.records.length);
    for (let i = 0; i < batch.records.length; i++) records[i] = fn(batch.records[i]!);
    return { ...batch, records };
  });
}

/** Maps only the value, keeping event time, key and position. */
export function mapValues<A, B>(fn: (value: A, record: StreamRecord<A>) => B): OperatorFunction<StreamBatch<A>, StreamBatch<B>> {
  return mapRecords((record) => ({ ...record, value: fn(record.value, record) }));
}

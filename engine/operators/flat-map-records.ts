import { map, type OperatorFunction } from 'rxjs';
import type { StreamBatch, StreamRecord } from '../record.js';

/** Turns each record into zero or more records (e.g. one opportunity into `engaged` and `won` events). */
export function flatMapRecords<A, B>(fn: (record: StreamRecord<A>) => readonly StreamRecord<B>[]): OperatorFunction<StreamBatch<A>, StreamBatch<B>> {
  return map((batch) => {
    const records: StreamRecord<B>[] = [];
    for (const record of batch.records) for (const out of fn(record)) records.push(out);
    return { ...batch, records };
  });
}

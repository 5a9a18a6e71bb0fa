import { map, type OperatorFunction } from 'rxjs';
import { RecordError } from '../errors.js';
import type { StreamBatch, StreamRecord } from '../record.js';
import type { TopologyContext } from '../topology.js';

/**
 * Maps each record with a function that may reject it by throwing a `RecordError` (or returning
 * undefined after dead-lettering it itself). Rejected records go to the dead-letter destination with
 * their position, field and reason; any other exception is a bug and propagates.
 */
export function parseRecords<A, B>(
  ctx: TopologyContext,
  fn: (record: StreamRecord<A>) => StreamRecord<B> | undefined,
): OperatorFunction<StreamBatch<A>, StreamBatch<B>> {
  return map((batch) => {
    const records: StreamRecord<B>[] = [];
    for (const record of batch.records) {
      try {
        const out = fn(record);
        if (out !== undefined) records.push(out);
      } catch (error) {
        if (!(error instanceof RecordError)) throw error;
        ctx.deadLetter({ position: error.position, reason: error.reason, detail: error.detail, ...(error.field === undefined ? {} : { field: error.field }) });
      }
    }
    return { ...batch, records };
  });
}

import { map, type OperatorFunction } from 'rxjs';
import type { StreamBatch, StreamRecord } from '../record.js';
import type { TopologyContext } from '../topology.js';

/**
 * Keeps the records `predicate` accepts. Batches stay (possibly empty) so watermarks still flow;
 * with a context, dropped records are counted as `filtered` (nothing leaves silently).
 */
export function filterRecords<T>(
  predicate: (record: StreamRecord<T>) => boolean,
  counted?: { ctx: TopologyContext; operator: string },
): OperatorFunction<StreamBatch<T>, StreamBatch<T>> {
  return map((batch) => {
    const records = batch.records.filter(predicate);
    const dropped = batch.records.length - records.length;
    if (counted !== undefined && dropped > 0) {
      counted.ctx.events.emit({ type: 'filtered', topology: counted.ctx.topology, operator: counted.operator, count: dropped });
    }
    return { ...batch, records };
  });
}

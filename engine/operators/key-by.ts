import type { OperatorFunction } from 'rxjs';
import type { StreamBatch } from '../record.js';
import { mapRecords } from './map-records.js';

/** Sets each record's key (window state, joins and keyed state are per key). */
export function keyBy<T>(fn: (value: T) => string): OperatorFunction<StreamBatch<T>, StreamBatch<T>> {
  return mapRecords((record) => ({ ...record, key: fn(record.value) }));
}

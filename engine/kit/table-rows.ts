import type { OperatorFunction } from 'rxjs';
import { mapValues } from '../operators/map-records.js';
import type { StreamBatch } from '../record.js';
import type { TableRow, TableSpec } from '../table.js';
import type { WindowResult } from '../windows/aggregator.js';

/**
 * Turns window results whose `result` already is an output row (an aggregator that builds the row itself)
 * into rows of `table`. Event time, key and position pass through, so the row keeps the window's identity.
 */
export function toTableRows(table: TableSpec): OperatorFunction<StreamBatch<WindowResult<TableRow['row']>>, StreamBatch<TableRow>> {
  return mapValues((window) => ({ table: table.name, row: window.result }));
}

import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { BatchCollector } from '../../test/harness/batch-collector.js';
import { RecordFactory } from '../../test/harness/record-factory.js';
import type { StreamBatch } from '../record.js';
import type { TableRow, TableSpec } from '../table.js';
import type { WindowResult } from '../windows/aggregator.js';
import { toTableRows } from './table-rows.js';

const spec: TableSpec = { name: 'sales_monthly', columns: [{ name: 'month', type: 'text' }], key: ['month'] };

describe('toTableRows', () => {
  it('makes each window result a row of the table, keeping event time, key, position and the watermark', () => {
    const input = new Subject<StreamBatch<WindowResult<TableRow['row']>>>();
    const out = new BatchCollector(input.pipe(toTableRows(spec)));
    const rec = new RecordFactory('orders.csv', '');
    const result = rec.record<WindowResult<TableRow['row']>>({ key: 'Beverages', window: { start: 0, end: 10 }, result: { month: '1970-01' }, final: true }, 9, { key: 'Beverages' });
    input.next({ records: [result], watermark: 42 });
    expect(out.batches).toEqual([
      { records: [{ value: { table: 'sales_monthly', row: { month: '1970-01' } }, eventTime: 9, key: 'Beverages', position: result.position }], watermark: 42 },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { OperatorProbe } from '../../test/harness/batch-collector.js';
import { RecordFactory } from '../../test/harness/record-factory.js';
import { createTestContext } from '../../test/harness/test-context.js';
import { enrichFromTable, type EnrichOptions } from './enrich-from-table.js';

interface Deal {
  readonly product: string | null;
  readonly value: number;
}

const products = new Map([
  ['GTX Pro', { series: 'GTX', price: 4821 }],
  ['MG Special', { series: 'MG', price: 55 }],
]);

function setup(options: Partial<EnrichOptions<Deal, { series: string; price: number }, string>> = {}) {
  const test = createTestContext();
  const probe = new OperatorProbe(
    enrichFromTable(test.ctx, {
      name: 'products',
      table: products,
      key: (deal: Deal) => deal.product ?? undefined,
      combine: (deal, product) => `${deal.product}:${product.series}:${deal.value}`,
      ...options,
    }),
  );
  return { test, probe, rec: new RecordFactory('sales_pipeline.csv', '') };
}

describe('enrichFromTable', () => {
  it('combines matches, keeping event time, key and position, and passes the watermark through', () => {
    const { probe, rec, test } = setup();
    const deal = rec.record<Deal>({ product: 'GTX Pro', value: 10 }, 1_000, { key: 'acme' });
    const out = probe.push([deal], 500, ['p']);
    expect(out).toEqual([{ records: [{ ...deal, value: 'GTX Pro:GTX:10' }], watermark: 500, endOfPartitions: ['p'] }]);
    expect(test.deadLetters).toEqual([]);
  });

  it('dead-letters misses as join_miss with their position (left-join semantics, nothing silent)', () => {
    const { probe, rec, test } = setup();
    const records = [
      rec.record<Deal>({ product: 'GTXPro', value: 1 }, 1),
      rec.record<Deal>({ product: 'MG Special', value: 2 }, 2),
      rec.record<Deal>({ product: null, value: 3 }, 3),
    ];
    expect(probe.push(records)[0]!.records.map((r) => r.value)).toEqual(['MG Special:MG:2']);
    expect(test.deadLetters).toEqual([
      { position: { source: 'sales_pipeline.csv', partition: '', offset: 1 }, reason: 'join_miss', detail: 'no products row for key GTXPro' },
      { position: { source: 'sales_pipeline.csv', partition: '', offset: 3 }, reason: 'join_miss', detail: 'no products key' },
    ]);
    expect(test.eventsOf('dead_letter')).toHaveLength(2);
  });

  it('uses describeMiss for the dead letter detail', () => {
    const { probe, rec, test } = setup({ describeMiss: (deal, key) => `product ${JSON.stringify(key)} of deal worth ${deal.value} is unknown` });
    probe.push([rec.record<Deal>({ product: 'X', value: 7 }, 1)]);
    expect(test.deadLetters[0]!.detail).toBe('product "X" of deal worth 7 is unknown');
  });
});

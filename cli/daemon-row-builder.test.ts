import { describe, expect, it } from 'vitest';
import type { InputSpec } from '../engine/index.js';
import { ValueRowBuilder } from '../replay/formats/value-row.js';
import { valueToRowFor } from './daemon-row-builder.js';

const ticks: InputSpec = {
  name: 'ticks',
  kind: 'stream',
  description: 'test',
  defaultFile: 'ticks.csv',
  readOptions: (_file, [header]) => ({
    fields: [
      { name: 'ts', type: 'timestamp', required: true },
      { name: 'symbol', type: 'string', required: true },
      { name: 'price', type: 'number', required: true },
      { name: 'volume', type: header?.includes('lots') ? 'integer' : 'number', required: true },
    ],
    eventTime: 'ts',
    key: 'symbol',
  }),
};

/** What the replay layer's builder makes of the same value: the reference the fast path must match. */
function reference(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, field: undefined, detail: 'expected an object' };
  const header = Object.keys(value).join(',');
  return new ValueRowBuilder(ticks.readOptions('topic', [header])).build(structuredClone(value));
}

const values: unknown[] = [
  { ts: 1_700_000_000_000, symbol: 'NVDA', price: 481.5, volume: 200 },
  { ts: 1_700_000_060_000, symbol: 'AAPL', price: 190, volume: 1 },
  // Conversions: the builder's path, not the in-place one.
  { ts: '2023-11-14T22:13:20Z', symbol: 'NVDA', price: '481.5', volume: 200 },
  { ts: 1_700_000_000_000, symbol: ' ', price: 481.5, volume: 200 },
  { ts: 1_700_000_000_000, symbol: '', price: 481.5, volume: 200 },
  { ts: 1_700_000_000_000, symbol: 'NVDA', price: null, volume: 200 },
  { ts: 1_700_000_000_000, symbol: 'NVDA', price: 'n/a', volume: 200 },
  { ts: 1_700_000_000_000, symbol: 42, price: 481.5, volume: 200 },
  // Undeclared fields: scalars kept, nested values as JSON text.
  { ts: 1_700_000_000_000, symbol: 'NVDA', price: 481.5, volume: 200, venue: 'XNAS', odd: true },
  { ts: 1_700_000_000_000, symbol: 'NVDA', price: 481.5, volume: 200, venue: { mic: 'XNAS' } },
  // Another layout (field order, an integer field), then the first one again.
  { symbol: 'MSFT', ts: 1_700_000_000_000, price: 370.25, volume: 5, lots: 1 },
  { symbol: 'MSFT', ts: 1_700_000_000_000, price: 370.25, volume: 5.5, lots: 1 },
  { ts: 1_700_000_120_000, symbol: 'NVDA', price: 482, volume: 300 },
  // Missing fields and non-objects.
  { ts: 1_700_000_000_000, symbol: 'NVDA', price: 481.5 },
  [1, 2],
  'text',
  null,
];

describe('valueToRowFor', () => {
  it('types every value exactly as the replay layer does, whichever path it takes', () => {
    const toRow = valueToRowFor(ticks, 'topic');
    for (const value of values) {
      const expected = reference(value);
      // A copy: the in-place path may use the value itself as the row.
      expect({ value, result: { ...toRow(structuredClone(value)) } }).toEqual({ value, result: expected });
    }
  });

  it('names the field a value fails on', () => {
    const result = valueToRowFor(ticks, 'topic')({ ts: 1_700_000_000_000, symbol: 'NVDA', price: 'n/a', volume: 1 });
    expect(result).toMatchObject({ ok: false, field: 'price' });
  });
});

import { EMPTY } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { RecordFactory } from '../../test/harness/record-factory.js';
import { ConfigError } from '../errors.js';
import type { Row } from '../input.js';
import type { TopologyInputs } from '../topology.js';
import { indexTable, streamInput, tableInput } from './inputs.js';

const ctx = { topology: 'shop' };
const products = new RecordFactory('products.csv', '');
const inputs: TopologyInputs = {
  streams: { orders: EMPTY },
  tables: { products: [products.record<Row>({ id: 1, name: 'a' }, 0)] },
};

describe('streamInput and tableInput', () => {
  it('return the named input', () => {
    expect(streamInput(inputs, 'orders', ctx)).toBe(EMPTY);
    expect(tableInput(inputs, 'products', ctx)).toBe(inputs.tables['products']);
  });

  it('throw a ConfigError at inputs.<name> naming the topology when the input is missing', () => {
    expect(() => streamInput(inputs, 'payments', ctx)).toThrow(ConfigError);
    expect(() => streamInput(inputs, 'payments', ctx)).toThrow('inputs.payments: shop needs the stream input "payments"');
    expect(() => tableInput(inputs, 'orders', ctx)).toThrow('inputs.orders: shop needs the table input "orders"');
  });
});

describe('indexTable', () => {
  it('keys rows by trimmed text, leaves out rows without a key, and lets a later row replace an earlier one', () => {
    const f = new RecordFactory('categories.csv', '');
    const rows = [
      f.record<Row>({ id: 11, name: 'Beverages' }, 0),
      f.record<Row>({ id: ' 12 ', name: 'Seafood' }, 0),
      f.record<Row>({ id: null, name: 'nobody' }, 0),
      f.record<Row>({ id: '', name: 'blank' }, 0),
      f.record<Row>({ id: '11', name: 'Drinks' }, 0),
    ];
    const index = indexTable(rows, 'id', (row) => String(row['name']));
    expect([...index]).toEqual([
      ['11', 'Drinks'],
      ['12', 'Seafood'],
    ]);
  });
});

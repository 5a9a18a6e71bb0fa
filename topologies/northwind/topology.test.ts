import { describe, expect, it } from 'vitest';
import type { Row, StreamRecord } from '../../engine/index.js';
import { RecordFactory } from '../../test/harness/record-factory.js';
import { TopologyTestDriver } from '../../test/harness/topology-test-driver.js';
import { northwindTopology } from './topology.js';

const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);

function tables(): Record<string, StreamRecord<Row>[]> {
  const products = new RecordFactory('products.csv', 'products.csv');
  const categories = new RecordFactory('categories.csv', 'categories.csv');
  const customers = new RecordFactory('customers.csv', 'customers.csv');
  return {
    products: [
      products.record({ product_id: 1, category_id: 10 }, 0),
      products.record({ product_id: 2, category_id: 10 }, 0),
      products.record({ product_id: 3, category_id: 20 }, 0),
      products.record({ product_id: 4, category_id: null }, 0),
      products.record({ product_id: 5, category_id: 99 }, 0),
    ],
    categories: [categories.record({ category_id: 10, category_name: 'Beverages' }, 0), categories.record({ category_id: 20, category_name: 'Seafood' }, 0)],
    customers: [customers.record({ customer_id: 'ALFKI', country: 'Germany' }, 0), customers.record({ customer_id: 'BOLID', country: 'Spain' }, 0)],
  };
}

const orders = new RecordFactory('orders.csv', 'orders.csv');
const lines = new RecordFactory('order_details.csv', 'order_details.csv');
const order = (id: number, date: string, customer: string | null): StreamRecord<Row> =>
  orders.record({ order_id: id, order_date: day(date), customer_id: customer }, day(date), { key: String(id) });
const line = (orderId: number, productId: number, unitPrice: number, quantity: number, discount: number): StreamRecord<Row> =>
  lines.record({ order_id: orderId, product_id: productId, unit_price: unitPrice, quantity, discount }, 0);

describe('northwind topology', () => {
  it('joins lines to orders either way round, counts distinct orders, lines and units per category and country month', () => {
    const driver = new TopologyTestDriver(northwindTopology, { tables: tables() });
    // Lines of order 1 arrive before their order; lines of order 2 after it.
    driver.feed('order_details', [line(1, 1, 10, 3, 0), line(1, 2, 4, 5, 0.25)]);
    driver.feed('orders', [order(1, '1996-07-31', 'ALFKI'), order(2, '1996-08-01', 'ALFKI'), order(3, '1996-08-15', 'BOLID')]);
    driver.feed('order_details', [line(2, 3, 20, 1, 0.1), line(3, 1, 10, 2, 0), line(2, 1, 10, 1, 0)]);
    driver.complete();

    expect(driver.completed).toBe(true);
    expect(driver.deadLetters).toEqual([]);
    expect(driver.late).toEqual([]);
    const byKey = (rows: Row[]): Record<string, Row> => Object.fromEntries(rows.map((r) => [`${String(r['category'] ?? r['country'])}|${String(r['month'])}`, r]));
    const categories = byKey(driver.tableState('northwind_category_monthly'));
    expect(Object.keys(categories).sort()).toEqual(['Beverages|1996-07', 'Beverages|1996-08', 'Seafood|1996-08']);
    // Order 1: 10×3 + 4×5×0.75 = 45, one order with two lines in one category.
    expect(categories['Beverages|1996-07']).toEqual({ category: 'Beverages', month: '1996-07', revenue: 45, orders: 1, lines: 2, units: 8 });
    expect(categories['Beverages|1996-08']).toEqual({ category: 'Beverages', month: '1996-08', revenue: 30, orders: 2, lines: 2, units: 3 });
    expect(categories['Seafood|1996-08']?.['revenue']).toBeCloseTo(18, 12);
    const countries = byKey(driver.tableState('northwind_country_monthly'));
    expect(countries['Germany|1996-07']).toEqual({ country: 'Germany', month: '1996-07', revenue: 45, orders: 1 });
    // Order 2 has lines in two categories but is one order of its country.
    expect(countries['Germany|1996-08']?.['orders']).toBe(1);
    expect(countries['Germany|1996-08']?.['revenue']).toBeCloseTo(28, 12);
    expect(countries['Spain|1996-08']).toEqual({ country: 'Spain', month: '1996-08', revenue: 20, orders: 1 });
    // Every row is emitted once (windows fire once, no re-emission).
    expect(driver.outputRows('northwind_category_monthly')).toHaveLength(3);
  });

  it('dead-letters a line whose order, product, category or customer is missing, with the line position, and counts it nowhere', () => {
    const driver = new TopologyTestDriver(northwindTopology, { tables: tables() });
    driver.feed('orders', [order(1, '1997-01-10', 'ALFKI'), order(2, '1997-01-11', 'NOONE'), order(3, '1997-01-12', null)]);
    const good = line(1, 1, 10, 1, 0);
    const noOrder = line(9, 1, 10, 1, 0);
    const noProduct = line(1, 42, 10, 1, 0);
    const nullCategory = line(1, 4, 10, 1, 0);
    const noCategory = line(1, 5, 10, 1, 0);
    const noCustomer = line(2, 1, 10, 1, 0);
    const nullCustomer = line(3, 1, 10, 1, 0);
    driver.feed('order_details', [good, noOrder, noProduct, nullCategory, noCategory, noCustomer, nullCustomer]);
    driver.complete();

    const letters = driver.deadLetters.map((l) => [l.position.source, l.position.offset, l.reason, l.detail]);
    expect(letters).toEqual(
      expect.arrayContaining([
        ['order_details.csv', noOrder.position.offset, 'join_miss', 'no order 9'],
        ['order_details.csv', noProduct.position.offset, 'join_miss', 'no product 42'],
        ['order_details.csv', nullCategory.position.offset, 'join_miss', 'product 4 has no category_id'],
        ['order_details.csv', noCategory.position.offset, 'join_miss', 'no category 99'],
        ['order_details.csv', noCustomer.position.offset, 'join_miss', 'no customer NOONE'],
        ['order_details.csv', nullCustomer.position.offset, 'join_miss', 'order 3 has no customer_id'],
      ]),
    );
    expect(letters).toHaveLength(6);
    expect(driver.tableState('northwind_category_monthly')).toEqual([{ category: 'Beverages', month: '1997-01', revenue: 10, orders: 1, lines: 1, units: 1 }]);
    expect(driver.tableState('northwind_country_monthly')).toEqual([{ country: 'Germany', month: '1997-01', revenue: 10, orders: 1 }]);
  });

  it('dead-letters a line whose figures cannot be read as parse_error naming the field', () => {
    const driver = new TopologyTestDriver(northwindTopology, { tables: tables() });
    const bad = lines.record({ order_id: 1, product_id: 1, unit_price: 'abc', quantity: 1, discount: 0 }, 0);
    driver.feed('orders', [order(1, '1997-02-01', 'ALFKI')]).feed('order_details', [bad]).complete();
    expect(driver.deadLetters).toEqual([{ position: bad.position, reason: 'parse_error', detail: 'expected a number, got "abc"', field: 'unit_price' }]);
    expect(driver.tableState('northwind_category_monthly')).toEqual([]);
  });

  it('holds windows open until the lines stream ends, then closes them as orders pass month end plus 7 days', () => {
    const driver = new TopologyTestDriver(northwindTopology, { tables: tables() });
    driver.feed('orders', [order(1, '1996-07-30', 'ALFKI')]);
    // Lines of orders 3 and 4 come before their orders and wait in the join.
    const waitingForOrder3 = line(3, 1, 10, 1, 0);
    driver.feed('order_details', [line(1, 1, 10, 1, 0), waitingForOrder3, line(4, 3, 20, 1, 0)]);
    // Far past July, but the lines stream is still open (a July line may yet come): nothing fires.
    driver.feed('orders', [order(2, '1996-09-01', 'BOLID')]);
    expect(driver.outputRows('northwind_category_monthly')).toEqual([]);
    driver.complete('order_details');
    // The join's output watermark now follows the orders (Sept 1 − 7 days − 1 ms): July closes.
    expect(driver.outputRows('northwind_category_monthly')).toEqual([{ category: 'Beverages', month: '1996-07', revenue: 10, orders: 1, lines: 1, units: 1 }]);
    expect(driver.completed).toBe(false);
    // Order 4 is 4 days behind the newest order: within the bound, on time for August.
    driver.feed('orders', [order(4, '1996-08-28', 'BOLID')]);
    // Order 3 is 32 days behind: its waiting line joins into closed July and is counted late, not dropped.
    driver.feed('orders', [order(3, '1996-07-31', 'ALFKI')]);
    driver.complete();
    expect(driver.completed).toBe(true);
    expect(driver.late.map((l) => [l.operator, l.record.position.offset])).toEqual([
      ['category_monthly', waitingForOrder3.position.offset],
      ['country_monthly', waitingForOrder3.position.offset],
    ]);
    expect(driver.deadLetters).toEqual([]);
    expect(driver.tableState('northwind_category_monthly')).toEqual([
      { category: 'Beverages', month: '1996-07', revenue: 10, orders: 1, lines: 1, units: 1 },
      { category: 'Seafood', month: '1996-08', revenue: 20, orders: 1, lines: 1, units: 1 },
    ]);
  });
});

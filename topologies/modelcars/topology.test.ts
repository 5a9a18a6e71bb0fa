import { describe, expect, it } from 'vitest';
import type { Row, StreamRecord } from '../../engine/index.js';
import { RecordFactory } from '../../test/harness/record-factory.js';
import { TopologyTestDriver } from '../../test/harness/topology-test-driver.js';
import { modelcarsTopology } from './topology.js';

const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);

function tables(): Record<string, StreamRecord<Row>[]> {
  const products = new RecordFactory('products.csv', 'products.csv');
  const customers = new RecordFactory('customers.csv', 'customers.csv');
  return {
    products: [
      products.record({ productCode: 'S10_1678', productLine: 'Motorcycles' }, 0),
      products.record({ productCode: 'S18_1749', productLine: 'Vintage Cars' }, 0),
    ],
    customers: [customers.record({ customerNumber: '103', country: 'France' }, 0), customers.record({ customerNumber: '121', country: ' Norway  ' }, 0)],
  };
}

function driverWithFactories(): {
  driver: TopologyTestDriver;
  order: (n: string, date: string, customer: string, status?: string) => StreamRecord<Row>;
  line: (n: string, product: string, quantity: number, price: number) => StreamRecord<Row>;
  payment: (customer: string, date: string, amount: number) => StreamRecord<Row>;
} {
  const orders = new RecordFactory('orders.csv', 'orders.csv');
  const lines = new RecordFactory('orderdetails.csv', 'orderdetails.csv');
  const payments = new RecordFactory('payments.csv', 'payments.csv');
  return {
    driver: new TopologyTestDriver(modelcarsTopology, { tables: tables() }),
    order: (n, date, customer, status = 'Shipped') =>
      orders.record({ orderNumber: n, orderDate: day(date), status, customerNumber: customer }, day(date), { key: n }),
    line: (n, product, quantity, price) => lines.record({ orderNumber: n, productCode: product, quantityOrdered: quantity, priceEach: price }, 0),
    payment: (customer, date, amount) => payments.record({ customerNumber: customer, paymentDate: day(date), amount }, day(date)),
  };
}

describe('modelcars topology', () => {
  it('aggregates product lines, statuses and payments per month', () => {
    const { driver, order, line, payment } = driverWithFactories();
    driver.feed('orders', [order('10100', '2003-01-06', '103'), order('10101', '2003-01-31', '121', 'Cancelled'), order('10102', '2003-02-01', '103')]);
    driver.feed('orderdetails', [line('10100', 'S18_1749', 30, 136), line('10100', 'S18_1749', 2, 10.5), line('10101', 'S10_1678', 1, 99.99), line('10102', 'S10_1678', 4, 25)]);
    driver.feed('payments', [payment('121', '2004-03-31', 100.25), payment('103', '2003-03-01', 10), payment('121', '2004-03-01', 0.75)]);
    driver.complete();

    expect(driver.completed).toBe(true);
    expect(driver.deadLetters).toEqual([]);
    expect(driver.late).toEqual([]);
    expect(driver.tableState('modelcars_productline_monthly')).toEqual(
      expect.arrayContaining([
        { product_line: 'Vintage Cars', month: '2003-01', revenue: 30 * 136 + 2 * 10.5, orders: 1, units: 32 },
        { product_line: 'Motorcycles', month: '2003-01', revenue: 99.99, orders: 1, units: 1 },
        { product_line: 'Motorcycles', month: '2003-02', revenue: 100, orders: 1, units: 4 },
      ]),
    );
    expect(driver.tableState('modelcars_productline_monthly')).toHaveLength(3);
    expect(driver.tableState('modelcars_status_monthly')).toEqual(
      expect.arrayContaining([
        { status: 'Shipped', month: '2003-01', orders: 1 },
        { status: 'Cancelled', month: '2003-01', orders: 1 },
        { status: 'Shipped', month: '2003-02', orders: 1 },
      ]),
    );
    expect(driver.tableState('modelcars_status_monthly')).toHaveLength(3);
    // The customer's country is trimmed.
    expect(driver.tableState('modelcars_payments_monthly')).toEqual(
      expect.arrayContaining([
        { country: 'Norway', month: '2004-03', amount: 101, payments: 2 },
        { country: 'France', month: '2003-03', amount: 10, payments: 1 },
      ]),
    );
    expect(driver.tableState('modelcars_payments_monthly')).toHaveLength(2);
  });

  it('dead-letters an order whose customer is missing together with its lines, whichever comes first', () => {
    const { driver, order, line } = driverWithFactories();
    const early = line('10200', 'S10_1678', 5, 10);
    driver.feed('orderdetails', [early]);
    const orphan = order('10200', '2003-05-01', '999');
    driver.feed('orders', [order('10201', '2003-05-02', '103'), orphan]);
    const late = line('10200', 'S18_1749', 1, 10);
    driver.feed('orderdetails', [late, line('10201', 'S18_1749', 1, 10)]);
    driver.complete();

    expect(driver.deadLetters.map((l) => [l.position.source, l.position.offset, l.reason, l.detail])).toEqual([
      ['orders.csv', orphan.position.offset, 'join_miss', 'order 10200: no customer 999'],
      ['orderdetails.csv', early.position.offset, 'join_miss', 'order 10200 was dead-lettered: no customer 999'],
      ['orderdetails.csv', late.position.offset, 'join_miss', 'order 10200 was dead-lettered: no customer 999'],
    ]);
    // Not even in the status table.
    expect(driver.tableState('modelcars_status_monthly')).toEqual([{ status: 'Shipped', month: '2003-05', orders: 1 }]);
    expect(driver.tableState('modelcars_productline_monthly')).toEqual([{ product_line: 'Vintage Cars', month: '2003-05', revenue: 10, orders: 1, units: 1 }]);
  });

  it('dead-letters a line whose product or order is missing and a payment whose customer is missing', () => {
    const { driver, order, line, payment } = driverWithFactories();
    driver.feed('orders', [order('10300', '2003-06-01', '103')]);
    const noProduct = line('10300', 'S99_0000', 1, 10);
    const noOrder = line('10399', 'S10_1678', 1, 10);
    const noCustomer = payment('777', '2003-06-03', 50);
    driver.feed('orderdetails', [noProduct, noOrder, line('10300', 'S10_1678', 2, 3)]);
    driver.feed('payments', [noCustomer, payment('103', '2003-06-04', 5)]);
    driver.complete();

    expect(driver.deadLetters.map((l) => [l.position.source, l.position.offset, l.reason, l.detail])).toEqual(
      expect.arrayContaining([
        ['orderdetails.csv', noProduct.position.offset, 'join_miss', 'no product S99_0000'],
        ['orderdetails.csv', noOrder.position.offset, 'join_miss', 'no order 10399'],
        ['payments.csv', noCustomer.position.offset, 'join_miss', 'no customer 777'],
      ]),
    );
    expect(driver.deadLetters).toHaveLength(3);
    expect(driver.tableState('modelcars_productline_monthly')).toEqual([{ product_line: 'Motorcycles', month: '2003-06', revenue: 6, orders: 1, units: 2 }]);
    expect(driver.tableState('modelcars_payments_monthly')).toEqual([{ country: 'France', month: '2003-06', amount: 5, payments: 1 }]);
  });

  it('keeps a payment 840 days older than the newest on time (payments.csv is sorted by customer)', () => {
    const { driver, payment } = driverWithFactories();
    driver.feed('payments', [payment('103', '2005-05-19', 1)]);
    driver.feed('payments', [payment('121', '2003-01-28', 2)]);
    driver.complete();
    expect(driver.late).toEqual([]);
    expect(driver.tableState('modelcars_payments_monthly')).toHaveLength(2);
  });
});

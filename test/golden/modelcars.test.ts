import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelcarsPaymentsMonthly, modelcarsProductlineMonthly, modelcarsStatusMonthly } from '../../topologies/modelcars/outputs.js';
import { modelcarsTopology } from '../../topologies/modelcars/topology.js';
import { expectSameTable, replaySalesGolden, salesDataDir, SalesGoldenDb, type SalesGoldenRun } from './northwind-modelcars-crm-helpers.js';

const data = salesDataDir('model-cars');
// CRLF between records; products.csv has bare LF inside quoted descriptions. Empty = missing.
const csv = (file: string, columns: string): string =>
  `read_csv('${join(data, file)}', header = true, delim = ',', quote = '"', escape = '"', new_line = '\\r\\n', nullstr = '', columns = {${columns}})`;

let run: SalesGoldenRun;
let db: SalesGoldenDb;

beforeAll(async () => {
  run = await replaySalesGolden(modelcarsTopology, data);
  db = await SalesGoldenDb.open();
  await db.run(`CREATE TABLE orders AS SELECT row_number() OVER () + 1 AS line, * FROM ${csv('orders.csv',
    `'orderNumber': 'VARCHAR', 'orderDate': 'DATE', 'requiredDate': 'VARCHAR', 'shippedDate': 'VARCHAR', 'status': 'VARCHAR',
     'comments': 'VARCHAR', 'customerNumber': 'VARCHAR'`)}`);
  await db.run(`CREATE TABLE lines AS SELECT row_number() OVER () + 1 AS line, * FROM ${csv('orderdetails.csv',
    `'orderNumber': 'VARCHAR', 'productCode': 'VARCHAR', 'quantityOrdered': 'BIGINT', 'priceEach': 'DOUBLE', 'orderLineNumber': 'VARCHAR'`)}`);
  await db.run(`CREATE TABLE payments AS SELECT row_number() OVER () + 1 AS line, * FROM ${csv('payments.csv',
    `'customerNumber': 'VARCHAR', 'checkNumber': 'VARCHAR', 'paymentDate': 'DATE', 'amount': 'DOUBLE'`)}`);
  await db.run(`CREATE TABLE products AS SELECT * FROM ${csv('products.csv',
    `'productCode': 'VARCHAR', 'productName': 'VARCHAR', 'productLine': 'VARCHAR', 'productScale': 'VARCHAR', 'productVendor': 'VARCHAR',
     'productDescription': 'VARCHAR', 'quantityInStock': 'VARCHAR', 'warehouseCode': 'VARCHAR', 'buyPrice': 'VARCHAR', 'MSRP': 'VARCHAR'`)}`);
  await db.run(`CREATE TABLE customers AS SELECT * FROM ${csv('customers.csv',
    `'customerNumber': 'VARCHAR', 'customerName': 'VARCHAR', 'contactLastName': 'VARCHAR', 'contactFirstName': 'VARCHAR', 'phone': 'VARCHAR',
     'addressLine1': 'VARCHAR', 'addressLine2': 'VARCHAR', 'city': 'VARCHAR', 'state': 'VARCHAR', 'postalCode': 'VARCHAR', 'country': 'VARCHAR',
     'salesRepEmployeeNumber': 'VARCHAR', 'creditLimit': 'VARCHAR'`)}`);
  // Orders whose customer exists; the others (and all their lines) count nowhere.
  await db.run(`CREATE VIEW valid_orders AS
    SELECT * FROM orders o WHERE EXISTS (SELECT 1 FROM customers c WHERE trim(c.customerNumber) = trim(o.customerNumber))`);
}, 180_000);

afterAll(async () => {
  db?.close();
  await run?.cleanup();
});

describe('modelcars golden (the seed project sample, truncated)', () => {
  it('loaded every input row (a wrong CSV dialect would lose or merge rows)', async () => {
    for (const table of ['orders', 'lines', 'payments', 'products', 'customers']) expect(await db.count(`SELECT count(*) FROM ${table}`), table).toBe(100);
  });

  it('modelcars_productline_monthly equals the SQL aggregation', async () => {
    const expected = await db.textRows(`
      SELECT coalesce(trim(p.productLine), '') AS product_line, strftime(o.orderDate, '%Y-%m') AS month,
             sum(l.quantityOrdered * l.priceEach) AS revenue, count(DISTINCT trim(o.orderNumber)) AS orders, sum(l.quantityOrdered) AS units
      FROM lines l
      JOIN valid_orders o ON trim(o.orderNumber) = trim(l.orderNumber)
      JOIN products p ON trim(p.productCode) = trim(l.productCode)
      GROUP BY ALL`);
    const actual = await db.outputRows(run.dir, modelcarsProductlineMonthly);
    expectSameTable(modelcarsProductlineMonthly, actual, expected);
    expect(actual.length).toBeGreaterThan(0);
    console.log(`modelcars_productline_monthly: ${actual.length} rows`);
  });

  it('modelcars_status_monthly equals the SQL aggregation (orders without a customer excluded)', async () => {
    const expected = await db.textRows(`
      SELECT coalesce(trim(status), '') AS status, strftime(orderDate, '%Y-%m') AS month, count(DISTINCT trim(orderNumber)) AS orders
      FROM valid_orders GROUP BY ALL`);
    const actual = await db.outputRows(run.dir, modelcarsStatusMonthly);
    expectSameTable(modelcarsStatusMonthly, actual, expected);
    expect(actual.length).toBeGreaterThan(0);
    console.log(`modelcars_status_monthly: ${actual.length} rows`);
  });

  it('modelcars_payments_monthly equals the SQL aggregation (country trimmed)', async () => {
    const expected = await db.textRows(`
      SELECT coalesce(trim(c.country), '') AS country, strftime(pay.paymentDate, '%Y-%m') AS month, sum(pay.amount) AS amount, count(*) AS payments
      FROM payments pay JOIN customers c ON trim(c.customerNumber) = trim(pay.customerNumber)
      GROUP BY ALL`);
    const actual = await db.outputRows(run.dir, modelcarsPaymentsMonthly);
    expectSameTable(modelcarsPaymentsMonthly, actual, expected);
    expect(actual.length).toBeGreaterThan(0);
    console.log(`modelcars_payments_monthly: ${actual.length} rows`);
  });

  it('dead-letters exactly the orders, lines and payments the SQL anti-joins find, with their line numbers', async () => {
    // None of the three stream files has a quoted line break: a record's line is its row number + 1.
    const misses = await db.textRows(`
      SELECT 'orders.csv:' || line AS p FROM orders o
        WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE trim(c.customerNumber) = trim(o.customerNumber))
      UNION ALL
      SELECT 'orderdetails.csv:' || l.line FROM lines l
        WHERE NOT EXISTS (SELECT 1 FROM valid_orders o WHERE trim(o.orderNumber) = trim(l.orderNumber))
           OR NOT EXISTS (SELECT 1 FROM products p WHERE trim(p.productCode) = trim(l.productCode))
      UNION ALL
      SELECT 'payments.csv:' || line FROM payments pay
        WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE trim(c.customerNumber) = trim(pay.customerNumber))`);
    const expectedMisses = misses.map((r) => String(r['p'])).sort();
    expect(await db.deadLetterPositions(run.dir, 'join_miss')).toEqual(expectedMisses);

    const parseErrors =
      (await db.count("SELECT count(*) FROM orders WHERE coalesce(trim(orderNumber), '') = '' OR orderDate IS NULL")) +
      (await db.count("SELECT count(*) FROM lines WHERE coalesce(trim(orderNumber), '') = '' OR coalesce(trim(productCode), '') = '' OR quantityOrdered IS NULL OR priceEach IS NULL")) +
      (await db.count("SELECT count(*) FROM payments WHERE coalesce(trim(customerNumber), '') = '' OR paymentDate IS NULL OR amount IS NULL")) +
      (await db.count("SELECT count(*) FROM products WHERE coalesce(trim(productCode), '') = ''")) +
      (await db.count("SELECT count(*) FROM customers WHERE coalesce(trim(customerNumber), '') = ''"));
    const counts = await db.deadLetterCounts(run.dir);
    const byReason = (reason: string): number => Object.entries(counts).filter(([k]) => k.endsWith(` ${reason}`)).reduce((s, [, n]) => s + n, 0);
    expect(byReason('join_miss')).toBe(expectedMisses.length);
    expect(byReason('parse_error')).toBe(parseErrors);
    expect(run.result.deadLetters).toHaveLength(expectedMisses.length + parseErrors);
    expect(run.result.late).toBe(0);
    console.log(`modelcars dead letters: ${JSON.stringify(counts)}`);
  });
});

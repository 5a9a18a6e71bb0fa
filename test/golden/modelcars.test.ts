import { describe, expect, it } from 'vitest';
import { modelcarsPaymentsMonthly, modelcarsProductlineMonthly, modelcarsStatusMonthly } from '../../topologies/modelcars/outputs.js';
import { modelcarsTopology } from '../../topologies/modelcars/topology.js';
import { expectJoinMissesAndParseErrors, expectTableMatchesSql, readCsvSql, realDataDir, replayOnceForFile } from './golden-support.js';

const data = realDataDir('model-cars');
// CRLF between records; products.csv has bare LF inside quoted descriptions. Empty = missing.
const csv = (file: string, columns: string): string => readCsvSql(data, file, columns, "new_line = '\\r\\n'");

const golden = replayOnceForFile(modelcarsTopology, data, async (db) => {
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
});

describe('modelcars golden (the seed project sample, truncated)', () => {
  it('loaded every input row (a wrong CSV dialect would lose or merge rows)', async () => {
    for (const table of ['orders', 'lines', 'payments', 'products', 'customers']) expect(await golden.db.count(`SELECT count(*) FROM ${table}`), table).toBe(100);
  });

  it('modelcars_productline_monthly equals the SQL aggregation', async () => {
    await expectTableMatchesSql(golden, modelcarsProductlineMonthly, `
      SELECT coalesce(trim(p.productLine), '') AS product_line, strftime(o.orderDate, '%Y-%m') AS month,
             sum(l.quantityOrdered * l.priceEach) AS revenue, count(DISTINCT trim(o.orderNumber)) AS orders, sum(l.quantityOrdered) AS units
      FROM lines l
      JOIN valid_orders o ON trim(o.orderNumber) = trim(l.orderNumber)
      JOIN products p ON trim(p.productCode) = trim(l.productCode)
      GROUP BY ALL`);
  });

  it('modelcars_status_monthly equals the SQL aggregation (orders without a customer excluded)', async () => {
    await expectTableMatchesSql(golden, modelcarsStatusMonthly, `
      SELECT coalesce(trim(status), '') AS status, strftime(orderDate, '%Y-%m') AS month, count(DISTINCT trim(orderNumber)) AS orders
      FROM valid_orders GROUP BY ALL`);
  });

  it('modelcars_payments_monthly equals the SQL aggregation (country trimmed)', async () => {
    await expectTableMatchesSql(golden, modelcarsPaymentsMonthly, `
      SELECT coalesce(trim(c.country), '') AS country, strftime(pay.paymentDate, '%Y-%m') AS month, sum(pay.amount) AS amount, count(*) AS payments
      FROM payments pay JOIN customers c ON trim(c.customerNumber) = trim(pay.customerNumber)
      GROUP BY ALL`);
  });

  it('dead-letters exactly the orders, lines and payments the SQL anti-joins find, with their line numbers', async () => {
    const { db, run } = golden;
    const parseErrors = await db.sumOfCounts([
      "SELECT count(*) FROM orders WHERE coalesce(trim(orderNumber), '') = '' OR orderDate IS NULL",
      "SELECT count(*) FROM lines WHERE coalesce(trim(orderNumber), '') = '' OR coalesce(trim(productCode), '') = '' OR quantityOrdered IS NULL OR priceEach IS NULL",
      "SELECT count(*) FROM payments WHERE coalesce(trim(customerNumber), '') = '' OR paymentDate IS NULL OR amount IS NULL",
      "SELECT count(*) FROM products WHERE coalesce(trim(productCode), '') = ''",
      "SELECT count(*) FROM customers WHERE coalesce(trim(customerNumber), '') = ''",
    ]);
    // None of the three stream files has a quoted line break: a record's line is its row number + 1.
    const deadLetters = await expectJoinMissesAndParseErrors(golden, `
      SELECT 'orders.csv:' || line AS p FROM orders o
        WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE trim(c.customerNumber) = trim(o.customerNumber))
      UNION ALL
      SELECT 'orderdetails.csv:' || l.line FROM lines l
        WHERE NOT EXISTS (SELECT 1 FROM valid_orders o WHERE trim(o.orderNumber) = trim(l.orderNumber))
           OR NOT EXISTS (SELECT 1 FROM products p WHERE trim(p.productCode) = trim(l.productCode))
      UNION ALL
      SELECT 'payments.csv:' || line FROM payments pay
        WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE trim(c.customerNumber) = trim(pay.customerNumber))`, parseErrors);
    expect(run.result.late).toBe(0);
    console.log(`modelcars dead letters: ${JSON.stringify(deadLetters.bySourceAndReason)}`);
  });
});

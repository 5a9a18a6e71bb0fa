import { describe, expect, it } from 'vitest';
import { northwindCategoryMonthly, northwindCountryMonthly } from '../../topologies/northwind/outputs.js';
import { northwindTopology } from '../../topologies/northwind/topology.js';
import { expectJoinMissesAndParseErrors, expectTableMatchesSql, readCsvSql, realDataDir, replayOnceForFile } from './golden-support.js';

const data = realDataDir('northwind');

const golden = replayOnceForFile(northwindTopology, data, async (db) => {
  // Every column listed with the type the topology reads it as: a value that does not parse fails the load.
  await db.run(`CREATE TABLE orders AS SELECT row_number() OVER () + 1 AS line, * FROM ${readCsvSql(data, 'orders.csv',
    `'order_id': 'BIGINT', 'customer_id': 'VARCHAR', 'employee_id': 'VARCHAR', 'order_date': 'DATE', 'required_date': 'VARCHAR',
     'shipped_date': 'VARCHAR', 'ship_via': 'VARCHAR', 'freight': 'VARCHAR', 'ship_name': 'VARCHAR', 'ship_address': 'VARCHAR',
     'ship_city': 'VARCHAR', 'ship_region': 'VARCHAR', 'ship_postal_code': 'VARCHAR', 'ship_country': 'VARCHAR'`)}`);
  await db.run(`CREATE TABLE lines AS SELECT row_number() OVER () + 1 AS line, * FROM ${readCsvSql(data, 'order_details.csv',
    `'order_id': 'BIGINT', 'product_id': 'BIGINT', 'unit_price': 'DOUBLE', 'quantity': 'BIGINT', 'discount': 'DOUBLE'`)}`);
  await db.run(`CREATE TABLE products AS SELECT * FROM ${readCsvSql(data, 'products.csv',
    `'product_id': 'BIGINT', 'product_name': 'VARCHAR', 'supplier_id': 'VARCHAR', 'category_id': 'BIGINT', 'quantity_per_unit': 'VARCHAR',
     'unit_price': 'VARCHAR', 'units_in_stock': 'VARCHAR', 'units_on_order': 'VARCHAR', 'reorder_level': 'VARCHAR', 'discontinued': 'VARCHAR'`)}`);
  await db.run(`CREATE TABLE categories AS SELECT * FROM ${readCsvSql(data, 'categories.csv',
    `'category_id': 'BIGINT', 'category_name': 'VARCHAR', 'description': 'VARCHAR', 'picture': 'VARCHAR'`)}`);
  await db.run(`CREATE TABLE customers AS SELECT * FROM ${readCsvSql(data, 'customers.csv',
    `'customer_id': 'VARCHAR', 'company_name': 'VARCHAR', 'contact_name': 'VARCHAR', 'contact_title': 'VARCHAR', 'address': 'VARCHAR',
     'city': 'VARCHAR', 'region': 'VARCHAR', 'postal_code': 'VARCHAR', 'country': 'VARCHAR', 'phone': 'VARCHAR', 'fax': 'VARCHAR'`)}`);
  // A line counts when its order, product, category and customer all exist (inner joins).
  await db.run(`CREATE VIEW sales AS
    SELECT l.order_id, o.order_date, trim(c.category_name) AS category, trim(cu.country) AS country,
           l.unit_price * l.quantity * (1 - l.discount) AS revenue, l.quantity
    FROM lines l
    JOIN orders o ON o.order_id = l.order_id
    JOIN products p ON p.product_id = l.product_id
    JOIN categories c ON c.category_id = p.category_id
    JOIN customers cu ON trim(cu.customer_id) = trim(o.customer_id)`);
});

describe('northwind golden (real Northwind export)', () => {
  it('northwind_category_monthly equals the SQL aggregation', async () => {
    await expectTableMatchesSql(golden, northwindCategoryMonthly, `
      SELECT category, strftime(order_date, '%Y-%m') AS month, sum(revenue) AS revenue,
             count(DISTINCT order_id) AS orders, count(*) AS lines, sum(quantity) AS units
      FROM sales GROUP BY ALL`);
  });

  it('northwind_country_monthly equals the SQL aggregation', async () => {
    await expectTableMatchesSql(golden, northwindCountryMonthly, `
      SELECT country, strftime(order_date, '%Y-%m') AS month, sum(revenue) AS revenue, count(DISTINCT order_id) AS orders
      FROM sales GROUP BY ALL`);
  });

  it('dead-letters exactly the lines the SQL anti-join finds, with their line numbers, and nothing is late', async () => {
    const { db, run } = golden;
    // Rows lacking a required key or figure would be parse errors (a value that does not parse already failed the typed load).
    const parseErrors = await db.sumOfCounts([
      'SELECT count(*) FROM orders WHERE order_id IS NULL OR order_date IS NULL',
      'SELECT count(*) FROM lines WHERE order_id IS NULL OR product_id IS NULL OR unit_price IS NULL OR quantity IS NULL OR discount IS NULL',
      'SELECT count(*) FROM products WHERE product_id IS NULL',
      'SELECT count(*) FROM categories WHERE category_id IS NULL',
      "SELECT count(*) FROM customers WHERE coalesce(trim(customer_id), '') = ''",
    ]);
    // order_details.csv has no quoted line breaks, so a record's line is its row number + 1 (the header).
    const deadLetters = await expectJoinMissesAndParseErrors(golden, `
      SELECT 'order_details.csv:' || l.line AS p FROM lines l
      LEFT JOIN orders o ON o.order_id = l.order_id
      LEFT JOIN products p ON p.product_id = l.product_id
      LEFT JOIN categories c ON c.category_id = p.category_id
      LEFT JOIN customers cu ON trim(cu.customer_id) = trim(o.customer_id)
      WHERE o.order_id IS NULL OR p.product_id IS NULL OR c.category_id IS NULL OR cu.customer_id IS NULL`, parseErrors);
    expect(run.result.late).toBe(0);
    expect(run.result.recordsIn).toBe((await db.count('SELECT count(*) FROM orders')) + (await db.count('SELECT count(*) FROM lines')));
    console.log(`northwind dead letters: ${JSON.stringify(deadLetters.bySourceAndReason)}`);
  });
});

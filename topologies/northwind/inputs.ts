import type { InputSpec } from '../../engine/index.js';

/**
 * The Northwind inputs (a Postgres COPY export: RFC 4180, LF, empty = NULL). Only the fields the
 * tables use are typed; key fields are required so a row without one is a located `parse_error`.
 */
export const northwindInputs: readonly InputSpec[] = [
  {
    name: 'orders',
    kind: 'stream',
    description: 'Orders, one per order_id; event time order_date',
    defaultFile: 'orders.csv',
    readOptions: () => ({
      fields: [
        { name: 'order_id', type: 'integer', required: true },
        { name: 'order_date', type: 'date', required: true },
        { name: 'customer_id', type: 'string' },
      ],
      eventTime: 'order_date',
      key: 'order_id',
    }),
  },
  {
    name: 'order_details',
    kind: 'stream',
    description: 'Order lines (order_id, product_id, unit_price, quantity, discount); event time from their order',
    defaultFile: 'order_details.csv',
    readOptions: () => ({
      fields: [
        { name: 'order_id', type: 'integer', required: true },
        { name: 'product_id', type: 'integer', required: true },
        { name: 'unit_price', type: 'number', required: true },
        { name: 'quantity', type: 'integer', required: true },
        { name: 'discount', type: 'number', required: true },
      ],
      key: 'order_id',
    }),
  },
  {
    name: 'products',
    kind: 'table',
    description: 'Products: product_id → category_id',
    defaultFile: 'products.csv',
    readOptions: () => ({
      fields: [
        { name: 'product_id', type: 'integer', required: true },
        { name: 'category_id', type: 'integer' },
      ],
    }),
  },
  {
    name: 'categories',
    kind: 'table',
    description: 'Categories: category_id → category_name',
    defaultFile: 'categories.csv',
    readOptions: () => ({ fields: [{ name: 'category_id', type: 'integer', required: true }] }),
  },
  {
    name: 'customers',
    kind: 'table',
    description: 'Customers: customer_id → country',
    defaultFile: 'customers.csv',
    readOptions: () => ({ fields: [{ name: 'customer_id', type: 'string', required: true }] }),
  },
];

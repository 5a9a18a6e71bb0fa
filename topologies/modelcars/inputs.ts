import type { InputSpec } from '../../engine/index.js';

/**
 * The Model Cars inputs, exported from the seed project's SQLite file: CRLF, every value text, missing =
 * empty string, values padded with spaces (the source trims them). Ids stay text (`customerNumber`
 * `363`), figures and dates are typed; key fields are required so a row without one is a `parse_error`.
 */
export const modelcarsInputs: readonly InputSpec[] = [
  {
    name: 'orders',
    kind: 'stream',
    description: 'Orders (orderNumber, status, customerNumber); event time orderDate',
    defaultFile: 'orders.csv',
    readOptions: () => ({
      fields: [
        { name: 'orderNumber', type: 'string', required: true },
        { name: 'orderDate', type: 'date', required: true },
      ],
      eventTime: 'orderDate',
      key: 'orderNumber',
    }),
  },
  {
    name: 'orderdetails',
    kind: 'stream',
    description: 'Order lines (orderNumber, productCode, quantityOrdered, priceEach); event time from their order',
    defaultFile: 'orderdetails.csv',
    readOptions: () => ({
      fields: [
        { name: 'orderNumber', type: 'string', required: true },
        { name: 'productCode', type: 'string', required: true },
        { name: 'quantityOrdered', type: 'integer', required: true },
        { name: 'priceEach', type: 'number', required: true },
      ],
      key: 'orderNumber',
    }),
  },
  {
    name: 'payments',
    kind: 'stream',
    description: 'Payments (customerNumber, amount); event time paymentDate',
    defaultFile: 'payments.csv',
    readOptions: () => ({
      fields: [
        { name: 'customerNumber', type: 'string', required: true },
        { name: 'paymentDate', type: 'date', required: true },
        { name: 'amount', type: 'number', required: true },
      ],
      eventTime: 'paymentDate',
    }),
  },
  {
    name: 'products',
    kind: 'table',
    description: 'Products: productCode → productLine',
    defaultFile: 'products.csv',
    readOptions: () => ({ fields: [{ name: 'productCode', type: 'string', required: true }] }),
  },
  {
    name: 'customers',
    kind: 'table',
    description: 'Customers: customerNumber → country',
    defaultFile: 'customers.csv',
    readOptions: () => ({ fields: [{ name: 'customerNumber', type: 'string', required: true }] }),
  },
];

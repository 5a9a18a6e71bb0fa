import type { TableSpec } from '../../engine/index.js';

/** Revenue (Σ quantityOrdered × priceEach), distinct orders and units per product line and month (UTC). */
export const modelcarsProductlineMonthly: TableSpec = {
  name: 'modelcars_productline_monthly',
  description: 'Sales per product line and month of orderDate',
  columns: [
    { name: 'product_line', type: 'text' },
    { name: 'month', type: 'text' },
    { name: 'revenue', type: 'numeric' },
    { name: 'orders', type: 'integer' },
    { name: 'units', type: 'integer' },
  ],
  key: ['product_line', 'month'],
};

/** Orders per status and month of orderDate (orders whose customer is missing are not counted). */
export const modelcarsStatusMonthly: TableSpec = {
  name: 'modelcars_status_monthly',
  description: 'Orders per status and month of orderDate',
  columns: [
    { name: 'status', type: 'text' },
    { name: 'month', type: 'text' },
    { name: 'orders', type: 'integer' },
  ],
  key: ['status', 'month'],
};

/** Payment amount and count per customer country (trimmed) and month of paymentDate. */
export const modelcarsPaymentsMonthly: TableSpec = {
  name: 'modelcars_payments_monthly',
  description: "Payments per customer's country and month of paymentDate",
  columns: [
    { name: 'country', type: 'text' },
    { name: 'month', type: 'text' },
    { name: 'amount', type: 'numeric' },
    { name: 'payments', type: 'integer' },
  ],
  key: ['country', 'month'],
};

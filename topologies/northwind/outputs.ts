import type { TableSpec } from '../../engine/index.js';

/** Revenue, distinct orders, order lines and units per product category and calendar month (UTC). */
export const northwindCategoryMonthly: TableSpec = {
  name: 'northwind_category_monthly',
  description: 'Sales per category (categories.category_name) and month',
  columns: [
    { name: 'category', type: 'text' },
    { name: 'month', type: 'text' },
    { name: 'revenue', type: 'numeric' },
    { name: 'orders', type: 'integer' },
    { name: 'lines', type: 'integer' },
    { name: 'units', type: 'integer' },
  ],
  key: ['category', 'month'],
};

/** Revenue and distinct orders per customer country (customers.country) and calendar month (UTC). */
export const northwindCountryMonthly: TableSpec = {
  name: 'northwind_country_monthly',
  description: "Sales per customer's country and month",
  columns: [
    { name: 'country', type: 'text' },
    { name: 'month', type: 'text' },
    { name: 'revenue', type: 'numeric' },
    { name: 'orders', type: 'integer' },
  ],
  key: ['country', 'month'],
};

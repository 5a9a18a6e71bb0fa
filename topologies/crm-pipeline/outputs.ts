import type { TableSpec } from '../../engine/index.js';

/** Per sales agent and month: deals engaged (engage month), won and lost (close month), won value. */
export const crmAgentMonthly: TableSpec = {
  name: 'crm_agent_monthly',
  description: 'Engaged, won and lost deals and won value per sales agent and month',
  columns: [
    { name: 'sales_agent', type: 'text' },
    { name: 'manager', type: 'text' },
    { name: 'regional_office', type: 'text' },
    { name: 'month', type: 'text' },
    { name: 'engaged', type: 'integer' },
    { name: 'won', type: 'integer' },
    { name: 'lost', type: 'integer' },
    { name: 'won_value', type: 'numeric' },
  ],
  key: ['sales_agent', 'month'],
};

/** Per product (the products table's spelling) and quarter of close_date: won deals and their value. */
export const crmProductQuarterly: TableSpec = {
  name: 'crm_product_quarterly',
  description: 'Won deals, won value and value against list price per product and quarter',
  columns: [
    { name: 'product', type: 'text' },
    { name: 'series', type: 'text' },
    { name: 'quarter', type: 'text' },
    { name: 'won', type: 'integer' },
    { name: 'won_value', type: 'numeric' },
    { name: 'avg_won_value', type: 'numeric' },
    { name: 'list_price_ratio', type: 'numeric' },
  ],
  key: ['product', 'quarter'],
};

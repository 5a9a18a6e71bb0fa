import type { InputSpec } from '../../engine/index.js';

/**
 * The CRM inputs (Maven Analytics sales opportunities). Opportunities carry no single event time: each
 * yields events at its engage and close dates, so the stream declares both as dates and no `eventTime`.
 * Open deals have empty close_date/close_value and prospects no dates at all: not errors.
 * accounts.csv is not read: no output needs it.
 */
export const crmPipelineInputs: readonly InputSpec[] = [
  {
    name: 'sales_pipeline',
    kind: 'stream',
    description: 'Opportunities: engaged at engage_date, won/lost at close_date',
    defaultFile: 'sales_pipeline.csv',
    readOptions: () => ({
      fields: [
        { name: 'sales_agent', type: 'string', required: true },
        { name: 'engage_date', type: 'date' },
        { name: 'close_date', type: 'date' },
        { name: 'close_value', type: 'number' },
      ],
      key: 'opportunity_id',
    }),
  },
  {
    name: 'sales_teams',
    kind: 'table',
    description: 'Sales agents: sales_agent → manager, regional_office',
    defaultFile: 'sales_teams.csv',
    readOptions: () => ({ fields: [{ name: 'sales_agent', type: 'string', required: true }] }),
  },
  {
    name: 'products',
    kind: 'table',
    description: 'Products: product → series, sales_price (matched ignoring spaces and case)',
    defaultFile: 'products.csv',
    readOptions: () => ({
      fields: [
        { name: 'product', type: 'string', required: true },
        { name: 'sales_price', type: 'number' },
      ],
    }),
  },
];

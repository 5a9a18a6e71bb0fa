import {
  assignWatermarks,
  calendar,
  enrichFromTable,
  fanOut,
  filterRecords,
  flatMapRecords,
  indexTable,
  keyBy,
  optionalDate,
  optionalNumber,
  optionalText,
  parseRecords,
  requiredText,
  streamInput,
  tableInput,
  toTableRows,
  windowAggregate,
  type TableRow,
  type Topology,
} from '../../engine/index.js';
import { agentMonthlyAggregator, productQuarterlyAggregator } from './aggregators.js';
import { dealEvents, productMatchKey, type DealEvent, type Opportunity } from './deal-event.js';
import { crmPipelineInputs } from './inputs.js';
import { crmAgentMonthly, crmProductQuarterly } from './outputs.js';

const DAY_MS = 86_400_000;

/**
 * sales_pipeline.csv is ordered by engage_date, so engage events arrive in order, but a close event
 * arrives with its opportunity's row: behind the newest event by up to the longest sales cycle still
 * open (measured on the real file: 138 days). A year of out-of-orderness covers that with room; the
 * state it keeps open is small (agents × months, products × quarters).
 */
const EVENTS_OUT_OF_ORDERNESS_MS = 365 * DAY_MS;

/** Operator name of the `filtered` count of opportunities that yield no event (no engage date, no close). */
export const CRM_NO_EVENT_TIME = 'crm_no_event_time';

type RawOpportunity = Pick<Opportunity, 'salesAgent' | 'dealStage' | 'engageDate' | 'closeDate' | 'closeValue'> & { readonly productName: string | undefined };
type TeamOpportunity = RawOpportunity & Pick<Opportunity, 'manager' | 'regionalOffice'>;

/**
 * CRM sales opportunities as events: each yields `engaged` at engage_date and `won`/`lost` at close_date,
 * counted per agent and month and (won only) per product and quarter. An opportunity with no event (a
 * prospect with neither date) is not an error: it is counted as `filtered` under operator
 * `crm_no_event_time`. An agent missing from sales_teams or a product not in products (compared without
 * spaces and case) dead-letters the opportunity as `join_miss`.
 */
export const crmPipelineTopology: Topology = {
  name: 'crm-pipeline',
  description: 'CRM opportunities: engaged/won/lost per sales agent and month, won deals per product and quarter',
  inputs: crmPipelineInputs,
  outputs: [crmAgentMonthly, crmProductQuarterly],
  options: [],
  graph: [
    { from: 'sales_pipeline', to: 'drop opportunities without event (counted)' },
    { from: 'drop opportunities without event (counted)', to: 'enrich sales team' },
    { from: 'sales_teams', to: 'enrich sales team' },
    { from: 'enrich sales team', to: 'enrich product (ignoring spaces and case)' },
    { from: 'products', to: 'enrich product (ignoring spaces and case)' },
    { from: 'enrich product (ignoring spaces and case)', to: 'engaged/won/lost events' },
    { from: 'engaged/won/lost events', to: 'watermark (365 days out of order)' },
    { from: 'watermark (365 days out of order)', to: 'calendar(month) by agent' },
    { from: 'watermark (365 days out of order)', to: 'won only' },
    { from: 'won only', to: 'calendar(quarter) by product' },
    { from: 'calendar(month) by agent', to: crmAgentMonthly.name },
    { from: 'calendar(quarter) by product', to: crmProductQuarterly.name },
  ],

  build(inputs, ctx) {
    const teams = indexTable(tableInput(inputs, 'sales_teams', ctx), 'sales_agent', (row) => ({
      manager: optionalText(row, 'manager') ?? null,
      regionalOffice: optionalText(row, 'regional_office') ?? null,
    }));
    const products = new Map<string, { product: string; series: string | null; salesPrice: number | null }>();
    for (const record of tableInput(inputs, 'products', ctx)) {
      const product = optionalText(record.value, 'product');
      if (product === undefined) continue;
      const price = record.value['sales_price'];
      products.set(productMatchKey(product), {
        product,
        series: optionalText(record.value, 'series') ?? null,
        salesPrice: typeof price === 'number' ? price : price === null || price === undefined || String(price).trim() === '' ? null : Number(price),
      });
    }

    return streamInput(inputs, 'sales_pipeline', ctx).pipe(
      parseRecords(ctx, (record) => ({
        ...record,
        value: {
          salesAgent: requiredText(record, 'sales_agent'),
          productName: optionalText(record.value, 'product'),
          dealStage: optionalText(record.value, 'deal_stage') ?? '',
          engageDate: optionalDate(record, 'engage_date'),
          closeDate: optionalDate(record, 'close_date'),
          closeValue: optionalNumber(record, 'close_value'),
        } satisfies RawOpportunity,
      })),
      filterRecords((record) => dealEvents(record.value).length > 0, { ctx, operator: CRM_NO_EVENT_TIME }),
      enrichFromTable(ctx, {
        name: 'sales_teams',
        table: teams,
        key: (opportunity: RawOpportunity) => opportunity.salesAgent,
        combine: (opportunity, team): TeamOpportunity => ({ ...opportunity, ...team }),
        describeMiss: (_opportunity, key) => `no sales_teams row for agent ${key ?? '(none)'}`,
      }),
      enrichFromTable(ctx, {
        name: 'products',
        table: products,
        key: (opportunity: TeamOpportunity) => (opportunity.productName === undefined ? undefined : productMatchKey(opportunity.productName)),
        combine: ({ productName: _productName, ...opportunity }, product): Opportunity => ({ ...opportunity, ...product }),
        describeMiss: (opportunity) => (opportunity.productName === undefined ? 'no product' : `no product matching ${opportunity.productName}`),
      }),
      flatMapRecords((record) =>
        dealEvents(record.value).map(({ kind, at }) => ({ ...record, eventTime: at, value: { kind, opportunity: record.value } })),
      ),
      assignWatermarks(ctx, { name: 'events_watermark', maxOutOfOrdernessMs: EVENTS_OUT_OF_ORDERNESS_MS }),
      // Both tables read the same events: one pipeline, two branches.
      fanOut<DealEvent, TableRow>(
        (events) =>
          events.pipe(
            keyBy((event) => event.opportunity.salesAgent),
            windowAggregate(ctx, { name: 'agent_monthly', assigner: calendar('month'), aggregator: agentMonthlyAggregator }),
            toTableRows(crmAgentMonthly),
          ),
        (events) =>
          events.pipe(
            filterRecords((record) => record.value.kind === 'won'),
            keyBy((event) => event.opportunity.product),
            windowAggregate(ctx, { name: 'product_quarterly', assigner: calendar('quarter'), aggregator: productQuarterlyAggregator }),
            toTableRows(crmProductQuarterly),
          ),
      ),
    );
  },
};

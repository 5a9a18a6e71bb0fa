import { monthLabel, quarterLabel, type Aggregator, type TableRow } from '../../engine/index.js';
import type { DealEvent } from './deal-event.js';

type OutputRow = TableRow['row'];

interface AgentMonth {
  manager: string | null;
  regionalOffice: string | null;
  engaged: number;
  won: number;
  lost: number;
  wonValue: number;
}

/** One `crm_agent_monthly` row per (sales agent key, month window); zero counts are written as 0. */
export const agentMonthlyAggregator: Aggregator<DealEvent, AgentMonth, OutputRow> = {
  create: () => ({ manager: null, regionalOffice: null, engaged: 0, won: 0, lost: 0, wonValue: 0 }),
  add(acc, record) {
    const { kind, opportunity } = record.value;
    acc.manager = opportunity.manager;
    acc.regionalOffice = opportunity.regionalOffice;
    if (kind === 'engaged') acc.engaged++;
    else if (kind === 'lost') acc.lost++;
    else {
      acc.won++;
      acc.wonValue += opportunity.closeValue ?? 0;
    }
  },
  result: (acc, key, window) => ({
    sales_agent: key,
    manager: acc.manager,
    regional_office: acc.regionalOffice,
    month: monthLabel(window.start),
    engaged: acc.engaged,
    won: acc.won,
    lost: acc.lost,
    won_value: acc.wonValue,
  }),
};

interface ProductQuarter {
  series: string | null;
  salesPrice: number | null;
  won: number;
  wonValue: number;
}

/** One `crm_product_quarterly` row per (product key, quarter window) of won events. */
export const productQuarterlyAggregator: Aggregator<DealEvent, ProductQuarter, OutputRow> = {
  create: () => ({ series: null, salesPrice: null, won: 0, wonValue: 0 }),
  add(acc, record) {
    const { opportunity } = record.value;
    acc.series = opportunity.series;
    acc.salesPrice = opportunity.salesPrice;
    acc.won++;
    acc.wonValue += opportunity.closeValue ?? 0;
  },
  result: (acc, key, window) => {
    const average = acc.wonValue / acc.won;
    return {
      product: key,
      series: acc.series,
      quarter: quarterLabel(window.start),
      won: acc.won,
      won_value: acc.wonValue,
      avg_won_value: average,
      // No list price (or a zero one) gives no ratio rather than Infinity.
      list_price_ratio: acc.salesPrice === null || acc.salesPrice === 0 ? null : average / acc.salesPrice,
    };
  },
};

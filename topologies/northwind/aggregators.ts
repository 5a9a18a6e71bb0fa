import { monthLabel, type Aggregator, type TableRow } from '../../engine/index.js';
import type { Sale } from './sale.js';

type OutputRow = TableRow['row'];

interface CategoryMonth {
  revenue: number;
  /** Distinct orders need their ids: an order usually has several lines in one category. */
  readonly orders: Set<string>;
  lines: number;
  units: number;
}

/** One `northwind_category_monthly` row per (category key, month window). */
export const categoryMonthlyAggregator: Aggregator<Sale, CategoryMonth, OutputRow> = {
  create: () => ({ revenue: 0, orders: new Set(), lines: 0, units: 0 }),
  add(acc, record) {
    const sale = record.value;
    acc.revenue += sale.revenue;
    acc.orders.add(sale.orderId);
    acc.lines++;
    acc.units += sale.quantity;
  },
  result: (acc, key, window) => ({
    category: key,
    month: monthLabel(window.start),
    revenue: acc.revenue,
    orders: acc.orders.size,
    lines: acc.lines,
    units: acc.units,
  }),
};

interface CountryMonth {
  revenue: number;
  readonly orders: Set<string>;
}

/** One `northwind_country_monthly` row per (country key, month window). */
export const countryMonthlyAggregator: Aggregator<Sale, CountryMonth, OutputRow> = {
  create: () => ({ revenue: 0, orders: new Set() }),
  add(acc, record) {
    acc.revenue += record.value.revenue;
    acc.orders.add(record.value.orderId);
  },
  result: (acc, key, window) => ({ country: key, month: monthLabel(window.start), revenue: acc.revenue, orders: acc.orders.size }),
};

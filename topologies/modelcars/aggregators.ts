import { monthLabel, type Aggregator, type TableRow } from '../../engine/index.js';
import type { CountryPayment, Order, ProductLineSale } from './model.js';

type OutputRow = TableRow['row'];

interface ProductLineMonth {
  revenue: number;
  /** Distinct orders need their ids: an order usually has several lines of one product line. */
  readonly orders: Set<string>;
  units: number;
}

/** One `modelcars_productline_monthly` row per (product line key, month window). */
export const productLineMonthlyAggregator: Aggregator<ProductLineSale, ProductLineMonth, OutputRow> = {
  create: () => ({ revenue: 0, orders: new Set(), units: 0 }),
  add(acc, record) {
    acc.revenue += record.value.revenue;
    acc.orders.add(record.value.orderNumber);
    acc.units += record.value.quantity;
  },
  result: (acc, key, window) => ({ product_line: key, month: monthLabel(window.start), revenue: acc.revenue, orders: acc.orders.size, units: acc.units }),
};

/** One `modelcars_status_monthly` row per (status key, month window); a re-sent order counts once. */
export const statusMonthlyAggregator: Aggregator<Order, Set<string>, OutputRow> = {
  create: () => new Set(),
  add(orders, record) {
    orders.add(record.value.orderNumber);
  },
  result: (orders, key, window) => ({ status: key, month: monthLabel(window.start), orders: orders.size }),
};

interface CountryMonth {
  amount: number;
  payments: number;
}

/** One `modelcars_payments_monthly` row per (country key, month window). */
export const paymentsMonthlyAggregator: Aggregator<CountryPayment, CountryMonth, OutputRow> = {
  create: () => ({ amount: 0, payments: 0 }),
  add(acc, record) {
    acc.amount += record.value.amount;
    acc.payments++;
  },
  result: (acc, key, window) => ({ country: key, month: monthLabel(window.start), amount: acc.amount, payments: acc.payments }),
};

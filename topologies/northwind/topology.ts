import type { Observable } from 'rxjs';
import {
  assignWatermarks,
  calendar,
  enrichFromTable,
  fanOut,
  indexTable,
  joinStreams,
  keyBy,
  optionalText,
  parseRecords,
  requiredNumber,
  requiredText,
  streamInput,
  tableInput,
  toTableRows,
  windowAggregate,
  type StreamBatch,
  type TableRow,
  type Topology,
} from '../../engine/index.js';
import { categoryMonthlyAggregator, countryMonthlyAggregator } from './aggregators.js';
import { northwindInputs } from './inputs.js';
import { northwindCategoryMonthly, northwindCountryMonthly } from './outputs.js';
import type { LineWithCategory, LineWithOrder, LineWithProduct, Order, OrderLine, Sale } from './sale.js';

const DAY_MS = 86_400_000;

/**
 * Orders arrive in order_date order in the Northwind export (measured: no order is older than any
 * before it), so a week of out-of-orderness is ample for the file and tolerates a live feed's small
 * reorderings. Lines need none of their own: the join holds its output watermark until the lines stream
 * ends (`watermark: 'both'` with a lines stream that carries no event time), so no joined line is late
 * however far the lines lag their orders.
 */
const ORDERS_OUT_OF_ORDERNESS_MS = 7 * DAY_MS;

/**
 * Northwind sales by category and by customer country per month. Each order line is joined to its order
 * (event time order_date, customer), then to its product, the product's category and the order's
 * customer; a line whose order, product, category or customer is missing is dead-lettered (`join_miss`,
 * with the line's position) and counted in neither table.
 */
export const northwindTopology: Topology = {
  name: 'northwind',
  description: 'Northwind sales per product category and per customer country, by month',
  inputs: northwindInputs,
  outputs: [northwindCategoryMonthly, northwindCountryMonthly],
  options: [],
  graph: [
    { from: 'orders', to: 'watermark (7 days out of order)' },
    { from: 'watermark (7 days out of order)', to: 'join lines to orders' },
    { from: 'order_details', to: 'join lines to orders' },
    { from: 'join lines to orders', to: 'enrich product' },
    { from: 'products', to: 'enrich product' },
    { from: 'enrich product', to: 'enrich category' },
    { from: 'categories', to: 'enrich category' },
    { from: 'enrich category', to: 'enrich customer' },
    { from: 'customers', to: 'enrich customer' },
    { from: 'enrich customer', to: 'calendar(month) by category' },
    { from: 'enrich customer', to: 'calendar(month) by country' },
    { from: 'calendar(month) by category', to: northwindCategoryMonthly.name },
    { from: 'calendar(month) by country', to: northwindCountryMonthly.name },
  ],

  build(inputs, ctx) {
    const products = indexTable(tableInput(inputs, 'products', ctx), 'product_id', (row) => ({ categoryId: optionalText(row, 'category_id') }));
    const categories = indexTable(tableInput(inputs, 'categories', ctx), 'category_id', (row) => ({ name: optionalText(row, 'category_name') ?? '' }));
    const customers = indexTable(tableInput(inputs, 'customers', ctx), 'customer_id', (row) => ({ country: optionalText(row, 'country') ?? '' }));

    const orders$: Observable<StreamBatch<Order>> = streamInput(inputs, 'orders', ctx).pipe(
      assignWatermarks(ctx, { name: 'orders_watermark', maxOutOfOrdernessMs: ORDERS_OUT_OF_ORDERNESS_MS }),
      parseRecords(ctx, (record) => ({
        ...record,
        value: { orderId: requiredText(record, 'order_id'), customerId: optionalText(record.value, 'customer_id') },
      })),
    );

    const lines$: Observable<StreamBatch<OrderLine>> = streamInput(inputs, 'order_details', ctx).pipe(
      parseRecords(ctx, (record) => {
        const unitPrice = requiredNumber(record, 'unit_price');
        const quantity = requiredNumber(record, 'quantity');
        const discount = requiredNumber(record, 'discount');
        return {
          ...record,
          value: {
            orderId: requiredText(record, 'order_id'),
            productId: requiredText(record, 'product_id'),
            revenue: unitPrice * quantity * (1 - discount),
            quantity,
          },
        };
      }),
    );

    return joinStreams<OrderLine, Order, LineWithOrder>(ctx, {
      name: 'order_lines_join',
      many: lines$,
      one: orders$,
      manyKey: (line) => line.orderId,
      oneKey: (order) => order.orderId,
      watermark: 'both',
      combine: (line, order) => ({ value: { ...line.value, customerId: order.value.customerId }, eventTime: order.eventTime, position: line.position }),
      describeMiss: (_line, key) => `no order ${key ?? '(none)'}`,
    }).pipe(
      enrichFromTable(ctx, {
        name: 'products',
        table: products,
        key: (line: LineWithOrder) => line.productId,
        combine: (line, product): LineWithProduct => ({ ...line, categoryId: product.categoryId }),
        describeMiss: (_line, key) => `no product ${key ?? '(none)'}`,
      }),
      enrichFromTable(ctx, {
        name: 'categories',
        table: categories,
        key: (line: LineWithProduct) => line.categoryId,
        combine: ({ categoryId: _categoryId, ...line }, category): LineWithCategory => ({ ...line, category: category.name }),
        describeMiss: (line, key) => (key === undefined ? `product ${line.productId} has no category_id` : `no category ${key}`),
      }),
      enrichFromTable(ctx, {
        name: 'customers',
        table: customers,
        key: (line: LineWithCategory) => line.customerId,
        combine: (line, customer): Sale => ({ ...line, country: customer.country }),
        describeMiss: (line, key) => (key === undefined ? `order ${line.orderId} has no customer_id` : `no customer ${key}`),
      }),
      // Both tables read the same joined lines: one join, two branches.
      fanOut<Sale, TableRow>(
        (sales) =>
          sales.pipe(
            keyBy((sale) => sale.category),
            windowAggregate(ctx, { name: 'category_monthly', assigner: calendar('month'), aggregator: categoryMonthlyAggregator }),
            toTableRows(northwindCategoryMonthly),
          ),
        (sales) =>
          sales.pipe(
            keyBy((sale) => sale.country),
            windowAggregate(ctx, { name: 'country_monthly', assigner: calendar('month'), aggregator: countryMonthlyAggregator }),
            toTableRows(northwindCountryMonthly),
          ),
      ),
    );
  },
};

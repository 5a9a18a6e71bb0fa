import { share, type Observable } from 'rxjs';
import {
  assignWatermarks,
  calendar,
  enrichFromTable,
  filterRecords,
  indexTable,
  joinStreams,
  keyBy,
  mergeStreams,
  optionalText,
  parseRecords,
  RecordError,
  requiredNumber,
  requiredText,
  streamInput,
  tableInput,
  toTableRows,
  windowAggregate,
  type StreamBatch,
  type Topology,
} from '../../engine/index.js';
import { paymentsMonthlyAggregator, productLineMonthlyAggregator, statusMonthlyAggregator } from './aggregators.js';
import { modelcarsInputs } from './inputs.js';
import type { CountryPayment, LineWithOrder, Order, OrderLine, Payment, ProductLineSale } from './model.js';
import { modelcarsPaymentsMonthly, modelcarsProductlineMonthly, modelcarsStatusMonthly } from './outputs.js';

const DAY_MS = 86_400_000;

/**
 * Orders come in orderNumber order, which follows orderDate closely (measured on the sample: at most
 * 3 days older than an order before it); a week covers that with room. Lines carry no event time: the
 * join holds its output watermark until the lines stream ends (`watermark: 'both'`), so no line is late
 * however far it lags its order.
 */
const ORDERS_OUT_OF_ORDERNESS_MS = 7 * DAY_MS;

/**
 * payments.csv is sorted by customer, not by date: within the file a payment can be 840 days older than
 * one before it (the sample spans 2003-01 to 2005-05). Three years of out-of-orderness keep every
 * payment on time; in a replay the payment windows therefore close at the end of the file (state stays
 * small: countries × months). A live, time-ordered payment feed would want a far smaller bound.
 */
const PAYMENTS_OUT_OF_ORDERNESS_MS = 3 * 366 * DAY_MS;

/**
 * The seed project's Model Cars sales: revenue per product line, orders per status and payments per
 * customer country, per month. The sample is truncated, so joins miss: an order whose customer is
 * missing is dead-lettered (`join_miss`, its own position) together with each of its lines (their
 * positions) and counts in no table; a line whose product is missing and a payment whose customer is
 * missing are dead-lettered too.
 */
export const modelcarsTopology: Topology = {
  name: 'modelcars',
  description: 'Model Cars sales per product line, orders per status and payments per country, by month',
  inputs: modelcarsInputs,
  outputs: [modelcarsProductlineMonthly, modelcarsStatusMonthly, modelcarsPaymentsMonthly],
  options: [],
  graph: [
    { from: 'orders', to: 'watermark (7 days out of order)' },
    { from: 'watermark (7 days out of order)', to: 'check customer' },
    { from: 'customers', to: 'check customer' },
    { from: 'check customer', to: 'calendar(month) by status' },
    { from: 'calendar(month) by status', to: modelcarsStatusMonthly.name },
    { from: 'check customer', to: 'join lines to orders' },
    { from: 'orderdetails', to: 'join lines to orders' },
    { from: 'join lines to orders', to: 'enrich product' },
    { from: 'products', to: 'enrich product' },
    { from: 'enrich product', to: 'calendar(month) by product line' },
    { from: 'calendar(month) by product line', to: modelcarsProductlineMonthly.name },
    { from: 'payments', to: 'watermark (3 years out of order)' },
    { from: 'watermark (3 years out of order)', to: 'enrich customer' },
    { from: 'customers', to: 'enrich customer' },
    { from: 'enrich customer', to: 'calendar(month) by country' },
    { from: 'calendar(month) by country', to: modelcarsPaymentsMonthly.name },
  ],

  build(inputs, ctx) {
    const products = indexTable(tableInput(inputs, 'products', ctx), 'productCode', (row) => ({ productLine: optionalText(row, 'productLine') ?? '' }));
    const customers = indexTable(tableInput(inputs, 'customers', ctx), 'customerNumber', (row) => ({ country: optionalText(row, 'country') ?? '' }));

    // Every order goes on to the join (flagged), so its lines are dead-lettered at once with the reason;
    // only orders with a customer reach the status table.
    const orders$: Observable<StreamBatch<Order>> = streamInput(inputs, 'orders', ctx).pipe(
      assignWatermarks(ctx, { name: 'orders_watermark', maxOutOfOrdernessMs: ORDERS_OUT_OF_ORDERNESS_MS }),
      parseRecords(ctx, (record) => {
        const orderNumber = requiredText(record, 'orderNumber');
        const customerNumber = optionalText(record.value, 'customerNumber');
        const customerFound = customerNumber !== undefined && customers.has(customerNumber);
        if (!customerFound) {
          ctx.deadLetter({
            position: record.position,
            reason: 'join_miss',
            detail: customerNumber === undefined ? `order ${orderNumber} has no customerNumber` : `order ${orderNumber}: no customer ${customerNumber}`,
          });
        }
        return { ...record, value: { orderNumber, status: optionalText(record.value, 'status') ?? '', customerNumber, customerFound } };
      }),
      share(),
    );

    const lines$: Observable<StreamBatch<OrderLine>> = streamInput(inputs, 'orderdetails', ctx).pipe(
      parseRecords(ctx, (record) => {
        const quantity = requiredNumber(record, 'quantityOrdered');
        const price = requiredNumber(record, 'priceEach');
        return {
          ...record,
          value: { orderNumber: requiredText(record, 'orderNumber'), productCode: requiredText(record, 'productCode'), quantity, revenue: quantity * price },
        };
      }),
    );

    const byStatus$ = orders$.pipe(
      filterRecords((record) => record.value.customerFound),
      keyBy((order) => order.status),
      windowAggregate(ctx, { name: 'status_monthly', assigner: calendar('month'), aggregator: statusMonthlyAggregator }),
      toTableRows(modelcarsStatusMonthly),
    );

    const byProductLine$ = joinStreams<OrderLine, Order, LineWithOrder>(ctx, {
      name: 'order_lines_join',
      many: lines$,
      one: orders$,
      manyKey: (line) => line.orderNumber,
      oneKey: (order) => order.orderNumber,
      watermark: 'both',
      combine: (line, order) => ({ value: { ...line.value, order: order.value }, eventTime: order.eventTime, position: line.position }),
      describeMiss: (_line, key) => `no order ${key ?? '(none)'}`,
    }).pipe(
      parseRecords(ctx, (record) => {
        const { order } = record.value;
        if (!order.customerFound) {
          throw new RecordError('join_miss', record.position, `order ${order.orderNumber} was dead-lettered: no customer ${order.customerNumber ?? '(none)'}`);
        }
        return record;
      }),
      enrichFromTable(ctx, {
        name: 'products',
        table: products,
        key: (line: LineWithOrder) => line.productCode,
        combine: ({ order: _order, ...line }, product): ProductLineSale => ({ ...line, productLine: product.productLine }),
        describeMiss: (_line, key) => `no product ${key ?? '(none)'}`,
      }),
      keyBy((sale) => sale.productLine),
      windowAggregate(ctx, { name: 'productline_monthly', assigner: calendar('month'), aggregator: productLineMonthlyAggregator }),
      toTableRows(modelcarsProductlineMonthly),
    );

    const byCountry$ = streamInput(inputs, 'payments', ctx).pipe(
      assignWatermarks(ctx, { name: 'payments_watermark', maxOutOfOrdernessMs: PAYMENTS_OUT_OF_ORDERNESS_MS }),
      parseRecords(ctx, (record) => ({
        ...record,
        value: { customerNumber: requiredText(record, 'customerNumber'), amount: requiredNumber(record, 'amount') },
      })),
      enrichFromTable(ctx, {
        name: 'customers',
        table: customers,
        key: (payment: Payment) => payment.customerNumber,
        combine: (payment, customer): CountryPayment => ({ ...payment, country: customer.country }),
        describeMiss: (_payment, key) => `no customer ${key ?? '(none)'}`,
      }),
      keyBy((payment) => payment.country),
      windowAggregate(ctx, { name: 'payments_monthly', assigner: calendar('month'), aggregator: paymentsMonthlyAggregator }),
      toTableRows(modelcarsPaymentsMonthly),
    );

    return mergeStreams(byProductLine$, byStatus$, byCountry$);
  },
};

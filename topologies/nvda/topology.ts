import { identity } from 'rxjs';
import {
  assignWatermarks,
  keyedProcess,
  parseRecords,
  streamInput,
  windowAggregate,
  type StreamRecord,
  type TableRow,
  type Topology,
  type WindowResult,
} from '../../engine/index.js';
import { barAggregator, type Bar } from './bar-aggregator.js';
import { measureBarSize } from './bar-period.js';
import { barAssigner, validateBarOption } from './bar-size.js';
import { DeferredAssigner } from './deferred-assigner.js';
import { crossSignal, IndicatorCalculator, type IndicatorValues } from './indicators.js';
import { pricesInput, toPricePoint } from './price-input.js';
import { nvdaBarsTable, nvdaIndicatorsTable, nvdaSignalsTable } from './tables.js';

const DEFAULT_SYMBOL = 'NVDA';

/**
 * Bars arrive in time order in every bar file we know (the golden test asserts zero late records on
 * the real files); ticks from a live feed come with small jitter. One minute of out-of-orderness
 * absorbs that jitter while a 1-minute bar still closes within about two minutes of event time.
 */
const MAX_OUT_OF_ORDERNESS_MS = 60_000;

interface SymbolState {
  readonly calculator: IndicatorCalculator;
  previous: IndicatorValues | undefined;
}

function rowsOfBar(state: SymbolState, record: StreamRecord<WindowResult<Bar>>): StreamRecord<TableRow>[] {
  const { key: symbol, window, result: bar } = record.value;
  const values = state.calculator.next(bar.close);
  const signal = crossSignal(state.previous, values);
  state.previous = values;
  const out = (table: string, row: TableRow['row']): StreamRecord<TableRow> => ({
    value: { table, row },
    eventTime: record.eventTime,
    key: symbol,
    position: record.position,
  });
  const rows = [
    out(nvdaBarsTable.name, {
      symbol,
      window_start: window.start,
      window_end: window.end,
      open: bar.open,
      high: bar.high,
      low: bar.low,
      close: bar.close,
      volume: bar.volume,
      vwap: bar.vwap,
      bars: bar.bars,
    }),
    out(nvdaIndicatorsTable.name, {
      symbol,
      window_start: window.start,
      close: bar.close,
      sma_20: values.sma20,
      sma_50: values.sma50,
      sma_200: values.sma200,
      ema_12: values.ema12,
      ema_26: values.ema26,
      macd: values.macd,
      macd_signal: values.macdSignal,
      macd_hist: values.macdHist,
      rsi_14: values.rsi14,
      bb_mid: values.bbMid,
      bb_upper: values.bbUpper,
      bb_lower: values.bbLower,
    }),
  ];
  if (signal !== undefined) {
    rows.push(out(nvdaSignalsTable.name, { symbol, time: window.start, signal, close: bar.close, sma_50: values.sma50, sma_200: values.sma200 }));
  }
  return rows;
}

/**
 * `nvda`: OHLCV bars of a configured size from daily bars, five-minute bars or ticks, then per symbol
 * and in window order the indicators of each closed bar and the sma_50/sma_200 crossings.
 */
export const nvdaTopology: Topology = {
  name: 'nvda',
  description: 'Nvidia OHLCV bars, technical indicators (SMA, EMA, MACD, RSI, Bollinger) and golden/death cross signals',
  inputs: [pricesInput],
  outputs: [nvdaBarsTable, nvdaIndicatorsTable, nvdaSignalsTable],
  options: [
    {
      name: 'bar',
      description:
        'bar size: <n>s, <n>m, <n>h, <n>d, 1w (ISO week) or 1mo (calendar month); default the input\'s own period ' +
        `(smallest gap among its first bars) for bar input, 1m for ticks`,
      validate: validateBarOption,
    },
    {
      name: 'symbol',
      description: 'symbol of bar input, and of ticks without one',
      default: DEFAULT_SYMBOL,
      validate: (value) => (value.trim() === '' ? 'symbol must not be empty' : undefined),
    },
  ],
  graph: [
    { from: 'prices', to: 'parse prices' },
    { from: 'parse prices', to: 'bar size (option or input period)' },
    { from: 'bar size (option or input period)', to: 'watermark (1 min out-of-order)' },
    { from: 'watermark (1 min out-of-order)', to: 'bars: tumbling window per symbol' },
    { from: 'bars: tumbling window per symbol', to: 'indicators per symbol' },
    { from: 'indicators per symbol', to: 'nvda_bars' },
    { from: 'indicators per symbol', to: 'nvda_indicators' },
    { from: 'indicators per symbol', to: 'nvda_signals' },
  ],
  build(inputs, ctx) {
    const symbol = (ctx.options['symbol'] ?? DEFAULT_SYMBOL).trim();
    const bar = ctx.options['bar'];
    const assigner = new DeferredAssigner();
    if (bar !== undefined) assigner.resolve(barAssigner(bar));
    return streamInput(inputs, 'prices', ctx).pipe(
      parseRecords(ctx, (record) => toPricePoint(record, symbol)),
      bar === undefined ? measureBarSize(ctx, { name: 'bar-size', onResolved: (resolved) => assigner.resolve(resolved) }) : identity,
      assignWatermarks(ctx, { name: 'prices-watermark', maxOutOfOrdernessMs: MAX_OUT_OF_ORDERNESS_MS }),
      windowAggregate(ctx, { name: 'bars', assigner, aggregator: barAggregator }),
      keyedProcess<WindowResult<Bar>, SymbolState, TableRow>(ctx, {
        name: 'indicators',
        init: () => ({ calculator: new IndicatorCalculator(), previous: undefined }),
        process: rowsOfBar,
      }),
    );
  },
};

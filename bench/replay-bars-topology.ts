import {
  assignWatermarks,
  mapRecords,
  streamInput,
  tumbling,
  windowAggregate,
  type Aggregator,
  type InputSpec,
  type Row,
  type StreamRecord,
  type TableRow,
  type TableSpec,
  type Topology,
  type WindowResult,
} from '../engine/index.js';
import { nvdaBarsTable } from '../topologies/nvda/tables.js';

/** Ticks `ts,symbol,price,volume`, typed and keyed by the source: a bad row is dead-lettered there. */
export const ticksInput: InputSpec = {
  name: 'ticks',
  kind: 'stream',
  description: 'ticks ts,symbol,price,volume',
  defaultFile: 'ticks.csv',
  readOptions: () => ({
    fields: [
      { name: 'ts', type: 'timestamp', required: true },
      { name: 'symbol', type: 'string', required: true },
      { name: 'price', type: 'number', required: true },
      { name: 'volume', type: 'number', required: true },
    ],
    eventTime: 'ts',
    key: 'symbol',
  }),
};

/** One row per symbol and minute: the nvda topology's `nvda_bars` columns and key. */
export const tickBarsTable: TableSpec = { ...nvdaBarsTable, name: 'tick_bars' };

interface TickBar {
  open: number;
  openTime: number;
  openLine: number;
  close: number;
  closeTime: number;
  closeLine: number;
  high: number;
  low: number;
  volume: number;
  priceVolume: number;
  count: number;
}

/** OHLCV + VWAP of ticks; open/close are the first/last by event time, ties by line (so arrival order does not matter). */
export const tickBarAggregator: Aggregator<Row, TickBar, TickBar> = {
  create: () => ({
    open: 0,
    openTime: Number.POSITIVE_INFINITY,
    openLine: Number.POSITIVE_INFINITY,
    close: 0,
    closeTime: Number.NEGATIVE_INFINITY,
    closeLine: Number.NEGATIVE_INFINITY,
    high: Number.NEGATIVE_INFINITY,
    low: Number.POSITIVE_INFINITY,
    volume: 0,
    priceVolume: 0,
    count: 0,
  }),
  add(bar, record) {
    // The source declared both required numbers: a row reaching here holds numbers.
    const price = record.value['price'] as number;
    const volume = record.value['volume'] as number;
    const time = record.eventTime;
    const line = record.position.offset;
    if (time < bar.openTime || (time === bar.openTime && line < bar.openLine)) {
      bar.open = price;
      bar.openTime = time;
      bar.openLine = line;
    }
    if (time > bar.closeTime || (time === bar.closeTime && line > bar.closeLine)) {
      bar.close = price;
      bar.closeTime = time;
      bar.closeLine = line;
    }
    if (price > bar.high) bar.high = price;
    if (price < bar.low) bar.low = price;
    bar.volume += volume;
    bar.priceVolume += price * volume;
    bar.count++;
  },
  // A copy: a window re-emitted after a late record must not change a result already handed on.
  result: (bar) => ({ ...bar }),
};

function barRow(record: StreamRecord<WindowResult<TickBar>>): StreamRecord<TableRow> {
  const { key: symbol, window, result: bar } = record.value;
  return {
    value: {
      table: tickBarsTable.name,
      row: {
        symbol,
        window_start: window.start,
        window_end: window.end,
        open: bar.open,
        high: bar.high,
        low: bar.low,
        close: bar.close,
        volume: bar.volume,
        vwap: bar.volume === 0 ? null : bar.priceVolume / bar.volume,
        bars: bar.count,
      },
    },
    eventTime: record.eventTime,
    key: symbol,
    position: record.position,
  };
}

/**
 * What the baselines compute, as a topology: ticks keyed by symbol at the source, a watermark 1 minute
 * behind (as in the nvda topology), tumbling 1-minute windows per symbol, one `tick_bars` row per window.
 */
export const barsOnlyTopology: Topology = {
  name: 'tick-bars',
  description: '1-minute OHLCV + VWAP bars per symbol from ticks',
  inputs: [ticksInput],
  outputs: [tickBarsTable],
  options: [],
  graph: [
    { from: 'ticks', to: 'watermark (1 min out-of-order)' },
    { from: 'watermark (1 min out-of-order)', to: 'bars: tumbling 1-minute window per symbol' },
    { from: 'bars: tumbling 1-minute window per symbol', to: 'tick_bars' },
  ],
  build(inputs, ctx) {
    return streamInput(inputs, 'ticks', ctx).pipe(
      assignWatermarks(ctx, { name: 'ticks-watermark', maxOutOfOrdernessMs: 60_000 }),
      windowAggregate(ctx, { name: 'bars', assigner: tumbling(60_000), aggregator: tickBarAggregator }),
      mapRecords(barRow),
    );
  },
};

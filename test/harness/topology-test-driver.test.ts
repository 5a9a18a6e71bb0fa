import { describe, expect, it } from 'vitest';
import {
  assignWatermarks,
  enrichFromTable,
  keyBy,
  mapRecords,
  tumbling,
  windowAggregate,
  type Aggregator,
  type Row,
  type StreamRecord,
  type TableRow,
  type Topology,
} from '../../engine/index.js';
import { duckdbRows, valuesTable } from './duckdb-query.js';
import { RecordFactory } from './record-factory.js';
import { TopologyTestDriver } from './topology-test-driver.js';

const MIN = 60_000;

interface Bar {
  openTime: number;
  open: number;
  closeTime: number;
  close: number;
  high: number;
  low: number;
  volume: number;
  trades: number;
}

const ohlcv: Aggregator<Row, Bar, Bar> = {
  create: () => ({ openTime: Infinity, open: 0, closeTime: -Infinity, close: 0, high: -Infinity, low: Infinity, volume: 0, trades: 0 }),
  add(bar, record) {
    const price = Number(record.value.price);
    if (record.eventTime < bar.openTime) {
      bar.openTime = record.eventTime;
      bar.open = price;
    }
    if (record.eventTime > bar.closeTime) {
      bar.closeTime = record.eventTime;
      bar.close = price;
    }
    if (price > bar.high) bar.high = price;
    if (price < bar.low) bar.low = price;
    bar.volume += Number(record.value.size);
    bar.trades++;
  },
  result: (bar) => ({ ...bar }),
};

/** Minute bars per symbol, enriched with the symbol's sector from a table. */
const minuteBars: Topology = {
  name: 'minute-bars',
  description: 'OHLCV per symbol and minute',
  inputs: [
    { name: 'trades', kind: 'stream', description: 'trades', defaultFile: 'trades.csv', readOptions: () => ({}) },
    { name: 'symbols', kind: 'table', description: 'symbol → sector', defaultFile: 'symbols.csv', readOptions: () => ({}) },
  ],
  outputs: [
    {
      name: 'bars',
      columns: [
        { name: 'symbol', type: 'text' },
        { name: 'sector', type: 'text' },
        { name: 'minute', type: 'timestamptz' },
        { name: 'open', type: 'numeric' },
        { name: 'high', type: 'numeric' },
        { name: 'low', type: 'numeric' },
        { name: 'close', type: 'numeric' },
        { name: 'volume', type: 'numeric' },
        { name: 'trades', type: 'integer' },
      ],
      key: ['symbol', 'minute'],
    },
  ],
  options: [
    { name: 'lag', description: 'out-of-orderness in ms', default: '1000', validate: (v) => (/^\d+$/.test(v) ? undefined : 'must be a whole number of ms') },
    { name: 'lateness', description: 'allowed lateness in ms', default: '0' },
    { name: 'idle', description: 'idle timeout in ms' },
  ],
  graph: [{ from: 'trades', to: 'bars' }],
  build(inputs, ctx) {
    const sectors = new Map(inputs.tables.symbols!.map((r) => [String(r.value.symbol), String(r.value.sector)]));
    return inputs.streams.trades!.pipe(
      assignWatermarks(ctx, {
        name: 'trades-watermark',
        maxOutOfOrdernessMs: Number(ctx.options.lag),
        ...(ctx.options.idle === undefined ? {} : { idleTimeoutMs: Number(ctx.options.idle) }),
      }),
      keyBy((row) => String(row.symbol)),
      windowAggregate(ctx, { name: 'bars', assigner: tumbling(MIN), aggregator: ohlcv, allowedLatenessMs: Number(ctx.options.lateness) }),
      enrichFromTable(ctx, {
        name: 'symbols',
        table: sectors,
        key: (r) => r.key,
        combine: (r, sector): TableRow => ({
          table: 'bars',
          row: { symbol: r.key, sector, minute: r.window.start, open: r.result.open, high: r.result.high, low: r.result.low, close: r.result.close, volume: r.result.volume, trades: r.result.trades },
        }),
      }),
      mapRecords((r: StreamRecord<TableRow>) => r),
    );
  },
};

const symbols = new RecordFactory('symbols.csv', '').records<Row>([
  [{ symbol: 'NVDA', sector: 'chips' }, 0],
  [{ symbol: 'AMD', sector: 'chips' }, 0],
  [{ symbol: 'XOM', sector: 'energy' }, 0],
  [{ symbol: 'JPM', sector: 'banks' }, 0],
]);

describe('TopologyTestDriver', () => {
  it('applies option defaults and validators, and names the offending option', () => {
    expect(() => new TopologyTestDriver(minuteBars, { options: { lag: 'soon' }, tables: { symbols } })).toThrow(/options\.lag: must be a whole number/);
    expect(() => new TopologyTestDriver(minuteBars, { options: { speed: '2' }, tables: { symbols } })).toThrow(/options\.speed: unknown option/);
    expect(() => new TopologyTestDriver(minuteBars)).toThrow(/table input symbols/);
    const driver = new TopologyTestDriver(minuteBars, { tables: { symbols } });
    expect(driver.context.ctx.options).toEqual({ lag: '1000', lateness: '0' });
    expect(() => driver.feed('quotes', [])).toThrow(/no stream input quotes/);
  });

  it('feeds batches, fires windows with the watermark and on completion, and collects dead letters and late records', () => {
    const trades = new RecordFactory('trades.csv', '');
    const t = (symbol: string, price: number, eventTime: number): StreamRecord<Row> => trades.record({ symbol, price, size: 10 }, eventTime);
    const driver = new TopologyTestDriver(minuteBars, { options: { lag: '0' }, tables: { symbols } });
    driver.feed('trades', [t('NVDA', 100, 1_000), t('NVDA', 105, 2_000), t('TSLA', 1, 3_000), t('NVDA', 99, MIN + 1)]);
    expect(driver.outputRows('bars')).toEqual([
      { symbol: 'NVDA', sector: 'chips', minute: 0, open: 100, high: 105, low: 100, close: 105, volume: 20, trades: 2 },
    ]);
    // TSLA's bar has no sector row: dead-lettered with the position of its last trade.
    expect(driver.deadLetters).toEqual([{ position: { source: 'trades.csv', partition: '', offset: 3 }, reason: 'join_miss', detail: 'no symbols row for key TSLA' }]);
    driver.feed('trades', [t('NVDA', 1, 500)]);
    expect(driver.late.map((l) => [l.operator, l.record.position.offset])).toEqual([['bars', 5]]);
    driver.complete();
    expect(driver.completed).toBe(true);
    expect(driver.outputRows('bars').map((r) => r.minute)).toEqual([0, MIN]);
    expect(driver.lowestHeld()).toEqual(new Map());
    expect(() => driver.feed('trades', [])).toThrow(/already completed/);
  });

  it('keeps what an idempotent sink would hold: re-emitted rows replace earlier ones', () => {
    const trades = new RecordFactory('trades.csv', '');
    const t = (price: number, eventTime: number): StreamRecord<Row> => trades.record({ symbol: 'AMD', price, size: 1 }, eventTime);
    const driver = new TopologyTestDriver(minuteBars, { options: { lag: '0', lateness: String(MIN) }, tables: { symbols } });
    driver.feed('trades', [t(10, 0), t(20, MIN + 5)]);
    driver.feed('trades', [t(30, 30_000)]); // late but within the allowed lateness: the bar is re-emitted
    expect(driver.outputRows('bars').map((r) => [r.minute, r.trades])).toEqual([
      [0, 1],
      [0, 2],
    ]);
    driver.complete();
    expect(driver.tableState('bars').map((r) => [r.minute, r.trades, r.high])).toEqual([
      [0, 2, 30],
      [MIN, 1, 20],
    ]);
  });

  it('advances virtual time so idle partitions release the watermark', () => {
    const trades = new RecordFactory('topic', '0');
    const driver = new TopologyTestDriver(minuteBars, { options: { lag: '0', idle: '5000' }, tables: { symbols } });
    driver.feed('trades', [trades.record({ symbol: 'XOM', price: 1, size: 1 }, 10, { partition: 'quiet' }), trades.record({ symbol: 'JPM', price: 2, size: 1 }, 2 * MIN, { partition: 'busy' })]);
    expect(driver.outputRows('bars')).toEqual([]);
    driver.advanceClock(3_000);
    driver.feed('trades', [trades.record({ symbol: 'JPM', price: 3, size: 1 }, 2 * MIN + 1, { partition: 'busy' })]);
    driver.advanceClock(1_999);
    expect(driver.outputRows('bars')).toEqual([]);
    // 'quiet' sent nothing for 5 s: it stops holding the watermark back, which jumps to 'busy''s.
    driver.advanceClock(1);
    expect(driver.outputRows('bars').map((r) => r.symbol)).toEqual(['XOM']);
    expect(driver.completed).toBe(false);
  });

  it('matches OHLCV bars computed by DuckDB over out-of-order trades from several partitions, before and after 1970', async () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const names = ['NVDA', 'AMD', 'XOM', 'JPM'];
    const lag = 20_000;
    const trades = new RecordFactory('ticks', '0');
    // Distinct event times from 30 minutes before the epoch on, each partition's stream shuffled
    // within less than the out-of-orderness, so no trade is late.
    const records: StreamRecord<Row>[][] = [[], [], []];
    const rows: (number | string)[][] = [];
    for (let i = 0; i < 3_000; i++) {
      const eventTime = -30 * MIN + i * 1_000 + (i % 7);
      const symbol = names[Math.floor(random() * names.length)]!;
      const price = Math.round(100 + random() * 50);
      const size = 1 + Math.floor(random() * 100);
      const partition = Math.floor(random() * 3);
      records[partition]!.push(trades.record({ symbol, price, size }, eventTime, { partition: String(partition) }));
      rows.push([symbol, eventTime, price, size]);
    }
    for (const list of records) {
      for (let i = 0; i < list.length - 1; i++) {
        if (random() < 0.3 && Math.abs(list[i + 1]!.eventTime - list[i]!.eventTime) < lag / 2) [list[i], list[i + 1]] = [list[i + 1]!, list[i]!];
      }
    }
    const driver = new TopologyTestDriver(minuteBars, { options: { lag: String(lag) }, tables: { symbols } });
    // A partition holds the watermark back from its first record on: every partition sends one first.
    const cursors = [1, 1, 1];
    driver.feed('trades', [records[0]![0]!, records[1]![0]!, records[2]![0]!]);
    while (cursors.some((c, p) => c < records[p]!.length)) {
      const p = Math.floor(random() * 3);
      const size = 1 + Math.floor(random() * 60);
      const batch = records[p]!.slice(cursors[p], cursors[p]! + size);
      cursors[p]! += batch.length;
      if (batch.length > 0) driver.feed('trades', batch);
    }
    driver.complete();
    expect(driver.late).toEqual([]);
    expect(driver.deadLetters).toEqual([]);

    const expected = await duckdbRows(`
      SELECT symbol, (floor(t / 60000) * 60000)::BIGINT AS minute,
             arg_min(price, t) AS open, max(price) AS high, min(price) AS low, arg_max(price, t) AS close,
             sum(size)::BIGINT AS volume, count(*)::BIGINT AS trades
      FROM ${valuesTable('ticks', ['symbol', 't', 'price', 'size'], rows)}
      GROUP BY ALL ORDER BY minute, symbol`);
    const actual = driver.outputRows('bars').map((r) => ({
      symbol: r.symbol, minute: String(r.minute), open: String(r.open), high: String(r.high), low: String(r.low), close: String(r.close), volume: String(r.volume), trades: String(r.trades),
    }));
    expect(actual.length).toBeGreaterThan(100);
    expect(actual).toEqual(expected);
  });
});

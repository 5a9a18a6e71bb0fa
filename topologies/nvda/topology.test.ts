import { describe, expect, it } from 'vitest';
import type { Row } from '../../engine/index.js';
import { RecordFactory } from '../../test/harness/record-factory.js';
import { TopologyTestDriver } from '../../test/harness/topology-test-driver.js';
import { detectPriceLayout, priceReadOptions } from './price-input.js';
import { nvdaTopology } from './topology.js';

const DAY = 86_400_000;
const MIN = 60_000;
const t = (iso: string): number => Date.parse(iso);

function dailyBar(f: RecordFactory, date: string, open: number, high: number, low: number, close: number, volume: number) {
  return f.record<Row>({ Date: t(date), Open: open, High: high, Low: low, Close: close, 'Adj Close': String(close), Volume: volume }, t(date));
}

function tick(f: RecordFactory, iso: string, price: number | null, volume: number, symbol: string | null = 'NVDA') {
  return f.record<Row>({ ts: t(iso), symbol, price, volume }, t(iso));
}

describe('nvda input layouts', () => {
  it('recognises the three layouts from the first lines', () => {
    expect(detectPriceLayout('NVDA.csv', ['\uFEFFDate,Open,High,Low,Close,Adj Close,Volume', '1999-01-22,1,1,1,1,1,1']).layout).toBe('yahoo-daily');
    expect(detectPriceLayout('NVDA_5min.csv', ['Price,Close,High,Low,Open,Volume', 'Ticker,NVDA,NVDA,NVDA,NVDA,NVDA', 'Datetime,,,,,']).layout).toBe('yfinance-multi-header');
    expect(detectPriceLayout('t.csv', ['ts,symbol,price,volume']).layout).toBe('ticks');
    expect(() => detectPriceLayout('x.csv', ['a,b,c'])).toThrow(/x\.csv: unrecognised layout/);
  });

  it('reads the five-minute export with its header on line 1, lines 2 and 3 skipped, time in column Price', () => {
    const options = priceReadOptions('NVDA_5min.csv', ['Price,Close,High,Low,Open,Volume', 'Ticker,NVDA,NVDA,NVDA,NVDA,NVDA', 'Datetime,,,,,']);
    expect(options.headerLine).toBe(1);
    expect(options.skipLines).toEqual([2, 3]);
    expect(options.eventTime).toBe('Price');
    expect(options.fields?.find((f) => f.name === 'Price')?.type).toBe('timestamp');
  });
});

describe('nvda topology', () => {
  it('defaults to the input period for daily bars: one bar per day, window_end exclusive, vwap from the typical price', () => {
    const f = new RecordFactory('NVDA.csv');
    const driver = new TopologyTestDriver(nvdaTopology);
    // Friday, then Monday: the smallest gap (1 day) is the period even though the first gap is 3 days.
    driver.feed('prices', [dailyBar(f, '2024-01-05', 10, 12, 9, 11, 100), dailyBar(f, '2024-01-08', 11, 13, 10, 12, 0), dailyBar(f, '2024-01-09', 12, 12, 12, 12, 50)]);
    expect(driver.records).toHaveLength(0); // still measuring the period (fewer than 16 bars)
    driver.complete();
    const bars = driver.tableState('nvda_bars');
    expect(bars.map((b) => [b['window_start'], b['window_end']])).toEqual([
      [t('2024-01-05'), t('2024-01-05') + DAY],
      [t('2024-01-08'), t('2024-01-08') + DAY],
      [t('2024-01-09'), t('2024-01-09') + DAY],
    ]);
    expect(bars[0]).toMatchObject({ symbol: 'NVDA', open: 10, high: 12, low: 9, close: 11, volume: 100, bars: 1 });
    expect(bars[0]!['vwap']).toBeCloseTo((12 + 9 + 11) / 3, 12);
    expect(bars[1]!['vwap']).toBeNull(); // Σ volume = 0
    expect(driver.tableState('nvda_indicators')).toHaveLength(3);
    expect(driver.tableState('nvda_indicators')[0]).toMatchObject({ close: 11, sma_20: null, rsi_14: null, macd: null });
    expect(driver.late).toHaveLength(0);
  });

  it('defaults to five-minute bars for the five-minute export (epoch-aligned), time taken from its Price column', () => {
    const f = new RecordFactory('NVDA_5min.csv');
    const driver = new TopologyTestDriver(nvdaTopology);
    const at = (iso: string, close: number) => f.record<Row>({ Price: t(iso), Close: close, High: close + 1, Low: close - 1, Open: close, Volume: 10 }, t(iso));
    driver.feed('prices', [at('2025-06-11T13:30:00Z', 1), at('2025-06-11T13:35:00Z', 2), at('2025-06-11T19:55:00Z', 3), at('2025-06-12T13:30:00Z', 4)]);
    driver.complete();
    const bars = driver.tableState('nvda_bars');
    expect(bars.map((b) => [b['window_start'], b['window_end'], b['close']])).toEqual([
      [t('2025-06-11T13:30:00Z'), t('2025-06-11T13:30:00Z') + 5 * MIN, 1],
      [t('2025-06-11T13:35:00Z'), t('2025-06-11T13:35:00Z') + 5 * MIN, 2],
      [t('2025-06-11T19:55:00Z'), t('2025-06-11T19:55:00Z') + 5 * MIN, 3],
      [t('2025-06-12T13:30:00Z'), t('2025-06-12T13:30:00Z') + 5 * MIN, 4],
    ]);
  });

  it('releases the held bars once 16 have arrived, without waiting for the end of the input', () => {
    const f = new RecordFactory('NVDA.csv');
    const driver = new TopologyTestDriver(nvdaTopology);
    const start = t('2024-01-01');
    const bars = Array.from({ length: 16 }, (_, i) => f.record<Row>({ Date: start + i * DAY, Open: i, High: i, Low: i, Close: i, Volume: 1 }, start + i * DAY));
    driver.feed('prices', bars.slice(0, 15));
    expect(driver.records).toHaveLength(0);
    driver.feed('prices', bars.slice(15));
    // The watermark (16th day − 1 min − 1 ms) has closed the first 14 days; days 15 and 16 stay open.
    expect(driver.tableState('nvda_bars')).toHaveLength(14);
    // Running indicators are built from the whole history: the partition is pinned, never committed.
    expect(driver.lowestHeld().get(f.partitionId())).toBe(Number.NEGATIVE_INFINITY);
  });

  it('holds the measured bars as state until the period is known', () => {
    const f = new RecordFactory('NVDA.csv');
    const driver = new TopologyTestDriver(nvdaTopology);
    driver.feed('prices', [dailyBar(f, '2024-01-05', 1, 1, 1, 1, 1)]);
    expect(driver.lowestHeld().get(f.partitionId())).toBe(1);
  });

  it('uses --symbol for bar input and aggregates 1w bars on ISO weeks (Monday 00:00 UTC)', () => {
    const f = new RecordFactory('NVDA.csv');
    const driver = new TopologyTestDriver(nvdaTopology, { options: { bar: '1w', symbol: 'AMD' } });
    driver.feed('prices', [
      dailyBar(f, '2024-01-05', 10, 11, 9, 10, 1), // Friday: week of Mon 2024-01-01
      dailyBar(f, '2024-01-07', 10, 15, 8, 14, 1), // Sunday: same week
      dailyBar(f, '2024-01-08', 14, 14, 13, 13, 2), // Monday: next week
    ]);
    driver.complete();
    const bars = driver.tableState('nvda_bars');
    expect(bars).toHaveLength(2);
    expect(bars[0]).toMatchObject({ symbol: 'AMD', window_start: t('2024-01-01'), window_end: t('2024-01-08'), open: 10, high: 15, low: 8, close: 14, volume: 2, bars: 2 });
    expect(bars[1]).toMatchObject({ window_start: t('2024-01-08'), window_end: t('2024-01-15'), bars: 1 });
  });

  it('aggregates 1mo bars on calendar months', () => {
    const f = new RecordFactory('NVDA.csv');
    const driver = new TopologyTestDriver(nvdaTopology, { options: { bar: '1mo' } });
    driver.feed('prices', [dailyBar(f, '2024-01-31', 1, 2, 1, 2, 1), dailyBar(f, '2024-02-01', 2, 3, 2, 3, 1), dailyBar(f, '2024-02-29', 3, 4, 3, 4, 1)]);
    driver.complete();
    const bars = driver.tableState('nvda_bars');
    expect(bars.map((b) => [b['window_start'], b['window_end'], b['bars']])).toEqual([
      [t('2024-01-01'), t('2024-02-01'), 1],
      [t('2024-02-01'), t('2024-03-01'), 2],
    ]);
  });

  it('builds 1-minute bars from ticks: open/close by event time with ties in input order, symbol from the tick', () => {
    const f = new RecordFactory('ticks.csv');
    const driver = new TopologyTestDriver(nvdaTopology);
    driver.feed('prices', [
      tick(f, '2024-01-02T14:30:10Z', 100, 1),
      tick(f, '2024-01-02T14:30:00Z', 99, 1), // earlier event time arriving later: it is the open
      tick(f, '2024-01-02T14:30:59Z', 101, 2),
      tick(f, '2024-01-02T14:30:59Z', 102, 0), // same time, later line: it is the close
      tick(f, '2024-01-02T14:30:20Z', 50, 1, 'AMD'),
      tick(f, '2024-01-02T14:31:00Z', 103, 1, ''), // empty symbol: the configured one; first tick of the next minute
    ]);
    driver.complete();
    const bars = driver.tableState('nvda_bars');
    const nvda = bars.filter((b) => b['symbol'] === 'NVDA');
    expect(nvda[0]).toMatchObject({ window_start: t('2024-01-02T14:30:00Z'), window_end: t('2024-01-02T14:31:00Z'), open: 99, high: 102, low: 99, close: 102, volume: 4, bars: 4 });
    expect(nvda[0]!['vwap']).toBeCloseTo((100 + 99 + 2 * 101) / 4, 12);
    expect(nvda[1]).toMatchObject({ window_start: t('2024-01-02T14:31:00Z'), open: 103, close: 103, bars: 1 });
    expect(bars.filter((b) => b['symbol'] === 'AMD')).toEqual([expect.objectContaining({ open: 50, close: 50, bars: 1 })]);
  });

  it('closes a tick bar once the watermark (1 minute out-of-orderness) passes it, and counts a later tick as late', () => {
    const f = new RecordFactory('ticks.csv');
    const driver = new TopologyTestDriver(nvdaTopology);
    driver.feed('prices', [tick(f, '2024-01-02T14:30:00Z', 100, 1)]);
    driver.feed('prices', [tick(f, '2024-01-02T14:31:30Z', 101, 1)]);
    expect(driver.tableState('nvda_bars')).toHaveLength(0); // watermark 14:30:29.999: the 14:30 bar is still open
    driver.feed('prices', [tick(f, '2024-01-02T14:32:00Z', 102, 1)]);
    expect(driver.tableState('nvda_bars')).toHaveLength(1);
    driver.feed('prices', [tick(f, '2024-01-02T14:30:30Z', 999, 1)]); // its bar already closed
    expect(driver.late).toHaveLength(1);
    driver.complete();
    expect(driver.tableState('nvda_bars').map((b) => b['close'])).toEqual([100, 101, 102]);
  });

  it('dead-letters a tick without a price with its field', () => {
    const f = new RecordFactory('ticks.csv');
    const driver = new TopologyTestDriver(nvdaTopology);
    driver.feed('prices', [tick(f, '2024-01-02T14:30:00Z', null, 1), tick(f, '2024-01-02T14:30:01Z', 5, 1)]);
    driver.complete();
    expect(driver.deadLetters).toEqual([expect.objectContaining({ reason: 'parse_error', field: 'price', position: expect.objectContaining({ offset: 1 }) })]);
    expect(driver.tableState('nvda_bars')).toHaveLength(1);
  });

  it('signals a golden cross and then a death cross at the crossing bars', () => {
    const f = new RecordFactory('NVDA.csv');
    const driver = new TopologyTestDriver(nvdaTopology, { options: { bar: '1d' } });
    const start = t('2020-01-01');
    const closes = [...Array.from({ length: 200 }, () => 10), 20, 0, 0];
    driver.feed('prices', closes.map((c, i) => f.record<Row>({ Date: start + i * DAY, Open: c, High: c, Low: c, Close: c, Volume: 1 }, start + i * DAY)));
    driver.complete();
    // Bar 201: sma_50 10.2 > sma_200 10.05 after equality; bar 202: both 10 (no signal); bar 203: 9.8 < 9.95.
    expect(driver.tableState('nvda_signals')).toEqual([
      { symbol: 'NVDA', time: start + 200 * DAY, signal: 'golden_cross', close: 20, sma_50: 10.2, sma_200: 10.05 },
      { symbol: 'NVDA', time: start + 202 * DAY, signal: 'death_cross', close: 0, sma_50: 9.8, sma_200: 9.95 },
    ]);
  });

  it('rejects a bad --bar value', () => {
    expect(() => new TopologyTestDriver(nvdaTopology, { options: { bar: '2mo' } })).toThrow(/options\.bar/);
    expect(() => new TopologyTestDriver(nvdaTopology, { options: { bar: '5x' } })).toThrow(/options\.bar/);
  });
});

import { ConfigError, RecordError, type InputSpec, type ReadOptions, type Row, type StreamRecord } from '../../engine/index.js';

/** The three input layouts the `prices` input accepts. */
export type PriceLayout = 'yahoo-daily' | 'yfinance-multi-header' | 'ticks';

/** One input record, bar or tick, in the shape the bar aggregator folds. */
export interface PricePoint {
  readonly kind: 'bar' | 'tick';
  readonly symbol: string;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  /** (high + low + close) / 3 for a bar, the price for a tick: the vwap's price. */
  readonly typical: number;
}

const BAR_FIELDS = ['Open', 'High', 'Low', 'Close', 'Volume'] as const;

function headerNames(line: string | undefined): string[] {
  return (line ?? '')
    .replace(/^\uFEFF/, '')
    .split(',')
    .map((name) => name.trim().replace(/^"(.*)"$/, '$1'));
}

/**
 * Picks the layout from a file's first lines:
 * - `ts,symbol,price,volume` (any column order) → ticks;
 * - a first header field `Price` followed by `Ticker,…` and `Datetime,…` lines → the yfinance
 *   multi-index export (NVDA_5min.csv): header on line 1, lines 2–3 skipped, time in column `Price`;
 * - `Date` (or `Datetime`) with `Open,High,Low,Close,Volume` → Yahoo bars (NVDA.csv).
 */
export function detectPriceLayout(fileName: string, firstLines: readonly string[]): { layout: PriceLayout; timeColumn: string } {
  const header = headerNames(firstLines[0]);
  const has = (name: string): boolean => header.includes(name);
  if (has('ts') && has('price') && has('volume')) return { layout: 'ticks', timeColumn: 'ts' };
  const second = headerNames(firstLines[1])[0];
  const third = headerNames(firstLines[2])[0];
  const barColumns = BAR_FIELDS.every(has);
  if (barColumns && header[0] === 'Price' && second === 'Ticker' && (third === 'Datetime' || third === 'Date')) {
    return { layout: 'yfinance-multi-header', timeColumn: 'Price' };
  }
  if (barColumns && (has('Date') || has('Datetime'))) return { layout: 'yahoo-daily', timeColumn: has('Date') ? 'Date' : 'Datetime' };
  throw new ConfigError(
    'inputs.prices',
    `${fileName}: unrecognised layout (header "${header.join(',')}"); expected Yahoo bars (Date,Open,High,Low,Close,Adj Close,Volume), ` +
      'the yfinance export with its Price/Ticker/Datetime header lines, or ticks (ts,symbol,price,volume)',
  );
}

/** Read options for the detected layout: every price and volume is required, so a bad row is a `parse_error`. */
export function priceReadOptions(fileName: string, firstLines: readonly string[]): ReadOptions {
  const { layout, timeColumn } = detectPriceLayout(fileName, firstLines);
  if (layout === 'ticks') {
    return {
      fields: [
        { name: 'ts', type: 'timestamp', required: true },
        { name: 'price', type: 'number', required: true },
        { name: 'volume', type: 'number', required: true },
      ],
      eventTime: 'ts',
    };
  }
  return {
    fields: [{ name: timeColumn, type: 'timestamp', required: true }, ...BAR_FIELDS.map((name) => ({ name, type: 'number' as const, required: true }))],
    eventTime: timeColumn,
    // Yahoo writes `null` for a day without a quote: a parse error (dead-lettered), not a zero.
    nullTokens: ['', 'null'],
    ...(layout === 'yfinance-multi-header' ? { headerLine: 1, skipLines: [2, 3] } : {}),
  };
}

/** The `prices` input: bars (daily or intraday) or ticks, layout chosen from the file's first lines. */
export const pricesInput: InputSpec = {
  name: 'prices',
  kind: 'stream',
  description: 'Yahoo daily bars (NVDA.csv), the yfinance five-minute export (NVDA_5min.csv) or ticks ts,symbol,price,volume',
  defaultFile: 'NVDA.csv',
  readOptions: priceReadOptions,
};

function numberField(record: StreamRecord<Row>, field: string): number {
  const value = record.value[field];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RecordError('parse_error', record.position, value === null || value === undefined ? 'missing value' : `not a number: ${String(value)}`, field);
  }
  return value;
}

/**
 * Turns a parsed row into a `PricePoint`: a row with a `price` field is a tick (its `symbol`, when
 * present and non-empty, overrides the configured one), any other row is a bar. Throws `RecordError`
 * for a missing or non-numeric price, so the record is dead-lettered with its field.
 */
export function toPricePoint(record: StreamRecord<Row>, defaultSymbol: string): StreamRecord<PricePoint> {
  const row = record.value;
  if ('price' in row) {
    const price = numberField(record, 'price');
    const own = typeof row['symbol'] === 'string' ? row['symbol'].trim() : '';
    const value: PricePoint = { kind: 'tick', symbol: own === '' ? defaultSymbol : own, open: price, high: price, low: price, close: price, volume: numberField(record, 'volume'), typical: price };
    return { ...record, value, key: value.symbol };
  }
  const high = numberField(record, 'High');
  const low = numberField(record, 'Low');
  const close = numberField(record, 'Close');
  const value: PricePoint = {
    kind: 'bar',
    symbol: defaultSymbol,
    open: numberField(record, 'Open'),
    high,
    low,
    close,
    volume: numberField(record, 'Volume'),
    typical: (high + low + close) / 3,
  };
  return { ...record, value, key: defaultSymbol };
}

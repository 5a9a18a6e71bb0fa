import type { Aggregator, StreamRecord, Window } from '../../engine/index.js';
import type { PricePoint } from './price-input.js';

/** One OHLCV bar folded from the input records of a window. */
export interface Bar {
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  /** Σ(typical × volume) / Σ volume; null when Σ volume is 0. */
  readonly vwap: number | null;
  /** Input records in the window. */
  readonly bars: number;
}

interface BarAccumulator {
  open: number;
  openTime: number;
  openOrder: number;
  close: number;
  closeTime: number;
  closeOrder: number;
  high: number;
  low: number;
  volume: number;
  priceVolume: number;
  count: number;
}

/**
 * Folds price points into a bar. Open and close are the first and last records by event time, ties by
 * input order (the position offset: the file line), so the result does not depend on arrival order.
 */
export const barAggregator: Aggregator<PricePoint, BarAccumulator, Bar> = {
  create: () => ({
    open: 0,
    openTime: Number.POSITIVE_INFINITY,
    openOrder: Number.POSITIVE_INFINITY,
    close: 0,
    closeTime: Number.NEGATIVE_INFINITY,
    closeOrder: Number.NEGATIVE_INFINITY,
    high: Number.NEGATIVE_INFINITY,
    low: Number.POSITIVE_INFINITY,
    volume: 0,
    priceVolume: 0,
    count: 0,
  }),
  add(acc, record: StreamRecord<PricePoint>) {
    const p = record.value;
    const t = record.eventTime;
    const order = record.position.offset;
    if (t < acc.openTime || (t === acc.openTime && order < acc.openOrder)) {
      acc.open = p.open;
      acc.openTime = t;
      acc.openOrder = order;
    }
    if (t > acc.closeTime || (t === acc.closeTime && order > acc.closeOrder)) {
      acc.close = p.close;
      acc.closeTime = t;
      acc.closeOrder = order;
    }
    if (p.high > acc.high) acc.high = p.high;
    if (p.low < acc.low) acc.low = p.low;
    acc.volume += p.volume;
    acc.priceVolume += p.typical * p.volume;
    acc.count++;
  },
  result(acc, _key: string, _window: Window): Bar {
    return {
      open: acc.open,
      high: acc.high,
      low: acc.low,
      close: acc.close,
      volume: acc.volume,
      vwap: acc.volume === 0 ? null : acc.priceVolume / acc.volume,
      bars: acc.count,
    };
  },
};

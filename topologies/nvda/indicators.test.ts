import { describe, expect, it } from 'vitest';
import { crossSignal, IndicatorCalculator, type IndicatorValues } from './indicators.js';

function run(closes: readonly number[]): IndicatorValues[] {
  const calculator = new IndicatorCalculator();
  return closes.map((close) => calculator.next(close));
}

/** 1-based bar of the first non-null value of a field. */
function firstBar(values: readonly IndicatorValues[], field: keyof IndicatorValues): number {
  return values.findIndex((v) => v[field] !== null) + 1;
}

describe('IndicatorCalculator', () => {
  const ramp = Array.from({ length: 60 }, (_, i) => i + 1);
  const values = run(ramp);

  it('gives each indicator its first value at the bar the issue names', () => {
    expect(firstBar(values, 'sma20')).toBe(20);
    expect(firstBar(values, 'bbUpper')).toBe(20);
    expect(firstBar(values, 'sma50')).toBe(50);
    expect(firstBar(values, 'ema12')).toBe(12);
    expect(firstBar(values, 'ema26')).toBe(26);
    expect(firstBar(values, 'macd')).toBe(26);
    expect(firstBar(values, 'macdSignal')).toBe(34);
    expect(firstBar(values, 'macdHist')).toBe(34);
    expect(firstBar(values, 'rsi14')).toBe(15);
    expect(values.every((v) => v.sma200 === null)).toBe(true);
  });

  it('computes hand-derived values on a linear ramp (close = bar number)', () => {
    // SMA_20 of 1..20 is 10.5; an EMA seeded on a ramp lags it by (n-1)/2, so macd = 12.5 - 5.5 = 7.
    expect(values[19]!.sma20).toBeCloseTo(10.5, 12);
    expect(values[11]!.ema12).toBeCloseTo(6.5, 12);
    expect(values[12]!.ema12).toBeCloseTo(7.5, 12);
    expect(values[39]!.ema12).toBeCloseTo(40 - 5.5, 10);
    expect(values[39]!.ema26).toBeCloseTo(40 - 12.5, 10);
    expect(values[33]!.macdSignal).toBeCloseTo(7, 10);
    expect(values[45]!.macdHist).toBeCloseTo(0, 10);
    // Population std-dev of 20 consecutive integers: sqrt((20² − 1) / 12).
    const sigma = Math.sqrt(399 / 12);
    expect(values[29]!.bbUpper).toBeCloseTo(20.5 + 2 * sigma, 10);
    expect(values[29]!.bbLower).toBeCloseTo(20.5 - 2 * sigma, 10);
    expect(values[29]!.bbMid).toBe(values[29]!.sma20);
    // Only gains: the average loss is 0, so RSI is 100.
    expect(values[14]!.rsi14).toBe(100);
  });

  it('applies Wilder smoothing after the first 14 changes', () => {
    // Changes +1, −1, … : first averages 0.5 and 0.5 (RSI 50); then a +1 gives 7.5/14 and 6.5/14.
    const closes: number[] = Array.from({ length: 15 }, (_, i) => (i % 2 === 0 ? 10 : 11));
    closes.push(closes[14]! + 1);
    const out = run(closes);
    expect(out[14]!.rsi14).toBeCloseTo(50, 12);
    expect(out[15]!.rsi14).toBeCloseTo(100 - 100 / (1 + 7.5 / 6.5), 12);
  });

  it('gives RSI 100 when nothing moved (average loss 0) and a zero band width for a flat series', () => {
    const out = run(Array.from({ length: 30 }, () => 5));
    expect(out[14]!.rsi14).toBe(100);
    expect(out[29]!.bbUpper).toBe(5);
    expect(out[29]!.bbLower).toBe(5);
    expect(out[29]!.macd).toBe(0);
  });
});

describe('crossSignal', () => {
  it('needs both averages on both bars', () => {
    expect(crossSignal(undefined, { sma50: 2, sma200: 1 })).toBeUndefined();
    expect(crossSignal({ sma50: 1, sma200: null }, { sma50: 2, sma200: 1 })).toBeUndefined();
  });

  it('counts a touch as the side it came from: ≤ then > is golden, ≥ then < is death, = is neither', () => {
    expect(crossSignal({ sma50: 1, sma200: 1 }, { sma50: 2, sma200: 1 })).toBe('golden_cross');
    expect(crossSignal({ sma50: 1, sma200: 1 }, { sma50: 1, sma200: 2 })).toBe('death_cross');
    expect(crossSignal({ sma50: 2, sma200: 1 }, { sma50: 1, sma200: 1 })).toBeUndefined();
    expect(crossSignal({ sma50: 2, sma200: 1 }, { sma50: 3, sma200: 1 })).toBeUndefined();
  });
});

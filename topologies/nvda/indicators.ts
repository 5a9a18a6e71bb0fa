/** The indicators of one closed bar; null until enough bars (issue 3's first non-empty bars). */
export interface IndicatorValues {
  readonly sma20: number | null;
  readonly sma50: number | null;
  readonly sma200: number | null;
  readonly ema12: number | null;
  readonly ema26: number | null;
  readonly macd: number | null;
  readonly macdSignal: number | null;
  readonly macdHist: number | null;
  readonly rsi14: number | null;
  readonly bbMid: number | null;
  readonly bbUpper: number | null;
  readonly bbLower: number | null;
}

const LONGEST = 200;
const RSI_PERIOD = 14;
const SIGNAL_PERIOD = 9;

/** An EMA seeded with the mean of its first `period` inputs, then α·x + (1−α)·EMA with α = 2/(period+1). */
class SeededEma {
  private readonly alpha: number;
  private seed: number[] = [];
  private value: number | null = null;

  constructor(private readonly period: number) {
    this.alpha = 2 / (period + 1);
  }

  next(x: number): number | null {
    if (this.value !== null) {
      this.value = this.alpha * x + (1 - this.alpha) * this.value;
      return this.value;
    }
    this.seed.push(x);
    if (this.seed.length < this.period) return null;
    this.value = mean(this.seed);
    this.seed = [];
    return this.value;
  }
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/**
 * Running indicators over the closes of one symbol's bars, in window order (issue 3, "Indicators"):
 * SMA_n = mean of the last n closes; EMA_n seeded with SMA_n at bar n; macd = ema_12 − ema_26 (bar 26);
 * signal = EMA_9 of macd seeded with the mean of the first 9 macd values (bar 34); Wilder's RSI_14 from
 * bar 15; Bollinger = sma_20 ± 2 × population standard deviation of the last 20 closes.
 * Means are summed afresh over the window on every bar (not a running sum), so no drift accumulates.
 */
export class IndicatorCalculator {
  /** The last `LONGEST` closes, oldest first. */
  private readonly closes: number[] = [];
  private readonly ema12 = new SeededEma(12);
  private readonly ema26 = new SeededEma(26);
  private readonly signal = new SeededEma(SIGNAL_PERIOD);
  private previousClose: number | null = null;
  private changes = 0;
  private gainSum = 0;
  private lossSum = 0;
  private avgGain = 0;
  private avgLoss = 0;

  next(close: number): IndicatorValues {
    this.closes.push(close);
    if (this.closes.length > LONGEST) this.closes.shift();
    const sma20 = this.sma(20);
    const ema12 = this.ema12.next(close);
    const ema26 = this.ema26.next(close);
    const macd = ema12 !== null && ema26 !== null ? ema12 - ema26 : null;
    const macdSignal = macd === null ? null : this.signal.next(macd);
    let bbUpper: number | null = null;
    let bbLower: number | null = null;
    if (sma20 !== null) {
      const deviation = 2 * this.populationStdDev(20, sma20);
      bbUpper = sma20 + deviation;
      bbLower = sma20 - deviation;
    }
    return {
      sma20,
      sma50: this.sma(50),
      sma200: this.sma(200),
      ema12,
      ema26,
      macd,
      macdSignal,
      macdHist: macd !== null && macdSignal !== null ? macd - macdSignal : null,
      rsi14: this.rsi(close),
      bbMid: sma20,
      bbUpper,
      bbLower,
    };
  }

  private sma(n: number): number | null {
    const count = this.closes.length;
    if (count < n) return null;
    let sum = 0;
    for (let i = count - n; i < count; i++) sum += this.closes[i]!;
    return sum / n;
  }

  private populationStdDev(n: number, mu: number): number {
    const count = this.closes.length;
    let squares = 0;
    for (let i = count - n; i < count; i++) {
      const d = this.closes[i]! - mu;
      squares += d * d;
    }
    return Math.sqrt(squares / n);
  }

  /** Wilder's RSI: first averages are plain means of the first 14 changes, then avg = (prev·13 + current)/14. */
  private rsi(close: number): number | null {
    const previous = this.previousClose;
    this.previousClose = close;
    if (previous === null) return null;
    const change = close - previous;
    const gain = change > 0 ? change : 0;
    const loss = change < 0 ? -change : 0;
    this.changes++;
    if (this.changes < RSI_PERIOD) {
      this.gainSum += gain;
      this.lossSum += loss;
      return null;
    }
    if (this.changes === RSI_PERIOD) {
      this.avgGain = (this.gainSum + gain) / RSI_PERIOD;
      this.avgLoss = (this.lossSum + loss) / RSI_PERIOD;
    } else {
      this.avgGain = (this.avgGain * (RSI_PERIOD - 1) + gain) / RSI_PERIOD;
      this.avgLoss = (this.avgLoss * (RSI_PERIOD - 1) + loss) / RSI_PERIOD;
    }
    return this.avgLoss === 0 ? 100 : 100 - 100 / (1 + this.avgGain / this.avgLoss);
  }
}

/** A crossing of sma_50 over sma_200 between the previous bar and this one. */
export type CrossSignal = 'golden_cross' | 'death_cross';

/**
 * `golden_cross` when sma_50 goes from ≤ sma_200 on the previous bar to > on this one; `death_cross`
 * from ≥ to <. Both bars need both averages.
 */
export function crossSignal(
  previous: { readonly sma50: number | null; readonly sma200: number | null } | undefined,
  current: { readonly sma50: number | null; readonly sma200: number | null },
): CrossSignal | undefined {
  if (previous === undefined || previous.sma50 === null || previous.sma200 === null || current.sma50 === null || current.sma200 === null) return undefined;
  if (previous.sma50 <= previous.sma200 && current.sma50 > current.sma200) return 'golden_cross';
  if (previous.sma50 >= previous.sma200 && current.sma50 < current.sma200) return 'death_cross';
  return undefined;
}

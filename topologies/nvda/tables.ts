import type { TableSpec } from '../../engine/index.js';

/** OHLCV bars of the chosen size, per symbol. */
export const nvdaBarsTable: TableSpec = {
  name: 'nvda_bars',
  description: 'OHLCV bars per symbol and window (window_end exclusive)',
  columns: [
    { name: 'symbol', type: 'text' },
    { name: 'window_start', type: 'timestamptz' },
    { name: 'window_end', type: 'timestamptz' },
    { name: 'open', type: 'numeric' },
    { name: 'high', type: 'numeric' },
    { name: 'low', type: 'numeric' },
    { name: 'close', type: 'numeric' },
    { name: 'volume', type: 'numeric' },
    { name: 'vwap', type: 'numeric' },
    { name: 'bars', type: 'integer' },
  ],
  key: ['symbol', 'window_start'],
};

/** Technical indicators, one row per closed bar; empty until enough bars. */
export const nvdaIndicatorsTable: TableSpec = {
  name: 'nvda_indicators',
  description: 'SMA, EMA, MACD, RSI and Bollinger bands per closed bar',
  columns: [
    { name: 'symbol', type: 'text' },
    { name: 'window_start', type: 'timestamptz' },
    { name: 'close', type: 'numeric' },
    { name: 'sma_20', type: 'numeric' },
    { name: 'sma_50', type: 'numeric' },
    { name: 'sma_200', type: 'numeric' },
    { name: 'ema_12', type: 'numeric' },
    { name: 'ema_26', type: 'numeric' },
    { name: 'macd', type: 'numeric' },
    { name: 'macd_signal', type: 'numeric' },
    { name: 'macd_hist', type: 'numeric' },
    { name: 'rsi_14', type: 'numeric' },
    { name: 'bb_mid', type: 'numeric' },
    { name: 'bb_upper', type: 'numeric' },
    { name: 'bb_lower', type: 'numeric' },
  ],
  key: ['symbol', 'window_start'],
};

/** Golden and death crosses of sma_50 over sma_200. */
export const nvdaSignalsTable: TableSpec = {
  name: 'nvda_signals',
  description: 'golden_cross / death_cross of sma_50 and sma_200, at the crossing bar',
  columns: [
    { name: 'symbol', type: 'text' },
    { name: 'time', type: 'timestamptz' },
    { name: 'signal', type: 'text' },
    { name: 'close', type: 'numeric' },
    { name: 'sma_50', type: 'numeric' },
    { name: 'sma_200', type: 'numeric' },
  ],
  key: ['symbol', 'time'],
};

import type { Cell, TableSpec } from '../engine/index.js';
import { Prng } from '../replay/generators/prng.js';

const SYMBOLS = 500;

/** The benchmarks' output table: a one-minute bar per symbol, every column type the sinks map. */
export function benchTable(name: string): TableSpec {
  return {
    name,
    columns: [
      { name: 'symbol', type: 'text' },
      { name: 'window_start', type: 'timestamptz' },
      { name: 'window_end', type: 'timestamptz' },
      { name: 'open', type: 'numeric' },
      { name: 'high', type: 'numeric' },
      { name: 'low', type: 'numeric' },
      { name: 'close', type: 'numeric' },
      { name: 'volume', type: 'integer' },
      { name: 'vwap', type: 'numeric' },
      { name: 'trades', type: 'integer' },
      { name: 'day', type: 'date' },
      { name: 'halted', type: 'boolean' },
    ],
    key: ['symbol', 'window_start'],
  };
}

/** `count` deterministic bar rows (500 symbols per minute), the same in every sink benchmark. */
export function generateRows(count: number): Record<string, Cell>[] {
  const rng = new Prng(20_241_128);
  const start = Date.UTC(2024, 0, 2, 14, 30);
  const rows: Record<string, Cell>[] = [];
  for (let i = 0; i < count; i++) {
    const windowStart = start + Math.floor(i / SYMBOLS) * 60_000;
    const open = Math.round(rng.range(20, 900) * 100) / 100;
    const close = Math.round(open * (1 + rng.range(-0.01, 0.01)) * 100) / 100;
    rows.push({
      symbol: `S${String(i % SYMBOLS).padStart(4, '0')}`,
      window_start: windowStart,
      window_end: windowStart + 60_000,
      open,
      high: Math.max(open, close) + 0.05,
      low: Math.min(open, close) - 0.05,
      close,
      volume: rng.int(100, 2_000_000),
      vwap: Math.round(((open + close) / 2) * 10_000) / 10_000,
      trades: rng.int(1, 5_000),
      day: new Date(windowStart).toISOString().slice(0, 10),
      halted: rng.chance(0.01),
    });
  }
  return rows;
}

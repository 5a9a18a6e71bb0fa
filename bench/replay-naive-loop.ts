import { readFile } from 'node:fs/promises';
import type { BarWindow, ContenderResult } from './replay-windows.js';

interface NaiveBar {
  readonly symbol: string;
  readonly start: number;
  open: number;
  openTime: number;
  high: number;
  low: number;
  close: number;
  closeTime: number;
  volume: number;
  priceVolume: number;
  count: number;
}

const MINUTE_MS = 60_000;

/**
 * Baseline (a): what one writes first. The whole file as a string, `split('\n')`, `split(',')`,
 * `Date.parse`, `Number`, and a Map keyed by `symbol|minute`. Open/close ties on event time go to
 * the earlier/later line because lines are visited in file order.
 */
export async function runNaiveLoop(file: string): Promise<ContenderResult> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  const bars = new Map<string, NaiveBar>();
  let records = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const [ts, symbol, priceText, volumeText] = line.split(',');
    const time = Date.parse(ts!);
    const price = Number(priceText);
    const volume = Number(volumeText);
    if (Number.isNaN(time) || Number.isNaN(price) || Number.isNaN(volume) || symbol === undefined) throw new Error(`line ${i + 1}: cannot parse ${JSON.stringify(line)}`);
    records++;
    const start = time - (time % MINUTE_MS);
    const key = `${symbol}|${start}`;
    const bar = bars.get(key);
    if (bar === undefined) {
      bars.set(key, { symbol, start, open: price, openTime: time, high: price, low: price, close: price, closeTime: time, volume, priceVolume: price * volume, count: 1 });
      continue;
    }
    if (time < bar.openTime) {
      bar.open = price;
      bar.openTime = time;
    }
    if (time >= bar.closeTime) {
      bar.close = price;
      bar.closeTime = time;
    }
    if (price > bar.high) bar.high = price;
    if (price < bar.low) bar.low = price;
    bar.volume += volume;
    bar.priceVolume += price * volume;
    bar.count++;
  }
  return {
    records,
    windows: () => [...bars.values()].map((b): BarWindow => [b.symbol, b.start, b.open, b.high, b.low, b.close, b.volume, b.priceVolume / b.volume, b.count]),
  };
}

import { join } from 'node:path';
import { dayOf, isoDate, isWeekend, nextWeekday } from './calendar.js';
import { CsvWriter } from './csv-writer.js';
import { Prng } from './prng.js';

export interface DailyBarOptions {
  readonly dir: string;
  readonly seed: number;
  /** Number of trading days (rows). */
  readonly rows: number;
  /** Ticker; the file is `<symbol>.csv` like NVDA.csv (default NVDA). */
  readonly symbol?: string;
  /** First trading day (default 1999-01-22, NVDA's first). */
  readonly startDate?: string;
  /** First open price (default 0.04375). */
  readonly startPrice?: number;
}

/**
 * Daily bars in Yahoo's layout `Date,Open,High,Low,Close,Adj Close,Volume` (weekdays, 6 decimals,
 * LF, no final newline, like NVDA.csv): a geometric random walk with a slight upward drift.
 */
export async function generateDailyBars(options: DailyBarOptions): Promise<string> {
  const rng = new Prng(options.seed);
  const symbol = options.symbol ?? 'NVDA';
  const path = join(options.dir, `${symbol}.csv`);
  const writer = await CsvWriter.create(path, ['Date', 'Open', 'High', 'Low', 'Close', 'Adj Close', 'Volume'], { noFinalNewline: true });
  let day = dayOf(options.startDate ?? '1999-01-22');
  if (isWeekend(day)) day = nextWeekday(day);
  let close = options.startPrice ?? 0.04375;
  const adjust = 0.92;
  for (let i = 0; i < options.rows; i++) {
    const open = close * (1 + 0.01 * rng.normal());
    const next = Math.max(0.0001, open * (1 + 0.0012 + 0.03 * rng.normal()));
    const high = Math.max(open, next) * (1 + 0.015 * rng.next());
    const low = Math.min(open, next) * (1 - 0.015 * rng.next());
    const volume = Math.round(2e8 * (0.3 + rng.next() * 1.7));
    writer.row([isoDate(day), open.toFixed(6), high.toFixed(6), low.toFixed(6), next.toFixed(6), (next * adjust).toFixed(6), volume]);
    if (writer.full) await writer.flush();
    close = next;
    day = nextWeekday(day);
  }
  await writer.close();
  return path;
}

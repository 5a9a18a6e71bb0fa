import { join } from 'node:path';
import { Prng } from './prng.js';
import { symbols } from './symbols.js';
import { isWeekend, nextWeekday } from './calendar.js';
import { CsvWriter } from './csv-writer.js';

export interface TickOptions {
  /** Folder to write into (must exist). */
  readonly dir: string;
  readonly seed: number;
  /** Number of tick rows. */
  readonly rows: number;
  /** Number of symbols (default 8). */
  readonly symbols?: number;
  /** First trading day, `YYYY-MM-DD` (default 2024-01-02). */
  readonly startDate?: string;
  /** Average ticks per trading day over all symbols (default 200,000). */
  readonly ticksPerDay?: number;
  /** File name (default `ticks.csv`). */
  readonly fileName?: string;
}

const SESSION_OPEN_MS = (14 * 60 + 30) * 60_000; // 09:30 New York (EST) in UTC
const SESSION_MS = 390 * 60_000; // 6.5 hours

/**
 * Stock ticks `ts,symbol,price,volume` (e.g. `2024-01-02T14:30:00.123Z,NVDA,481.23,300`): ISO UTC
 * timestamps in ascending order within weekday sessions, each symbol's price a random walk.
 * Returns the path written.
 */
export async function generateTicks(options: TickOptions): Promise<string> {
  const rng = new Prng(options.seed);
  const names = symbols(options.symbols ?? 8);
  const prices = names.map(() => rng.range(20, 900));
  const gap = SESSION_MS / (options.ticksPerDay ?? 200_000);
  let day = Date.parse(`${options.startDate ?? '2024-01-02'}T00:00:00Z`);
  if (isWeekend(day)) day = nextWeekday(day);
  let offset = 0;
  const path = join(options.dir, options.fileName ?? 'ticks.csv');
  const writer = await CsvWriter.create(path, ['ts', 'symbol', 'price', 'volume']);
  for (let i = 0; i < options.rows; i++) {
    offset += rng.next() * 2 * gap;
    if (offset >= SESSION_MS) {
      offset -= SESSION_MS;
      day = nextWeekday(day);
    }
    const k = rng.int(0, names.length - 1);
    const price = Math.max(0.01, prices[k]! * (1 + 0.0004 * rng.normal()));
    prices[k] = price;
    const ts = new Date(day + SESSION_OPEN_MS + Math.floor(offset)).toISOString();
    writer.row([ts, names[k]!, price.toFixed(2), 100 * rng.int(1, 20)]);
    if (writer.full) await writer.flush();
  }
  await writer.close();
  return path;
}

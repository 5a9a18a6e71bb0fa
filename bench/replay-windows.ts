/**
 * One 1-minute bar of one symbol, as every replay-bench contender reports it (a tuple keeps the
 * temp JSON small): window start in epoch ms, open/close = first/last price by (event time, file
 * order), Σ volume, vwap = Σ(price × volume) / Σ volume, and the number of ticks.
 */
export type BarWindow = readonly [
  symbol: string,
  windowStart: number,
  open: number,
  high: number,
  low: number,
  close: number,
  volume: number,
  vwap: number,
  count: number,
];

/** What a contender hands back: the input records it counted and its windows (built after the clock stops). */
export interface ContenderResult {
  readonly records: number;
  readonly windows: () => BarWindow[];
}

const FIELDS = ['open', 'high', 'low', 'close', 'volume', 'vwap', 'count'] as const;
const RELATIVE_TOLERANCE = 1e-9;

function windowKey(window: BarWindow): string {
  return `${window[0]}@${window[1]}`;
}

function close(a: number, b: number): boolean {
  if (a === b) return true;
  return Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Differences between two sets of windows (same keys, every value within 1e-9 relative): the first
 * `limit` described, then a count of the rest; empty when they agree.
 */
export function compareWindows(expected: readonly BarWindow[], actual: readonly BarWindow[], limit = 10): string[] {
  const problems: string[] = [];
  let total = 0;
  const report = (text: string): void => {
    if (total++ < limit) problems.push(text);
  };
  const byKey = new Map<string, BarWindow>();
  for (const window of expected) byKey.set(windowKey(window), window);
  if (byKey.size !== expected.length) report(`expected windows hold ${expected.length - byKey.size} duplicate keys`);
  const seen = new Set<string>();
  for (const window of actual) {
    const key = windowKey(window);
    if (seen.has(key)) {
      report(`duplicate window ${key}`);
      continue;
    }
    seen.add(key);
    const want = byKey.get(key);
    if (want === undefined) {
      report(`unexpected window ${key}`);
      continue;
    }
    for (let i = 0; i < FIELDS.length; i++) {
      const a = want[i + 2] as number;
      const b = window[i + 2] as number;
      if (!close(a, b)) report(`window ${key}: ${FIELDS[i]} expected ${a}, got ${b}`);
    }
  }
  for (const key of byKey.keys()) if (!seen.has(key)) report(`missing window ${key}`);
  if (total > limit) problems.push(`… and ${total - limit} more`);
  return problems;
}

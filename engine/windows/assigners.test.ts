import { describe, expect, it } from 'vitest';
import { duckdbRows, valuesTable } from '../../test/harness/duckdb-query.js';
import { calendar, hopping, session, tumbling, type CalendarUnit } from './assigners.js';

const MIN = 60_000;
const DAY = 86_400_000;
const utc = (iso: string): number => Date.parse(iso);

describe('tumbling', () => {
  it('aligns windows to the epoch', () => {
    const a = tumbling(MIN);
    expect(a.kind).toBe('fixed');
    expect(a.describe).toBe('tumbling(1m)');
    expect(a.assign(0)).toEqual([{ start: 0, end: MIN }]);
    expect(a.assign(MIN - 1)).toEqual([{ start: 0, end: MIN }]);
    expect(a.assign(MIN)).toEqual([{ start: MIN, end: 2 * MIN }]);
    expect(a.assign(utc('2024-03-01T10:17:42.123Z'))).toEqual([{ start: utc('2024-03-01T10:17:00Z'), end: utc('2024-03-01T10:18:00Z') }]);
  });

  it('floors negative (pre-1970) event times instead of truncating', () => {
    const a = tumbling(MIN);
    expect(a.assign(-1)).toEqual([{ start: -MIN, end: 0 }]);
    expect(a.assign(-MIN)).toEqual([{ start: -MIN, end: 0 }]);
    expect(a.assign(-MIN - 1)).toEqual([{ start: -2 * MIN, end: -MIN }]);
    expect(a.assign(-0.5)).toEqual([{ start: -MIN, end: 0 }]);
  });

  it('shifts windows by the offset', () => {
    const a = tumbling(10, 3);
    expect(a.describe).toBe('tumbling(10ms, offset 3ms)');
    expect(a.assign(2)).toEqual([{ start: -7, end: 3 }]);
    expect(a.assign(3)).toEqual([{ start: 3, end: 13 }]);
    expect(a.assign(12)).toEqual([{ start: 3, end: 13 }]);
    expect(a.assign(-8)).toEqual([{ start: -17, end: -7 }]);
  });

  it('returns the same array for event times in the same window (no allocation on the hot path)', () => {
    const a = tumbling(MIN);
    const first = a.assign(5);
    expect(a.assign(10)).toBe(first);
    expect(a.assign(MIN + 1)).not.toBe(first);
  });

  it('rejects sizes that are not positive integers', () => {
    expect(() => tumbling(0)).toThrow(RangeError);
    expect(() => tumbling(-5)).toThrow(/positive integer/);
    expect(() => tumbling(1.5)).toThrow(RangeError);
    expect(() => tumbling(10, 0.5)).toThrow(RangeError);
  });
});

describe('hopping', () => {
  it('gives every window containing the event time, in ascending start order', () => {
    const a = hopping(10 * MIN, 5 * MIN);
    expect(a.describe).toBe('hopping(10m, 5m)');
    expect(a.assign(7 * MIN)).toEqual([
      { start: 0, end: 10 * MIN },
      { start: 5 * MIN, end: 15 * MIN },
    ]);
    expect(a.assign(5 * MIN)).toEqual([
      { start: 0, end: 10 * MIN },
      { start: 5 * MIN, end: 15 * MIN },
    ]);
    expect(a.assign(10 * MIN)).toEqual([
      { start: 5 * MIN, end: 15 * MIN },
      { start: 10 * MIN, end: 20 * MIN },
    ]);
  });

  it('handles slides that do not divide the size, and negative times', () => {
    const a = hopping(10, 4);
    // Windows start at multiples of 4 and last 10: those containing 9 start at 0, 4, 8.
    expect(a.assign(9).map((w) => w.start)).toEqual([0, 4, 8]);
    expect(a.assign(-1).map((w) => w.start)).toEqual([-8, -4]);
    // Ascending then descending, so the assigner's cache is crossed in both directions.
    const times = Array.from({ length: 51 }, (_, i) => i - 25);
    for (const t of [...times, ...times.reverse()]) {
      for (const w of a.assign(t)) expect(w.start <= t && t < w.end).toBe(true);
      // Brute force: every window start 4k with 4k <= t < 4k + 10.
      const expected: number[] = [];
      for (let k = -10; k <= 10; k++) if (4 * k <= t && t < 4 * k + 10) expected.push(4 * k);
      expect(a.assign(t).map((w) => w.start)).toEqual(expected);
    }
  });

  it('equals tumbling when slide = size', () => {
    const h = hopping(MIN, MIN);
    const t = tumbling(MIN);
    for (const e of [-MIN - 1, -1, 0, 59_999, 60_000, 123_456]) expect(h.assign(e)).toEqual(t.assign(e));
  });

  it('rejects a slide larger than the size (records in the gaps would belong to no window)', () => {
    expect(() => hopping(MIN, 2 * MIN)).toThrow(/must not exceed/);
    expect(() => hopping(MIN, 0)).toThrow(RangeError);
  });
});

describe('session', () => {
  it('assigns the proto-window [t, t + gap) for the window operator to merge', () => {
    const a = session(30 * MIN);
    expect(a.kind).toBe('session');
    expect(a.describe).toBe('session(30m)');
    expect(a.assign(1000)).toEqual([{ start: 1000, end: 1000 + 30 * MIN }]);
    expect(a.assign(-5)).toEqual([{ start: -5, end: -5 + 30 * MIN }]);
    expect(() => session(0)).toThrow(RangeError);
  });
});

describe('calendar', () => {
  it('days are UTC days', () => {
    expect(calendar('day').assign(utc('2024-02-29T23:59:59.999Z'))).toEqual([{ start: utc('2024-02-29T00:00:00Z'), end: utc('2024-03-01T00:00:00Z') }]);
    expect(calendar('day').assign(-1)).toEqual([{ start: -DAY, end: 0 }]);
  });

  it('ISO weeks start on Monday 00:00 UTC, also across a year end', () => {
    const week = calendar('week');
    // 2020-12-28 was a Monday; 2021-01-03 a Sunday; 2021-01-04 a Monday.
    const w53 = [{ start: utc('2020-12-28T00:00:00Z'), end: utc('2021-01-04T00:00:00Z') }];
    expect(week.assign(utc('2020-12-28T00:00:00Z'))).toEqual(w53);
    expect(week.assign(utc('2020-12-31T12:00:00Z'))).toEqual(w53);
    expect(week.assign(utc('2021-01-03T23:59:59.999Z'))).toEqual(w53);
    expect(week.assign(utc('2021-01-04T00:00:00Z'))).toEqual([{ start: utc('2021-01-04T00:00:00Z'), end: utc('2021-01-11T00:00:00Z') }]);
    expect(week.assign(utc('2020-12-27T23:59:59.999Z'))[0]!.start).toBe(utc('2020-12-21T00:00:00Z'));
    // The epoch was a Thursday: its week started on Monday 1969-12-29.
    expect(week.assign(0)).toEqual([{ start: utc('1969-12-29T00:00:00Z'), end: utc('1970-01-05T00:00:00Z') }]);
    expect(week.assign(utc('1969-12-28T12:00:00Z'))[0]!.start).toBe(utc('1969-12-22T00:00:00Z'));
  });

  it('months follow calendar lengths, including February in leap years', () => {
    const month = calendar('month');
    expect(month.assign(utc('2024-02-15T00:00:00Z'))).toEqual([{ start: utc('2024-02-01T00:00:00Z'), end: utc('2024-03-01T00:00:00Z') }]);
    const [feb2024] = month.assign(utc('2024-02-29T12:00:00Z'));
    expect((feb2024!.end - feb2024!.start) / DAY).toBe(29);
    const [feb2023] = month.assign(utc('2023-02-28T12:00:00Z'));
    expect((feb2023!.end - feb2023!.start) / DAY).toBe(28);
    const [feb2000] = month.assign(utc('2000-02-10T00:00:00Z'));
    expect((feb2000!.end - feb2000!.start) / DAY).toBe(29);
    const [feb1900] = month.assign(utc('1900-02-10T00:00:00Z'));
    expect((feb1900!.end - feb1900!.start) / DAY).toBe(28);
    expect(month.assign(utc('2023-12-31T23:59:59.999Z'))).toEqual([{ start: utc('2023-12-01T00:00:00Z'), end: utc('2024-01-01T00:00:00Z') }]);
    expect(month.assign(-1)).toEqual([{ start: utc('1969-12-01T00:00:00Z'), end: 0 }]);
  });

  it('quarters start in January, April, July and October', () => {
    const quarter = calendar('quarter');
    expect(quarter.assign(utc('2024-05-15T00:00:00Z'))).toEqual([{ start: utc('2024-04-01T00:00:00Z'), end: utc('2024-07-01T00:00:00Z') }]);
    expect(quarter.assign(utc('2024-12-31T23:59:59.999Z'))).toEqual([{ start: utc('2024-10-01T00:00:00Z'), end: utc('2025-01-01T00:00:00Z') }]);
    expect(quarter.assign(utc('2024-01-01T00:00:00Z'))[0]!.start).toBe(utc('2024-01-01T00:00:00Z'));
    expect(quarter.assign(utc('1969-11-30T00:00:00Z'))).toEqual([{ start: utc('1969-10-01T00:00:00Z'), end: 0 }]);
  });

  it('years last 365 or 366 days', () => {
    const year = calendar('year');
    const [y2024] = year.assign(utc('2024-07-01T00:00:00Z'));
    expect(y2024).toEqual({ start: utc('2024-01-01T00:00:00Z'), end: utc('2025-01-01T00:00:00Z') });
    expect((y2024!.end - y2024!.start) / DAY).toBe(366);
    const [y2023] = year.assign(utc('2023-07-01T00:00:00Z'));
    expect((y2023!.end - y2023!.start) / DAY).toBe(365);
    // Years 0–99 are not mapped to 1900–1999.
    expect(year.assign(utc('0050-06-01T00:00:00Z'))[0]!.start).toBe(utc('0050-01-01T00:00:00Z'));
  });

  it('agrees with DuckDB date_trunc for random instants from 1900 to 2100', async () => {
    const units: readonly CalendarUnit[] = ['day', 'week', 'month', 'quarter', 'year'];
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const from = utc('1900-01-01T00:00:00Z');
    const to = utc('2100-01-01T00:00:00Z');
    const instants = Array.from({ length: 300 }, () => Math.floor(from + random() * (to - from)));
    instants.push(0, -1, utc('2020-12-31T23:59:59.999Z'), utc('2024-02-29T00:00:00Z'));
    const rows = await duckdbRows(
      `SELECT t, ${units.map((u) => `epoch_ms(date_trunc('${u}', make_timestamp(t * 1000))) AS ${u}`).join(', ')}
       FROM ${valuesTable('input', ['t'], instants.map((t) => [t]))} ORDER BY t`,
    );
    expect(rows).toHaveLength(instants.length);
    for (const row of rows) {
      const t = Number(row.t);
      for (const unit of units) expect([unit, calendar(unit).assign(t)[0]!.start]).toEqual([unit, Number(row[unit])]);
    }
  });
});

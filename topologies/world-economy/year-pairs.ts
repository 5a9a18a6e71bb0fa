import { utcYear, yearStart, type Aggregator, type StreamRecord, type Window, type WindowAssigner } from '../../engine/index.js';
import type { CountryYear } from './indicator-input.js';

/**
 * Two-calendar-year windows sliding by one year: a record of year y belongs to [y−1, y+1) and [y, y+2).
 * The window [y−1, y+1) of a country holds exactly its years y−1 and y, so its result is year y's row
 * with y−1 as the previous year, whatever the order the years arrive in. (A fixed-length hopping window
 * cannot do this: calendar years differ in length.)
 */
export function yearPairs(): WindowAssigner {
  return {
    kind: 'fixed',
    describe: 'calendar year pairs, sliding by 1 year',
    assign(eventTime: number): readonly Window[] {
      const year = utcYear(eventTime);
      return [
        { start: yearStart(year - 1), end: yearStart(year + 1) },
        { start: yearStart(year), end: yearStart(year + 2) },
      ];
    },
  };
}

/** One country's row with its growth over the previous calendar year. */
export interface CountryGrowth {
  readonly countryCode: string;
  readonly country: string;
  readonly year: number;
  readonly gdp: number | null;
  /** (gdp_t / gdp_{t−1} − 1) × 100; null when either GDP is empty or the previous one is 0. */
  readonly growthPct: number | null;
}

/** GDP growth in percent, or null when it is not defined. */
export function growthPct(gdp: number | null, previousGdp: number | null): number | null {
  if (gdp === null || previousGdp === null || previousGdp === 0) return null;
  return (gdp / previousGdp - 1) * 100;
}

/**
 * Keeps the (at most a few) country-years of one year pair; the result is the later year's row, or
 * undefined when the later year is absent (that row comes from the next pair). Should a file repeat a
 * country-year, the later line wins, as it would in a sink upserting on (country_code, year).
 */
export const yearPairAggregator: Aggregator<CountryYear, StreamRecord<CountryYear>[], CountryGrowth | undefined> = {
  create: () => [],
  add(acc, record) {
    acc.push(record);
  },
  merge(target, other) {
    target.push(...other);
  },
  result(acc, _key, window) {
    const laterYear = utcYear(window.start) + 1;
    const laterStart = yearStart(laterYear);
    let current: StreamRecord<CountryYear> | undefined;
    let previous: StreamRecord<CountryYear> | undefined;
    for (const record of acc) {
      const slot = record.eventTime === laterStart ? 'current' : 'previous';
      const held = slot === 'current' ? current : previous;
      if (held === undefined || record.position.offset >= held.position.offset) {
        if (slot === 'current') current = record;
        else previous = record;
      }
    }
    if (current === undefined) return undefined;
    const v = current.value;
    return { countryCode: v.countryCode, country: v.country, year: v.year, gdp: v.gdp, growthPct: growthPct(v.gdp, previous?.value.gdp ?? null) };
  },
};

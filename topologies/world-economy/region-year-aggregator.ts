import type { Aggregator, StreamRecord } from '../../engine/index.js';
import type { CountryYear } from './indicator-input.js';

interface Mean {
  sum: number;
  n: number;
}

interface RegionYearAccumulator {
  rows: number;
  gdp: Mean;
  gdpPerCapita: Mean;
  unemployment: Mean;
  lifeExpectancy: Mean;
}

/** A region-year: rows counted, and sums/means over the non-empty values only (null when there are none). */
export interface RegionYear {
  readonly countries: number;
  readonly gdpSum: number | null;
  readonly gdpPerCapitaAvg: number | null;
  readonly unemploymentAvg: number | null;
  readonly lifeExpectancyAvg: number | null;
}

function addTo(mean: Mean, value: number | null): void {
  if (value === null) return;
  mean.sum += value;
  mean.n++;
}

function mergeInto(target: Mean, other: Mean): void {
  target.sum += other.sum;
  target.n += other.n;
}

const avg = (m: Mean): number | null => (m.n === 0 ? null : m.sum / m.n);

const empty = (): Mean => ({ sum: 0, n: 0 });

/** Folds country-years of one region and year; unweighted means, a sum or mean of nothing is null (not 0). */
export const regionYearAggregator: Aggregator<CountryYear, RegionYearAccumulator, RegionYear> = {
  create: () => ({ rows: 0, gdp: empty(), gdpPerCapita: empty(), unemployment: empty(), lifeExpectancy: empty() }),
  add(acc, record: StreamRecord<CountryYear>) {
    const v = record.value;
    acc.rows++;
    addTo(acc.gdp, v.gdp);
    addTo(acc.gdpPerCapita, v.gdpPerCapita);
    addTo(acc.unemployment, v.unemployment);
    addTo(acc.lifeExpectancy, v.lifeExpectancy);
  },
  merge(target, other) {
    target.rows += other.rows;
    mergeInto(target.gdp, other.gdp);
    mergeInto(target.gdpPerCapita, other.gdpPerCapita);
    mergeInto(target.unemployment, other.unemployment);
    mergeInto(target.lifeExpectancy, other.lifeExpectancy);
  },
  result: (acc) => ({
    countries: acc.rows,
    gdpSum: acc.gdp.n === 0 ? null : acc.gdp.sum,
    gdpPerCapitaAvg: avg(acc.gdpPerCapita),
    unemploymentAvg: avg(acc.unemployment),
    lifeExpectancyAvg: avg(acc.lifeExpectancy),
  }),
};

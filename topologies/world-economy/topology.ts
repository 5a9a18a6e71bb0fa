import {
  assignWatermarks,
  calendar,
  fanOut,
  flatMapRecords,
  keyBy,
  mapValues,
  parseRecords,
  streamInput,
  utcYear,
  windowAggregate,
  type TableRow,
  type Topology,
} from '../../engine/index.js';
import { toCountryYear, worldBankInput, type CountryYear } from './indicator-input.js';
import { regionYearAggregator } from './region-year-aggregator.js';
import { worldCountryGrowthTable, worldRegionYearTable } from './tables.js';
import { yearPairAggregator, yearPairs } from './year-pairs.js';

/**
 * WorldBank.csv lists each country's years descending (2018 down to 1960), so event time runs backwards
 * by up to the whole span of the series within a country. A century of out-of-orderness covers any span
 * of these series: every window stays open until the end of the input and no row is late (the golden
 * test checks the file's measured disorder against it).
 */
const MAX_OUT_OF_ORDERNESS_MS = 100 * 366 * 86_400_000;

/**
 * `world-economy`: per region and calendar year, GDP sum and unweighted means; per country and year,
 * GDP and its growth over the previous calendar year of the same country code.
 */
export const worldEconomyTopology: Topology = {
  name: 'world-economy',
  description: 'World Bank indicators: GDP sum and means per region and year, GDP growth per country and year',
  inputs: [worldBankInput],
  outputs: [worldRegionYearTable, worldCountryGrowthTable],
  options: [],
  graph: [
    { from: 'world_bank', to: 'parse (event time = 1 Jan of Year)' },
    { from: 'parse (event time = 1 Jan of Year)', to: 'watermark (100 years out-of-order)' },
    { from: 'watermark (100 years out-of-order)', to: 'yearly window by region' },
    { from: 'watermark (100 years out-of-order)', to: 'year-pair window by country code' },
    { from: 'yearly window by region', to: 'world_region_year' },
    { from: 'year-pair window by country code', to: 'world_country_growth' },
  ],
  build(inputs, ctx) {
    return streamInput(inputs, 'world_bank', ctx).pipe(
      parseRecords(ctx, toCountryYear),
      assignWatermarks(ctx, { name: 'world-bank-watermark', maxOutOfOrdernessMs: MAX_OUT_OF_ORDERNESS_MS }),
      fanOut<CountryYear, TableRow>(
        (shared) =>
          shared.pipe(
            keyBy((c) => c.region),
            windowAggregate(ctx, { name: 'region-year', assigner: calendar('year'), aggregator: regionYearAggregator }),
            mapValues(({ key, window, result }) => ({
              table: worldRegionYearTable.name,
              row: {
                region: key,
                year: utcYear(window.start),
                countries: result.countries,
                gdp_usd_sum: result.gdpSum,
                gdp_per_capita_avg: result.gdpPerCapitaAvg,
                unemployment_avg: result.unemploymentAvg,
                life_expectancy_avg: result.lifeExpectancyAvg,
              },
            })),
          ),
        (shared) =>
          shared.pipe(
            keyBy((c) => c.countryCode),
            windowAggregate(ctx, { name: 'country-year-pairs', assigner: yearPairs(), aggregator: yearPairAggregator }),
            flatMapRecords((record) => {
              const growth = record.value.result;
              if (growth === undefined) return [];
              const row = { country_code: growth.countryCode, country: growth.country, year: growth.year, gdp_usd: growth.gdp, gdp_growth_pct: growth.growthPct };
              return [{ ...record, value: { table: worldCountryGrowthTable.name, row } }];
            }),
          ),
      ),
    );
  },
};

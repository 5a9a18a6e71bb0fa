import type { TableSpec } from '../../engine/index.js';

/** Per region and year: rows, GDP sum, unweighted means over the non-empty values. */
export const worldRegionYearTable: TableSpec = {
  name: 'world_region_year',
  description: 'countries, GDP sum and unweighted means of GDP per capita, unemployment and life expectancy per region and year',
  columns: [
    { name: 'region', type: 'text' },
    { name: 'year', type: 'integer' },
    { name: 'countries', type: 'integer' },
    { name: 'gdp_usd_sum', type: 'numeric' },
    { name: 'gdp_per_capita_avg', type: 'numeric' },
    { name: 'unemployment_avg', type: 'numeric' },
    { name: 'life_expectancy_avg', type: 'numeric' },
  ],
  key: ['region', 'year'],
};

/** One row per input row: the country's GDP and its growth over the previous calendar year. */
export const worldCountryGrowthTable: TableSpec = {
  name: 'world_country_growth',
  description: 'GDP and year-over-year GDP growth (%) per country and year',
  columns: [
    { name: 'country_code', type: 'text' },
    { name: 'country', type: 'text' },
    { name: 'year', type: 'integer' },
    { name: 'gdp_usd', type: 'numeric' },
    { name: 'gdp_growth_pct', type: 'numeric' },
  ],
  key: ['country_code', 'year'],
};

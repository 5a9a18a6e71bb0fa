import { describe, expect, it } from 'vitest';
import type { Row } from '../../engine/index.js';
import { RecordFactory } from '../../test/harness/record-factory.js';
import { TopologyTestDriver } from '../../test/harness/topology-test-driver.js';
import { WORLD_BANK_COLUMNS as C } from './indicator-input.js';
import { worldEconomyTopology } from './topology.js';

interface Values {
  gdp?: number | null;
  perCapita?: number | null;
  unemployment?: number | null;
  life?: number | null;
}

function countryYear(f: RecordFactory, code: string, region: string, year: number | null, v: Values = {}) {
  return f.record<Row>(
    {
      [C.country]: `Country ${code}`,
      [C.code]: code,
      [C.region]: region,
      IncomeGroup: 'High income',
      [C.year]: year,
      [C.gdp]: v.gdp ?? null,
      [C.gdpPerCapita]: v.perCapita ?? null,
      [C.unemployment]: v.unemployment ?? null,
      [C.lifeExpectancy]: v.life ?? null,
    },
    0,
  );
}

describe('world-economy topology', () => {
  it('computes growth against the previous calendar year of the same code, years arriving descending', () => {
    const f = new RecordFactory('WorldBank.csv');
    const driver = new TopologyTestDriver(worldEconomyTopology);
    driver.feed('world_bank', [
      countryYear(f, 'AAA', 'R1', 2018, { gdp: 121 }),
      countryYear(f, 'AAA', 'R1', 2017, { gdp: 110 }),
      countryYear(f, 'AAA', 'R1', 2016, { gdp: 100 }),
      countryYear(f, 'AAA', 'R1', 2014, { gdp: 50 }), // 2015 missing: 2016 has no previous year
      countryYear(f, 'BBB', 'R1', 2017, { gdp: 10 }),
      countryYear(f, 'BBB', 'R1', 2016, { gdp: null }), // previous GDP empty
      countryYear(f, 'BBB', 'R1', 2015, { gdp: 0 }), // 2016 empty anyway
      countryYear(f, 'CCC', 'R2', 2001, { gdp: 5 }),
      countryYear(f, 'CCC', 'R2', 2000, { gdp: 0 }), // previous GDP 0: growth empty
    ]);
    driver.complete();
    expect(driver.late).toHaveLength(0);
    const growth = new Map(driver.tableState('world_country_growth').map((r) => [`${String(r['country_code'])} ${String(r['year'])}`, r]));
    expect(growth.size).toBe(9); // one row per input row
    expect(growth.get('AAA 2018')).toEqual({ country_code: 'AAA', country: 'Country AAA', year: 2018, gdp_usd: 121, gdp_growth_pct: (121 / 110 - 1) * 100 });
    expect(growth.get('AAA 2017')!['gdp_growth_pct']).toBeCloseTo(10, 12);
    expect(growth.get('AAA 2016')!['gdp_growth_pct']).toBeNull();
    expect(growth.get('AAA 2014')!['gdp_growth_pct']).toBeNull();
    expect(growth.get('BBB 2017')).toMatchObject({ gdp_usd: 10, gdp_growth_pct: null });
    expect(growth.get('BBB 2016')).toMatchObject({ gdp_usd: null, gdp_growth_pct: null });
    expect(growth.get('CCC 2001')).toMatchObject({ gdp_usd: 5, gdp_growth_pct: null });
  });

  it('counts every row of a region-year and averages only the non-empty values; nothing to average is empty', () => {
    const f = new RecordFactory('WorldBank.csv');
    const driver = new TopologyTestDriver(worldEconomyTopology);
    driver.feed('world_bank', [
      countryYear(f, 'AAA', 'R1', 2018, { gdp: 1e11, perCapita: 1000, unemployment: 5, life: 80 }),
      countryYear(f, 'BBB', 'R1', 2018, { gdp: 3e11, perCapita: 2000 }),
      countryYear(f, 'CCC', 'R1', 2018, {}),
      countryYear(f, 'AAA', 'R1', 2017, {}),
    ]);
    driver.complete();
    const regions = driver.tableState('world_region_year');
    expect(regions).toHaveLength(2);
    expect(regions).toContainEqual({ region: 'R1', year: 2018, countries: 3, gdp_usd_sum: 4e11, gdp_per_capita_avg: 1500, unemployment_avg: 5, life_expectancy_avg: 80 });
    expect(regions).toContainEqual({ region: 'R1', year: 2017, countries: 1, gdp_usd_sum: null, gdp_per_capita_avg: null, unemployment_avg: null, life_expectancy_avg: null });
  });

  it('dead-letters a row without a year or a country code', () => {
    const f = new RecordFactory('WorldBank.csv');
    const driver = new TopologyTestDriver(worldEconomyTopology);
    driver.feed('world_bank', [countryYear(f, 'AAA', 'R1', null), countryYear(f, '', 'R1', 2000), countryYear(f, 'AAA', 'R1', 2000)]);
    driver.complete();
    expect(driver.deadLetters.map((d) => [d.reason, d.field, d.position.offset])).toEqual([
      ['parse_error', C.year, 1],
      ['parse_error', C.code, 2],
    ]);
    expect(driver.tableState('world_country_growth')).toHaveLength(1);
    expect(driver.tableState('world_region_year')).toHaveLength(1);
  });

  it('emits nothing before the end of the input (every year window stays open across the descending years)', () => {
    const f = new RecordFactory('WorldBank.csv');
    const driver = new TopologyTestDriver(worldEconomyTopology);
    driver.feed('world_bank', [countryYear(f, 'AAA', 'R1', 2018, { gdp: 1 }), countryYear(f, 'AAA', 'R1', 1960, { gdp: 1 })]);
    expect(driver.records).toHaveLength(0);
    driver.feed('world_bank', [countryYear(f, 'BBB', 'R1', 2018, { gdp: 1 })]);
    expect(driver.records).toHaveLength(0);
    driver.complete();
    expect(driver.tableState('world_country_growth')).toHaveLength(3);
  });
});

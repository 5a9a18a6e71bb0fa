// Golden test of the `world-economy` topology on the real WorldBank.csv: expected tables by SQL in
// DuckDB (GROUP BY region and year; a self-join on country code and year − 1 for growth).
import { describe, expect, it } from 'vitest';
import { worldCountryGrowthTable, worldRegionYearTable } from '../../topologies/world-economy/tables.js';
import { worldEconomyTopology } from '../../topologies/world-economy/topology.js';
import { diffTables, expectOnlyParseErrors, goldenDbForFile, realDataDir, sqlPath, withReplay } from './golden-support.js';

const DATA = realDataDir('world-economic-indicators');

const golden = goldenDbForFile();

describe('world-economy golden (WorldBank.csv vs DuckDB)', () => {
  it('WorldBank.csv', async () => {
    await withReplay(worldEconomyTopology, DATA, {}, async (run) => {
      const path = sqlPath(DATA, 'WorldBank.csv');
      // Every field as text (the BOM, the quoted headers with commas and `1.81E+11` are DuckDB's to read), cast here.
      await golden.db.run(`
        CREATE OR REPLACE TABLE raw AS
          SELECT row_number() OVER () AS line,
                 trim("Country Code") AS code, coalesce(trim("Country Name"), '') AS country, coalesce(trim("Region"), '') AS region,
                 TRY_CAST(trim("Year") AS DOUBLE) AS year_number,
                 TRY_CAST("GDP (USD)" AS DOUBLE) AS gdp,
                 TRY_CAST("GDP per capita (USD)" AS DOUBLE) AS gdp_per_capita,
                 TRY_CAST("Unemployment (% of total labor force) (modeled ILO estimate)" AS DOUBLE) AS unemployment,
                 TRY_CAST("Life expectancy at birth (years)" AS DOUBLE) AS life_expectancy,
                 ("GDP (USD)" IS NOT NULL AND TRY_CAST("GDP (USD)" AS DOUBLE) IS NULL)
                   OR ("GDP per capita (USD)" IS NOT NULL AND TRY_CAST("GDP per capita (USD)" AS DOUBLE) IS NULL)
                   OR ("Unemployment (% of total labor force) (modeled ILO estimate)" IS NOT NULL
                       AND TRY_CAST("Unemployment (% of total labor force) (modeled ILO estimate)" AS DOUBLE) IS NULL)
                   OR ("Life expectancy at birth (years)" IS NOT NULL AND TRY_CAST("Life expectancy at birth (years)" AS DOUBLE) IS NULL) AS bad_number
          FROM read_csv('${path}', header = true, all_varchar = true, nullstr = '');
        CREATE OR REPLACE TABLE cy AS
          SELECT * REPLACE (CAST(year_number AS INTEGER) AS year_number) FROM raw
          WHERE year_number IS NOT NULL AND year_number = floor(year_number) AND code IS NOT NULL AND code <> '' AND NOT bad_number;
      `);

      const [counts] = await golden.db.rows(`
        SELECT (SELECT count(*) FROM raw) AS total, (SELECT count(*) FROM raw) - (SELECT count(*) FROM cy) AS bad,
               (SELECT count(*) FROM (SELECT code, year_number FROM cy GROUP BY ALL HAVING count(*) > 1)) AS repeated`);
      expect(run.result.recordsIn).toBe(Number(counts!['total']));
      // One row per input row holds only when no country-year repeats (the output key is code + year).
      expect(Number(counts!['repeated'])).toBe(0);
      await expectOnlyParseErrors(golden.db, run, Number(counts!['bad']));

      // Years descend within each country: the largest lag behind the latest year seen must stay under the
      // topology's 100-year out-of-orderness, and then nothing is late.
      const disorder = await golden.db.maxDisorder('cy', 'year_number');
      expect(disorder).toBeGreaterThan(0);
      expect(disorder).toBeLessThan(100);
      expect(run.result.late).toBe(0);

      const expectedRegions = await golden.db.rows(`
        SELECT region, year_number AS year, count(*) AS countries, sum(gdp) AS gdp_usd_sum, avg(gdp_per_capita) AS gdp_per_capita_avg,
               avg(unemployment) AS unemployment_avg, avg(life_expectancy) AS life_expectancy_avg
        FROM cy GROUP BY ALL`);
      const expectedGrowth = await golden.db.rows(`
        SELECT t.code AS country_code, t.country, t.year_number AS year, t.gdp AS gdp_usd,
               CASE WHEN t.gdp IS NULL OR p.gdp IS NULL OR p.gdp = 0 THEN NULL ELSE (t.gdp / p.gdp - 1) * 100 END AS gdp_growth_pct
        FROM cy t LEFT JOIN cy p ON p.code = t.code AND p.year_number = t.year_number - 1`);
      const regions = await golden.db.outputTable(run.dir, worldRegionYearTable);
      const growth = await golden.db.outputTable(run.dir, worldCountryGrowthTable);
      expect(diffTables(worldRegionYearTable, regions, expectedRegions)).toEqual([]);
      expect(diffTables(worldCountryGrowthTable, growth, expectedGrowth)).toEqual([]);
      expect(growth).toHaveLength(Number(counts!['total']) - Number(counts!['bad']));
      // The real file has region-years without any unemployment figure (217 of them): their mean must be
      // empty, not 0 (diffTables already compares cells; this guards that the case is really exercised).
      const [empties] = await golden.db.rows(`SELECT count(*) AS n FROM (SELECT region, year_number FROM cy GROUP BY ALL HAVING count(unemployment) = 0)`);
      expect(Number(empties!['n'])).toBeGreaterThan(0);
      expect(regions.filter((r) => r['unemployment_avg'] === null)).toHaveLength(Number(empties!['n']));
      console.log(`world-economy WorldBank.csv: world_region_year ${regions.length}, world_country_growth ${growth.length}, dead letters ${String(counts!['bad'])}`);
    });
  });
});

// Golden test of the `salaries` topology on the three real survey releases: expected tables by SQL
// GROUP BY in DuckDB over the same CSV files (every row counts, duplicates included; keys trimmed).
import { describe, expect, it } from 'vitest';
import { salariesByCountryYearTable, salariesByTitleYearTable } from '../../topologies/salaries/tables.js';
import { salariesTopology } from '../../topologies/salaries/topology.js';
import { diffTables, expectOnlyParseErrors, goldenDbForFile, realDataDir, sqlPath, withReplay } from './golden-support.js';

const DATA = realDataDir('data-jobs-salaries');

const golden = goldenDbForFile();

/**
 * Loads a release into `answers` (rows whose year is a whole number and whose salary is a number) with its
 * file order; the other rows are the expected parse errors. Every field is read as text (ds_salaries.csv's
 * unnamed first column included) and cast here.
 */
async function loadAnswers(file: string): Promise<void> {
  const path = sqlPath(DATA, file);
  await golden.db.run(`
    CREATE OR REPLACE TABLE raw AS
      SELECT row_number() OVER () AS line,
             TRY_CAST(trim(work_year) AS DOUBLE) AS year_number,
             TRY_CAST(trim(salary_in_usd) AS DOUBLE) AS salary_in_usd,
             coalesce(trim(job_title), '') AS job_title,
             coalesce(trim(experience_level), '') AS experience_level,
             coalesce(trim(company_location), '') AS company_location
      FROM read_csv('${path}', header = true, all_varchar = true, nullstr = '');
    CREATE OR REPLACE TABLE answers AS
      SELECT * REPLACE (CAST(year_number AS INTEGER) AS year_number) FROM raw
      WHERE year_number IS NOT NULL AND year_number = floor(year_number) AND salary_in_usd IS NOT NULL;
  `);
}

const files = ['DataScience_salaries_2024.csv', 'ds_salaries.csv', 'ds_salaries_2023.csv'] as const;

describe('salaries golden (real survey releases vs DuckDB)', () => {
  for (const file of files) {
    it(file, async () => {
      await withReplay(salariesTopology, DATA, { files: { salaries: file } }, async (run) => {
        await loadAnswers(file);
        // Years are out of order within a release; the topology's 10-year out-of-orderness must exceed the
        // largest lag behind the latest year seen so far, so that nothing is late.
        expect(await golden.db.maxDisorder('answers', 'year_number')).toBeLessThan(10);
        expect(run.result.late).toBe(0);

        const [counts] = await golden.db.rows(`SELECT (SELECT count(*) FROM raw) AS total, (SELECT count(*) FROM raw) - (SELECT count(*) FROM answers) AS bad`);
        expect(run.result.recordsIn).toBe(Number(counts!['total']));
        await expectOnlyParseErrors(golden.db, run, Number(counts!['bad']));

        const expectedByTitle = await golden.db.rows(`
          SELECT year_number AS work_year, job_title, experience_level, count(*) AS count,
                 avg(salary_in_usd) AS avg_salary_usd, min(salary_in_usd) AS min_salary_usd, max(salary_in_usd) AS max_salary_usd
          FROM answers GROUP BY ALL`);
        const expectedByCountry = await golden.db.rows(`
          SELECT year_number AS work_year, company_location, count(*) AS count, avg(salary_in_usd) AS avg_salary_usd
          FROM answers GROUP BY ALL`);
        const byTitle = await golden.db.outputTable(run.dir, salariesByTitleYearTable);
        const byCountry = await golden.db.outputTable(run.dir, salariesByCountryYearTable);
        expect(diffTables(salariesByTitleYearTable, byTitle, expectedByTitle)).toEqual([]);
        expect(diffTables(salariesByCountryYearTable, byCountry, expectedByCountry)).toEqual([]);
        expect(byTitle.length).toBeGreaterThan(0);
        console.log(`salaries ${file}: salaries_by_title_year ${byTitle.length}, salaries_by_country_year ${byCountry.length}, dead letters ${String(counts!['bad'])}`);
      });
    });
  }

  it('reads DataScience_salaries_2024.csv by default', () => {
    expect(salariesTopology.inputs.map((input) => input.defaultFile)).toEqual(['DataScience_salaries_2024.csv']);
  });
});

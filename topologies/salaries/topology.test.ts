import { describe, expect, it } from 'vitest';
import type { Row } from '../../engine/index.js';
import { RecordFactory } from '../../test/harness/record-factory.js';
import { TopologyTestDriver } from '../../test/harness/topology-test-driver.js';
import { salariesTopology } from './topology.js';

function answer(f: RecordFactory, year: number | null, title: string | null, level: string, location: string, usd: number | null) {
  // As the file source gives it: typed year and salary, other fields strings, no event-time column (0).
  return f.record<Row>({ _index: '0', work_year: year, experience_level: level, job_title: title, salary_in_usd: usd, company_location: location }, 0);
}

describe('salaries topology', () => {
  it('aggregates per work_year with duplicates kept, trimmed keys and an empty job title as an empty key', () => {
    const f = new RecordFactory('ds_salaries.csv');
    const driver = new TopologyTestDriver(salariesTopology);
    driver.feed('salaries', [
      answer(f, 2021, 'Data Scientist', 'MI', 'US', 100),
      answer(f, 2020, 'Data Scientist', 'MI', 'US', 50), // an earlier year after a later one
      answer(f, 2021, ' Data Scientist ', 'MI', 'US ', 100), // duplicate once trimmed
      answer(f, 2021, 'Data Scientist', 'SE', 'DE', 300),
      answer(f, 2021, null, 'EN', 'DE', 10),
    ]);
    expect(driver.records).toHaveLength(0); // years stay open until the end of the input
    driver.complete();
    expect(driver.late).toHaveLength(0);
    const byTitle = driver.tableState('salaries_by_title_year');
    expect(byTitle).toHaveLength(4);
    expect(byTitle).toContainEqual({ work_year: 2021, job_title: 'Data Scientist', experience_level: 'MI', count: 2, avg_salary_usd: 100, min_salary_usd: 100, max_salary_usd: 100 });
    expect(byTitle).toContainEqual({ work_year: 2020, job_title: 'Data Scientist', experience_level: 'MI', count: 1, avg_salary_usd: 50, min_salary_usd: 50, max_salary_usd: 50 });
    expect(byTitle).toContainEqual({ work_year: 2021, job_title: '', experience_level: 'EN', count: 1, avg_salary_usd: 10, min_salary_usd: 10, max_salary_usd: 10 });
    const byCountry = driver.tableState('salaries_by_country_year');
    expect(byCountry).toHaveLength(3);
    expect(byCountry).toContainEqual({ work_year: 2021, company_location: 'US', count: 2, avg_salary_usd: 100 });
    expect(byCountry).toContainEqual({ work_year: 2021, company_location: 'DE', count: 2, avg_salary_usd: 155 });
    expect(byCountry).toContainEqual({ work_year: 2020, company_location: 'US', count: 1, avg_salary_usd: 50 });
  });

  it('gives min, max and a fractional mean', () => {
    const f = new RecordFactory('s.csv');
    const driver = new TopologyTestDriver(salariesTopology);
    driver.feed('salaries', [answer(f, 2023, 'ML Engineer', 'SE', 'US', 1), answer(f, 2023, 'ML Engineer', 'SE', 'US', 2), answer(f, 2023, 'ML Engineer', 'SE', 'US', 4)]);
    driver.complete();
    expect(driver.tableState('salaries_by_title_year')).toEqual([
      { work_year: 2023, job_title: 'ML Engineer', experience_level: 'SE', count: 3, avg_salary_usd: 7 / 3, min_salary_usd: 1, max_salary_usd: 4 },
    ]);
  });

  it('dead-letters a row without a year or a salary, naming the field and line', () => {
    const f = new RecordFactory('s.csv');
    const driver = new TopologyTestDriver(salariesTopology);
    driver.feed('salaries', [answer(f, null, 'A', 'EN', 'US', 1), answer(f, 2022, 'A', 'EN', 'US', null), answer(f, 2022, 'A', 'EN', 'US', 5)]);
    driver.complete();
    expect(driver.deadLetters.map((d) => [d.reason, d.field, d.position.offset])).toEqual([
      ['parse_error', 'work_year', 1],
      ['parse_error', 'salary_in_usd', 2],
    ]);
    expect(driver.tableState('salaries_by_country_year')).toEqual([{ work_year: 2022, company_location: 'US', count: 1, avg_salary_usd: 5 }]);
  });

  it('keys are case-sensitive', () => {
    const f = new RecordFactory('s.csv');
    const driver = new TopologyTestDriver(salariesTopology);
    driver.feed('salaries', [answer(f, 2022, 'data scientist', 'EN', 'us', 1), answer(f, 2022, 'Data Scientist', 'EN', 'US', 3)]);
    driver.complete();
    expect(driver.tableState('salaries_by_title_year')).toHaveLength(2);
    expect(driver.tableState('salaries_by_country_year')).toHaveLength(2);
  });
});

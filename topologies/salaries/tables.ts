import type { TableSpec } from '../../engine/index.js';

/** Salary statistics per year, job title and experience level. */
export const salariesByTitleYearTable: TableSpec = {
  name: 'salaries_by_title_year',
  description: 'count and salary_in_usd statistics per work_year, job_title and experience_level',
  columns: [
    { name: 'work_year', type: 'integer' },
    { name: 'job_title', type: 'text' },
    { name: 'experience_level', type: 'text' },
    { name: 'count', type: 'integer' },
    { name: 'avg_salary_usd', type: 'numeric' },
    { name: 'min_salary_usd', type: 'numeric' },
    { name: 'max_salary_usd', type: 'numeric' },
  ],
  key: ['work_year', 'job_title', 'experience_level'],
};

/** Salary count and mean per year and company location. */
export const salariesByCountryYearTable: TableSpec = {
  name: 'salaries_by_country_year',
  description: 'count and mean salary_in_usd per work_year and company_location',
  columns: [
    { name: 'work_year', type: 'integer' },
    { name: 'company_location', type: 'text' },
    { name: 'count', type: 'integer' },
    { name: 'avg_salary_usd', type: 'numeric' },
  ],
  key: ['work_year', 'company_location'],
};

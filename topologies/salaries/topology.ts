import {
  assignWatermarks,
  calendar,
  fanOut,
  keyBy,
  mapValues,
  parseRecords,
  streamInput,
  utcYear,
  windowAggregate,
  type TableRow,
  type Topology,
} from '../../engine/index.js';
import { salariesInput, toSalary, type Salary } from './salary-input.js';
import { salaryStatsAggregator } from './salary-stats.js';
import { salariesByCountryYearTable, salariesByTitleYearTable } from './tables.js';

const YEAR_MS = 366 * 86_400_000;

/**
 * A survey release mixes answers of several years in no order (the 2024 file starts with 2021 rows and
 * spans 2020–2024), so a year's window must stay open for the whole release. Ten years of
 * out-of-orderness is more than any release spans: yearly windows close at the end of the input, and no
 * row is late (the golden test checks that against the files' measured disorder).
 */
const MAX_OUT_OF_ORDERNESS_MS = 10 * YEAR_MS;

/**
 * `salaries`: per calendar year (event time = 1 January of `work_year`), salary statistics by job title
 * and experience level, and by company location. Every row counts, duplicates included.
 */
export const salariesTopology: Topology = {
  name: 'salaries',
  description: 'Data jobs salaries per year by job title and experience level, and by company location',
  inputs: [salariesInput],
  outputs: [salariesByTitleYearTable, salariesByCountryYearTable],
  options: [],
  graph: [
    { from: 'salaries', to: 'parse (event time = 1 Jan of work_year)' },
    { from: 'parse (event time = 1 Jan of work_year)', to: 'watermark (10 years out-of-order)' },
    { from: 'watermark (10 years out-of-order)', to: 'yearly window by job_title, experience_level' },
    { from: 'watermark (10 years out-of-order)', to: 'yearly window by company_location' },
    { from: 'yearly window by job_title, experience_level', to: 'salaries_by_title_year' },
    { from: 'yearly window by company_location', to: 'salaries_by_country_year' },
  ],
  build(inputs, ctx) {
    return streamInput(inputs, 'salaries', ctx).pipe(
      parseRecords(ctx, toSalary),
      assignWatermarks(ctx, { name: 'salaries-watermark', maxOutOfOrdernessMs: MAX_OUT_OF_ORDERNESS_MS }),
      fanOut<Salary, TableRow>(
        (shared) =>
          shared.pipe(
            keyBy((s) => JSON.stringify([s.jobTitle, s.experienceLevel])),
            windowAggregate(ctx, { name: 'by-title-year', assigner: calendar('year'), aggregator: salaryStatsAggregator }),
            mapValues(({ key, window, result }) => {
              const [jobTitle, experienceLevel] = JSON.parse(key) as [string, string];
              return {
                table: salariesByTitleYearTable.name,
                row: {
                  work_year: utcYear(window.start),
                  job_title: jobTitle,
                  experience_level: experienceLevel,
                  count: result.count,
                  avg_salary_usd: result.sum / result.count,
                  min_salary_usd: result.min,
                  max_salary_usd: result.max,
                },
              };
            }),
          ),
        (shared) =>
          shared.pipe(
            keyBy((s) => s.companyLocation),
            windowAggregate(ctx, { name: 'by-country-year', assigner: calendar('year'), aggregator: salaryStatsAggregator }),
            mapValues(({ key, window, result }) => ({
              table: salariesByCountryYearTable.name,
              row: { work_year: utcYear(window.start), company_location: key, count: result.count, avg_salary_usd: result.sum / result.count },
            })),
          ),
      ),
    );
  },
};

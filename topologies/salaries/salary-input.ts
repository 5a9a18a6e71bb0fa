import { optionalText, RecordError, yearStart, type InputSpec, type Row, type StreamRecord } from '../../engine/index.js';

/** One survey answer, keys trimmed, event time = 1 January of `work_year` (UTC). */
export interface Salary {
  readonly workYear: number;
  readonly jobTitle: string;
  readonly experienceLevel: string;
  readonly companyLocation: string;
  readonly salaryUsd: number;
}

/**
 * The `salaries` input: any release of the data jobs salaries survey (ds_salaries.csv with its unnamed
 * pandas index column, ds_salaries_2023.csv, DataScience_salaries_2024.csv); they share the columns used
 * here. `work_year` and `salary_in_usd` are required, so a row missing either is a `parse_error`.
 */
export const salariesInput: InputSpec = {
  name: 'salaries',
  kind: 'stream',
  description: 'data jobs salaries survey rows (any of the 2022, 2023 and 2024 releases)',
  defaultFile: 'DataScience_salaries_2024.csv',
  readOptions: () => ({
    fields: [
      { name: 'work_year', type: 'integer', required: true },
      { name: 'salary_in_usd', type: 'number', required: true },
      { name: 'job_title', type: 'string' },
      { name: 'experience_level', type: 'string' },
      { name: 'company_location', type: 'string' },
    ],
    trim: true,
  }),
};

/**
 * Types a row and gives it its event time (the source has no timestamp column to take it from).
 * An empty text key is the empty string, not an error. Throws `RecordError` for a missing year or salary
 * (a source that did not enforce `required`, e.g. a topic).
 */
export function toSalary(record: StreamRecord<Row>): StreamRecord<Salary> {
  const row = record.value;
  const year = row['work_year'];
  if (typeof year !== 'number' || !Number.isSafeInteger(year)) throw new RecordError('parse_error', record.position, `not an integer: ${String(year)}`, 'work_year');
  const salary = row['salary_in_usd'];
  if (typeof salary !== 'number' || !Number.isFinite(salary)) throw new RecordError('parse_error', record.position, `not a number: ${String(salary)}`, 'salary_in_usd');
  return {
    ...record,
    eventTime: yearStart(year),
    value: {
      workYear: year,
      jobTitle: optionalText(row, 'job_title') ?? '',
      experienceLevel: optionalText(row, 'experience_level') ?? '',
      companyLocation: optionalText(row, 'company_location') ?? '',
      salaryUsd: salary,
    },
  };
}

import { join } from 'node:path';
import { CsvWriter } from './csv-writer.js';
import { Prng } from './prng.js';

export interface SalaryOptions {
  readonly dir: string;
  readonly seed: number;
  readonly rows: number;
}

const LEVELS = ['SE', 'SE', 'SE', 'SE', 'SE', 'MI', 'MI', 'EN', 'EX'] as const;
const LEVEL_PAY: Readonly<Record<string, number>> = { EN: 90_000, MI: 130_000, SE: 165_000, EX: 200_000 };
const TITLES = ['Data Engineer', 'Data Scientist', 'Data Analyst', 'Machine Learning Engineer', 'Research Scientist', 'Analytics Engineer', 'Applied Scientist', 'Data Architect'];
/** Currency, country, rate to USD (local units per USD); USD dominates like the real file. */
const PLACES: readonly [string, string, number][] = [
  ['USD', 'US', 1], ['USD', 'US', 1], ['USD', 'US', 1], ['USD', 'US', 1], ['USD', 'US', 1], ['USD', 'US', 1],
  ['USD', 'CA', 1], ['GBP', 'GB', 0.81], ['EUR', 'DE', 0.92], ['EUR', 'ES', 0.92], ['INR', 'IN', 83], ['CAD', 'CA', 1.35], ['AUD', 'AU', 1.5],
];

/**
 * Data-science salaries with DataScience_salaries_2024.csv's columns (CRLF, like the real file; a
 * few rows keep trailing spaces after company_size, and some rows repeat exactly).
 */
export async function generateSalaries(options: SalaryOptions): Promise<string> {
  const rng = new Prng(options.seed);
  const path = join(options.dir, 'DataScience_salaries_2024.csv');
  const writer = await CsvWriter.create(
    path,
    ['work_year', 'experience_level', 'employment_type', 'job_title', 'salary', 'salary_currency', 'salary_in_usd', 'employee_residence', 'remote_ratio', 'company_location', 'company_size'],
    { eol: '\r\n' },
  );
  let previous: (string | number)[] | undefined;
  for (let i = 0; i < options.rows; i++) {
    if (previous !== undefined && rng.chance(0.3)) {
      writer.row(previous);
    } else {
      const level = rng.pick(LEVELS);
      const [currency, country, rate] = rng.pick(PLACES);
      const usd = Math.round(LEVEL_PAY[level]! * (0.6 + rng.next() * 0.8) / 100) * 100;
      const size = rng.pick(['M', 'M', 'M', 'M', 'L', 'S']);
      const values = [
        rng.pick([2020, 2021, 2022, 2023, 2023, 2024, 2024, 2024]), level, rng.pick(['FT', 'FT', 'FT', 'FT', 'PT', 'CT', 'FL']), rng.pick(TITLES),
        Math.round(usd * rate), currency, usd, country, rng.pick([0, 0, 100, 50]), country,
        rng.chance(0.002) ? `${size}     ` : size,
      ];
      writer.row(values);
      previous = values;
    }
    if (writer.full) await writer.flush();
  }
  await writer.close();
  return path;
}

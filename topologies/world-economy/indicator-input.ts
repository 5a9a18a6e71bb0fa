import { optionalText, RecordError, yearStart, type InputSpec, type Row, type StreamRecord } from '../../engine/index.js';

/** The WorldBank.csv columns this topology reads (quoted headers with commas, kept verbatim). */
export const WORLD_BANK_COLUMNS = {
  country: 'Country Name',
  code: 'Country Code',
  region: 'Region',
  year: 'Year',
  gdp: 'GDP (USD)',
  gdpPerCapita: 'GDP per capita (USD)',
  unemployment: 'Unemployment (% of total labor force) (modeled ILO estimate)',
  lifeExpectancy: 'Life expectancy at birth (years)',
} as const;

/** One country-year of World Bank indicators; null = no value. Event time = 1 January of `year` (UTC). */
export interface CountryYear {
  readonly countryCode: string;
  readonly country: string;
  readonly region: string;
  readonly year: number;
  readonly gdp: number | null;
  readonly gdpPerCapita: number | null;
  readonly unemployment: number | null;
  readonly lifeExpectancy: number | null;
}

const C = WORLD_BANK_COLUMNS;

/**
 * The `world_bank` input: WorldBank.csv (UTF-8 BOM, CRLF, one row per country and year, years descending
 * within each country, numbers partly in `1.81E+11` notation). Year and country code are required, so a
 * row without them is a `parse_error`; an indicator that is not a number is one too.
 */
export const worldBankInput: InputSpec = {
  name: 'world_bank',
  kind: 'stream',
  description: 'World Bank indicators, one row per country and year (WorldBank.csv)',
  defaultFile: 'WorldBank.csv',
  readOptions: () => ({
    fields: [
      { name: C.year, type: 'integer', required: true },
      { name: C.code, type: 'string', required: true },
      { name: C.country, type: 'string' },
      { name: C.region, type: 'string' },
      { name: C.gdp, type: 'number' },
      { name: C.gdpPerCapita, type: 'number' },
      { name: C.unemployment, type: 'number' },
      { name: C.lifeExpectancy, type: 'number' },
    ],
    trim: true,
  }),
};

function optionalNumber(record: StreamRecord<Row>, field: string): number | null {
  const value = record.value[field];
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new RecordError('parse_error', record.position, `not a number: ${String(value)}`, field);
  return value;
}

/** Types a row and sets its event time; throws `RecordError` (dead-lettered) for a missing year or code. */
export function toCountryYear(record: StreamRecord<Row>): StreamRecord<CountryYear> {
  const row = record.value;
  const year = row[C.year];
  if (typeof year !== 'number' || !Number.isSafeInteger(year)) throw new RecordError('parse_error', record.position, `not an integer: ${String(year)}`, C.year);
  const countryCode = optionalText(row, C.code) ?? '';
  if (countryCode === '') throw new RecordError('parse_error', record.position, 'missing value', C.code);
  return {
    ...record,
    eventTime: yearStart(year),
    key: countryCode,
    value: {
      countryCode,
      country: optionalText(row, C.country) ?? '',
      region: optionalText(row, C.region) ?? '',
      year,
      gdp: optionalNumber(record, C.gdp),
      gdpPerCapita: optionalNumber(record, C.gdpPerCapita),
      unemployment: optionalNumber(record, C.unemployment),
      lifeExpectancy: optionalNumber(record, C.lifeExpectancy),
    },
  };
}

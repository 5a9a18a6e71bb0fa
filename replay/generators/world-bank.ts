import { join } from 'node:path';
import { CsvWriter, type CsvValue } from './csv-writer.js';
import { Prng } from './prng.js';

export interface WorldBankOptions {
  readonly dir: string;
  readonly seed: number;
  /** Number of countries; each gets one row per year (default 40). */
  readonly countries?: number;
  /** Years, newest first in the file (default 1960–2018, like the real one). */
  readonly firstYear?: number;
  readonly lastYear?: number;
}

/** WorldBank.csv's exact header (quoted names with commas included). */
export const WORLD_BANK_COLUMNS: readonly string[] = [
  'Country Name', 'Country Code', 'Region', 'IncomeGroup', 'Year',
  'Birth rate, crude (per 1,000 people)', 'Death rate, crude (per 1,000 people)', 'Electric power consumption (kWh per capita)',
  'GDP (USD)', 'GDP per capita (USD)', 'Individuals using the Internet (% of population)', 'Infant mortality rate (per 1,000 live births)',
  'Life expectancy at birth (years)', 'Population density (people per sq. km of land area)', 'Unemployment (% of total labor force) (modeled ILO estimate)',
];

const REGIONS = ['East Asia & Pacific', 'Europe & Central Asia', 'Latin America & Caribbean', 'Middle East & North Africa', 'North America', 'South Asia', 'Sub-Saharan Africa'];
const INCOME = ['Low income', 'Lower middle income', 'Upper middle income', 'High income: OECD', 'High income: nonOECD'];
const SYLLABLES = ['ka', 'ro', 'li', 'ma', 'ne', 'su', 'ta', 'vi', 'do', 'ra', 'mo', 'zu', 'ben', 'gar', 'tor', 'lan'];

/** Text of a number with at most `digits` decimals and no trailing zeros (`12.5`, `7`). */
function decimal(value: number, digits: number): string {
  return String(Number(value.toFixed(digits)));
}

/** GDP the way the real file mixes it: some plain integers, some `1.81E+11` (3 significant digits). */
function gdpText(value: number, rng: Prng): string {
  if (rng.chance(0.3)) {
    // A loop, not Math.log10, so the text is the same under every JavaScript engine.
    let mantissa = value;
    let exponent = 0;
    while (mantissa >= 10) {
      mantissa /= 10;
      exponent++;
    }
    return `${mantissa.toFixed(2)}E+${String(exponent).padStart(2, '0')}`;
  }
  return String(Math.round(value / 1e5) * 1e5);
}

/**
 * Country × year indicators with WorldBank.csv's columns and quirks: UTF-8 BOM, CRLF, quoted
 * header names with commas, a country name with a comma ("Bahamas, The" style), years descending
 * per country, many empty cells (older years especially), GDP partly in `1.81E+11` notation.
 */
export async function generateWorldBank(options: WorldBankOptions): Promise<string> {
  const rng = new Prng(options.seed);
  const path = join(options.dir, 'WorldBank.csv');
  const writer = await CsvWriter.create(path, WORLD_BANK_COLUMNS, { bom: true, eol: '\r\n' });
  const first = options.firstYear ?? 1960;
  const last = options.lastYear ?? 2018;
  const count = options.countries ?? 40;
  const codes = new Set<string>();
  for (let c = 0; c < count; c++) {
    let name = '';
    for (let s = rng.int(2, 3); s > 0; s--) name += rng.pick(SYLLABLES);
    name = name[0]!.toUpperCase() + name.slice(1);
    if (c % 7 === 3) name = `${name}, The`;
    let code = name.replace(/[^a-z]/gi, '').slice(0, 3).toUpperCase().padEnd(3, 'X');
    while (codes.has(code)) code = `${code.slice(0, 2)}${String.fromCharCode(65 + rng.int(0, 25))}`;
    codes.add(code);
    const region = rng.pick(REGIONS);
    const income = rng.pick(INCOME);
    const rich = INCOME.indexOf(income) / 4;
    const population = 1e6 * (1 + rng.next() * 80);
    const density = 5 + rng.next() * 400;
    for (let year = last; year >= first; year--) {
      const t = (year - first) / Math.max(1, last - first);
      const old = year < 1990;
      const perCapita = (300 + rich * 40_000) * (0.25 + 0.75 * t) * (1 + 0.05 * rng.normal());
      const values: CsvValue[] = [
        name, code, region, income, year,
        rng.chance(old ? 0.1 : 0.05) ? null : decimal(45 - 30 * rich - 10 * t + rng.normal(), 3),
        rng.chance(old ? 0.1 : 0.05) ? null : decimal(20 - 12 * t + rng.normal() / 2, 3),
        old || rng.chance(0.3) ? null : decimal(200 + rich * 12_000 * t, 2),
        rng.chance(old ? 0.4 : 0.05) ? null : gdpText(perCapita * population, rng),
        rng.chance(old ? 0.4 : 0.05) ? null : decimal(perCapita, 3),
        year < 1991 || rng.chance(0.2) ? null : decimal(Math.min(99, 95 * t * t * (0.3 + rich)), 5),
        rng.chance(old ? 0.3 : 0.05) ? null : decimal(Math.max(2, 160 - 150 * t * (0.4 + rich)), 1),
        rng.chance(0.05) ? null : decimal(45 + 25 * t + 10 * rich, 3),
        year === last && rng.chance(0.5) ? null : decimal(density * (0.5 + 0.5 * t), 4),
        year < 1991 ? null : decimal(3 + 10 * rng.next(), 3),
      ];
      writer.row(values);
      if (writer.full) await writer.flush();
    }
  }
  await writer.close();
  return path;
}

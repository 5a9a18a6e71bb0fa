// Seeded, deterministic generators of data in the shape of each real dataset (same file names and
// columns), so a topology reads a generated folder exactly like the real one.
export { generateTicks, type TickOptions } from './ticks.js';
export { generateDailyBars, type DailyBarOptions } from './daily-bars.js';
export { generateNorthwind, type NorthwindOptions } from './northwind.js';
export { generateModelCars, type ModelCarsOptions } from './model-cars.js';
export { generateSalaries, type SalaryOptions } from './salaries.js';
export { generateWorldBank, WORLD_BANK_COLUMNS, type WorldBankOptions } from './world-bank.js';
export { generateCrm, type CrmOptions } from './crm.js';
export { Prng } from './prng.js';
export { CsvWriter, writeCsv, type CsvFileStyle, type CsvValue } from './csv-writer.js';

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetter, ReadOptions, Row, StreamRecord } from '../engine/index.js';
import {
  generateCrm,
  generateDailyBars,
  generateModelCars,
  generateNorthwind,
  generateSalaries,
  generateWorldBank,
  openRecordReader,
  readFirstLines,
} from '../replay/index.js';
import { CsvParser } from '../replay/formats/csv/csv-parser.js';
import { duckdbRows } from './harness/duckdb-query.js';

// Every real CSV in ../shared/data goes through the replay CSV reader: row counts must match the
// README's table, and each file's documented oddity must come out as stated.
const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = resolve(process.env.CLOUDPULSE_DATA_DIR ?? join(projectRoot, '..', 'shared', 'data'));

function requireData(): void {
  if (!existsSync(join(dataDir, 'README.md'))) {
    throw new Error(`real dataset folder ${dataDir} is missing (or has no README.md): this test reads every CSV there; provide ../shared/data or set CLOUDPULSE_DATA_DIR`);
  }
}

/** The files that need options to be read as their README describes. */
function readOptionsFor(file: string): ReadOptions {
  if (file === 'world_indicators_data_dictionary.csv') return { encoding: 'windows-1252' };
  if (file === 'NVDA_5min.csv') return { headerLine: 1, skipLines: [2, 3], fields: [{ name: 'Price', type: 'timestamp' }, { name: 'Close', type: 'number' }, { name: 'Volume', type: 'integer' }], eventTime: 'Price' };
  if (file === 'NVDA.csv') return { fields: [{ name: 'Date', type: 'date' }, { name: 'Close', type: 'number' }, { name: 'Volume', type: 'integer' }], eventTime: 'Date' };
  if (file === 'WorldBank.csv') return { fields: [{ name: 'Year', type: 'integer' }, { name: 'GDP (USD)', type: 'number' }, { name: 'GDP per capita (USD)', type: 'number' }] };
  return {};
}

async function readCsv(path: string, read: ReadOptions = readOptionsFor(basename(path))): Promise<{ records: StreamRecord<Row>[]; letters: DeadLetter[] }> {
  const letters: DeadLetter[] = [];
  const reader = await openRecordReader(path, 'csv', { read, deadLetter: (l) => letters.push(l) });
  const records: StreamRecord<Row>[] = [];
  for (;;) {
    const batch = await reader.next(1000);
    records.push(...batch.records);
    if (batch.last) break;
  }
  return { records, letters };
}

/** `dataset/file.csv` → data rows, from the README table's "files (data rows)" column. */
function readmeCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(join(dataDir, 'README.md'), 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const dataset = cells[1];
    const files = cells[2];
    if (dataset === undefined || files === undefined || dataset === 'dataset' || dataset.startsWith('---')) continue;
    for (const match of files.matchAll(/([A-Za-z0-9_]+) \((\d+)/g)) counts.set(`${dataset}/${match[1]}.csv`, Number(match[2]));
  }
  return counts;
}

function allCsvFiles(): string[] {
  return readdirSync(dataDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(dataDir, d.name)).filter((f) => f.endsWith('.csv')).map((f) => `${d.name}/${f}`))
    .sort();
}

describe('real data files', () => {
  it('finds the real data folder', () => {
    requireData();
    expect(allCsvFiles().length).toBeGreaterThanOrEqual(36);
  });

  it('reads every CSV with the README row count and no dead letter', async () => {
    requireData();
    const counts = readmeCounts();
    // The README gives counts for 30 files; territories, region, employee_territories, us_states and the
    // two header-only Northwind tables have none, so DuckDB counts those independently below.
    expect(counts.size).toBeGreaterThanOrEqual(30);
    const problems: string[] = [];
    for (const file of allCsvFiles()) {
      const { records, letters } = await readCsv(join(dataDir, file));
      if (letters.length > 0) problems.push(`${file}: ${letters.length} dead letters, first ${JSON.stringify(letters[0])}`);
      let expected = counts.get(file);
      if (expected === undefined) {
        const [row] = await duckdbRows(`SELECT count(*)::INTEGER AS n FROM read_csv('${join(dataDir, file).replaceAll("'", "''")}', header = true, all_varchar = true)`);
        expected = Number(row!.n);
      }
      if (records.length !== expected) problems.push(`${file}: read ${records.length} rows, expected ${expected}`);
    }
    expect(problems).toEqual([]);
  });

  it('gives the same rows on the fast path and the general path for every file', async () => {
    requireData();
    for (const file of allCsvFiles()) {
      const bytes = readFileSync(join(dataDir, file));
      const read = readOptionsFor(basename(file));
      const results = [true, false].map((fastPath) => {
        const letters: DeadLetter[] = [];
        const parser = new CsvParser({ name: basename(file), read, deadLetter: (l) => letters.push(l), fastPath });
        const records: StreamRecord<Row>[] = [];
        const start = bytes[0] === 0xef && read.encoding === undefined ? 3 : 0;
        parser.parse(bytes, start, bytes.length, true, records, Number.MAX_SAFE_INTEGER);
        return { records, letters };
      });
      expect(results[0], file).toEqual(results[1]);
    }
  });

  it('drops the UTF-8 BOM from WorldBank.csv, reads its quoted headers and 1.81E+11-style numbers as numbers', async () => {
    requireData();
    const path = join(dataDir, 'world-economic-indicators', 'WorldBank.csv');
    const { records } = await readCsv(path);
    const columns = Object.keys(records[0]!.value);
    expect(columns[0]).toBe('Country Name');
    expect(columns).toContain('Birth rate, crude (per 1,000 people)');
    // Independently: every physical line holding an E+ GDP value, and what Number() makes of it.
    const lines = readFileSync(path, 'utf8').split('\r\n');
    const scientific = lines.map((text, i) => ({ line: i + 1, gdp: text.match(/^(?:"[^"]*"|[^,]*)(?:,[^,]*){7},([0-9.]+E\+[0-9]+),/)?.[1] })).filter((x) => x.gdp !== undefined);
    expect(scientific.length).toBeGreaterThan(1000);
    const byLine = new Map(records.map((r) => [r.position.offset, r.value]));
    for (const { line, gdp } of scientific) expect(byLine.get(line)?.['GDP (USD)']).toBe(Number(gdp));
    expect(byLine.get(120)).toMatchObject({ 'Country Name': 'Algeria', Year: 2018, 'GDP (USD)': 181_000_000_000 });
    expect(records.filter((r) => r.value['Country Name'] === 'Bahamas, The')).toHaveLength(59);
  });

  it('names ds_salaries.csv’s empty first header `_index`', async () => {
    requireData();
    const { records } = await readCsv(join(dataDir, 'data-jobs-salaries', 'ds_salaries.csv'));
    expect(Object.keys(records[0]!.value).slice(0, 2)).toEqual(['_index', 'work_year']);
    expect(records.map((r) => r.value._index)).toEqual(records.map((_, i) => String(i)));
  });

  it('trims the trailing spaces on two rows of DataScience_salaries_2024.csv', async () => {
    requireData();
    const path = join(dataDir, 'data-jobs-salaries', 'DataScience_salaries_2024.csv');
    const raw = readFileSync(path, 'utf8').split('\r\n');
    const padded = raw.map((text, i) => ({ line: i + 1, text })).filter(({ text }) => / +$/.test(text));
    expect(padded.map((p) => p.line)).toEqual([2, 14279]);
    const trimmed = new Map((await readCsv(path)).records.map((r) => [r.position.offset, r.value.company_size]));
    const untrimmed = new Map((await readCsv(path, { trim: false })).records.map((r) => [r.position.offset, r.value.company_size]));
    for (const { line, text } of padded) {
      expect(untrimmed.get(line)).toBe(text.split(',').at(-1));
      expect(trimmed.get(line)).toBe(text.split(',').at(-1)!.trim());
    }
    expect(trimmed.get(2)).toBe('L');
  });

  it('reads model-cars products.csv records whose quoted descriptions span lines', async () => {
    requireData();
    const { records } = await readCsv(join(dataDir, 'model-cars', 'products.csv'));
    const multiLine = records.filter((r) => String(r.value.productDescription).includes('\n'));
    expect(multiLine.length).toBeGreaterThan(0);
    expect(records).toHaveLength(100);
    // Lines are physical: the file has more lines than records, and the last record starts past line 101.
    expect(records.at(-1)!.position.offset).toBeGreaterThan(101);
    expect(records.every((r) => /^S\d+_\d+$/.test(String(r.value.productCode)))).toBe(true);
  });

  it('decodes the Windows-1252 data dictionary byte for byte as Windows-1252', async () => {
    requireData();
    const path = join(dataDir, 'world-economic-indicators', 'world_indicators_data_dictionary.csv');
    const bytes = readFileSync(path);
    expect(bytes.includes(0xd0)).toBe(true);
    const { records } = await readCsv(path);
    const all = records.flatMap((r) => Object.values(r.value).map(String));
    expect(all.some((v) => v.includes('\ufffd'))).toBe(false);
    // 0xD0 is Ð (U+00D0) in Windows-1252 (the source almost certainly meant a Mac Roman en dash).
    const phdi = records.find((r) => r.value.Field === 'phdi_xxxx');
    expect(phdi?.value.Description).toBe('Planetary pressures\u00d0adjusted Human Development Index (value) in year xxxx');
    expect(phdi?.value.Description).toBe(iconv.decode(bytes, 'win1252').split('\r\n').find((l) => l.startsWith('hdi,phdi_xxxx,'))!.slice('hdi,phdi_xxxx,'.length));
  });

  it('reads NVDA.csv’s last row, which has no final newline', async () => {
    requireData();
    const path = join(dataDir, 'nvidia-stock', 'NVDA.csv');
    expect(readFileSync(path).at(-1)).not.toBe(0x0a);
    const { records } = await readCsv(path);
    expect(records.at(-1)!.value).toMatchObject({ Date: '2024-07-05', Close: 127.136002, Volume: 69_324_363 });
    expect(records.at(-1)!.eventTime).toBe(Date.UTC(2024, 6, 5));
    expect(records[0]!.value).toMatchObject({ Date: '1999-01-22', Volume: 2_714_688_000 });
  });

  it('reads NVDA_5min.csv’s 3-line header, its first column being the UTC bar time', async () => {
    requireData();
    const path = join(dataDir, 'nvidia-stock', 'NVDA_5min.csv');
    expect(await readFirstLines(path, 3)).toEqual(['Price,Close,High,Low,Open,Volume', 'Ticker,NVDA,NVDA,NVDA,NVDA,NVDA', 'Datetime,,,,,']);
    const { records } = await readCsv(path);
    expect(records).toHaveLength(546);
    expect(records[0]!.position.offset).toBe(4);
    expect(records[0]!.eventTime).toBe(Date.UTC(2025, 5, 11, 13, 30));
    expect(records[0]!.value.Close).toBe(144.02499389648438);
    const times = records.map((r) => r.eventTime);
    expect(times.every((t, i) => i === 0 || t > times[i - 1]!)).toBe(true);
  });
});

describe('generated data has the real files’ names and headers', () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'cloudpulse-generated-'));
  });
  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it('matches every generated file’s header to the real file of the same name', async () => {
    requireData();
    const datasets: Record<string, (dir: string) => Promise<unknown>> = {
      'nvidia-stock': (dir) => generateDailyBars({ dir, seed: 5, rows: 10 }),
      'data-jobs-salaries': (dir) => generateSalaries({ dir, seed: 5, rows: 10 }),
      'world-economic-indicators': (dir) => generateWorldBank({ dir, seed: 5, countries: 2 }),
      northwind: (dir) => generateNorthwind({ dir, seed: 5, scale: 0.1 }),
      'model-cars': (dir) => generateModelCars({ dir, seed: 5, scale: 0.1 }),
      'crm-sales-opportunities': (dir) => generateCrm({ dir, seed: 5, rows: 10 }),
    };
    const compared: string[] = [];
    for (const [dataset, generate] of Object.entries(datasets)) {
      const dir = join(out, dataset);
      await mkdir(dir);
      await generate(dir);
      for (const file of readdirSync(dir)) {
        const real = join(dataDir, dataset, file);
        expect(existsSync(real), `${dataset}/${file} has no real counterpart`).toBe(true);
        expect(await readFirstLines(join(dir, file), 1), `${dataset}/${file}`).toEqual(await readFirstLines(real, 1));
        compared.push(`${dataset}/${file}`);
      }
    }
    expect(compared).toHaveLength(17);
  });
});

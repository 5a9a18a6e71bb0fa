import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetter, ReadOptions, Row, StreamRecord } from '../../engine/index.js';
import { openCsvReader } from '../formats/csv/csv-reader.js';
import { generateCrm, generateDailyBars, generateModelCars, generateNorthwind, generateSalaries, generateTicks, generateWorldBank, Prng } from './index.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cloudpulse-generators-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Runs every generator into a fresh folder and returns file name → sha256. */
async function generateAll(seed: number): Promise<Record<string, string>> {
  const dir = join(root, `seed-${seed}-${Math.floor(new Prng(seed).next() * 1e9)}-${(await readdir(root)).length}`);
  await mkdir(dir);
  await generateTicks({ dir, seed, rows: 3000, symbols: 5 });
  await generateDailyBars({ dir, seed, rows: 300 });
  await generateSalaries({ dir, seed, rows: 500 });
  await generateWorldBank({ dir, seed, countries: 5 });
  const northwind = join(dir, 'northwind');
  const modelCars = join(dir, 'model-cars');
  const crm = join(dir, 'crm');
  for (const d of [northwind, modelCars, crm]) await mkdir(d);
  await generateNorthwind({ dir: northwind, seed, scale: 0.5 });
  await generateModelCars({ dir: modelCars, seed, scale: 0.5 });
  await generateCrm({ dir: crm, seed, rows: 400 });
  const hashes: Record<string, string> = {};
  for (const d of [dir, northwind, modelCars, crm]) {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      if (entry.isFile()) hashes[`${d === dir ? '' : `${entry.parentPath.split('/').at(-1)}/`}${entry.name}`] = createHash('sha256').update(await readFile(join(d, entry.name))).digest('hex');
    }
  }
  return hashes;
}

async function readCsv(path: string, read: ReadOptions = {}): Promise<{ records: StreamRecord<Row>[]; letters: DeadLetter[] }> {
  const letters: DeadLetter[] = [];
  const reader = await openCsvReader(path, { read, deadLetter: (l) => letters.push(l) });
  const records: StreamRecord<Row>[] = [];
  for (;;) {
    const batch = await reader.next(1000);
    records.push(...batch.records);
    if (batch.last) break;
  }
  return { records, letters };
}

describe('generators', () => {
  it('write the same bytes for the same seed and different bytes for another seed', async () => {
    const a = await generateAll(42);
    const b = await generateAll(42);
    const c = await generateAll(43);
    expect(Object.keys(a).sort()).toEqual([
      'DataScience_salaries_2024.csv', 'NVDA.csv', 'WorldBank.csv',
      'crm/accounts.csv', 'crm/products.csv', 'crm/sales_pipeline.csv', 'crm/sales_teams.csv',
      'model-cars/customers.csv', 'model-cars/orderdetails.csv', 'model-cars/orders.csv', 'model-cars/payments.csv', 'model-cars/products.csv',
      'northwind/categories.csv', 'northwind/customers.csv', 'northwind/order_details.csv', 'northwind/orders.csv', 'northwind/products.csv',
      'ticks.csv',
    ]);
    expect(b).toEqual(a);
    expect(c['ticks.csv']).not.toBe(a['ticks.csv']);
    expect(c['crm/sales_pipeline.csv']).not.toBe(a['crm/sales_pipeline.csv']);
  });

  it('write files our reader parses without a dead letter, with the requested sizes and shapes', async () => {
    const dir = join(root, 'shape');
    await mkdir(dir);
    await generateTicks({ dir, seed: 1, rows: 2500, symbols: 3 });
    const ticks = await readCsv(join(dir, 'ticks.csv'), { fields: [{ name: 'ts', type: 'timestamp' }, { name: 'price', type: 'number' }, { name: 'volume', type: 'integer' }], eventTime: 'ts' });
    expect(ticks.letters).toEqual([]);
    expect(ticks.records).toHaveLength(2500);
    expect(new Set(ticks.records.map((r) => r.value.symbol))).toEqual(new Set(['NVDA', 'AAPL', 'MSFT']));
    const times = ticks.records.map((r) => r.eventTime);
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);

    await generateDailyBars({ dir, seed: 1, rows: 260 });
    const bars = await readCsv(join(dir, 'NVDA.csv'), { fields: [{ name: 'Date', type: 'date' }, { name: 'Close', type: 'number' }, { name: 'Volume', type: 'integer' }], eventTime: 'Date' });
    expect(bars.letters).toEqual([]);
    expect(bars.records).toHaveLength(260);
    expect(bars.records.every((r) => ![0, 6].includes(new Date(r.eventTime).getUTCDay()))).toBe(true);
    expect((await readFile(join(dir, 'NVDA.csv'), 'utf8')).endsWith('\n')).toBe(false);

    await generateWorldBank({ dir, seed: 1, countries: 3 });
    const worldBankBytes = await readFile(join(dir, 'WorldBank.csv'));
    expect([...worldBankBytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const worldBank = await readCsv(join(dir, 'WorldBank.csv'), { fields: [{ name: 'Year', type: 'integer' }, { name: 'GDP (USD)', type: 'number' }] });
    expect(worldBank.letters).toEqual([]);
    expect(worldBank.records).toHaveLength(3 * 59);
    expect(worldBank.records.slice(0, 3).map((r) => r.value.Year)).toEqual([2018, 2017, 2016]);
    expect(worldBankBytes.toString('utf8')).toMatch(/,\d\.\d\dE\+\d\d,/);

    await generateModelCars({ dir, seed: 1 });
    const products = await readCsv(join(dir, 'products.csv'));
    expect(products.letters).toEqual([]);
    expect(products.records.some((r) => String(r.value.productDescription).includes('\n'))).toBe(true);
    expect((await readFile(join(dir, 'orders.csv'), 'utf8')).includes('\r\n')).toBe(true);

    await generateCrm({ dir, seed: 1, rows: 1000 });
    const pipeline = await readCsv(join(dir, 'sales_pipeline.csv'), { fields: [{ name: 'close_value', type: 'number' }] });
    expect(pipeline.letters).toEqual([]);
    expect(pipeline.records).toHaveLength(1000);
    expect(pipeline.records.some((r) => r.value.product === 'GTXPro')).toBe(true);
    expect(pipeline.records.filter((r) => r.value.deal_stage === 'Lost').every((r) => r.value.close_value === 0)).toBe(true);
    expect(pipeline.records.filter((r) => r.value.deal_stage === 'Engaging').every((r) => r.value.close_value === null && r.value.close_date === null)).toBe(true);

    await generateSalaries({ dir, seed: 1, rows: 3000 });
    const salaries = await readCsv(join(dir, 'DataScience_salaries_2024.csv'), { fields: [{ name: 'salary_in_usd', type: 'integer' }] });
    expect(salaries.letters).toEqual([]);
    expect(salaries.records).toHaveLength(3000);

    await generateNorthwind({ dir, seed: 1, scale: 2 });
    expect((await readCsv(join(dir, 'orders.csv'))).records).toHaveLength(1660);
  });

  it('Prng is reproducible and uniform enough', () => {
    const a = new Prng(123);
    const b = new Prng(123);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(Array.from({ length: 1000 }, () => b.next())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    expect(new Prng(1).next()).not.toBe(new Prng(2).next());
  });
});

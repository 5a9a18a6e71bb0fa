// @services postgres
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { requireSharedData } from '../shared-data.js';
import { runCli } from './run-cli.js';

describe('cloudpulse replay --sink postgres://…', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase('cli');
  });
  afterAll(async () => {
    await db?.close();
  });

  it('writes the same rows as the file sink, and a second run resumes after the stored positions', async () => {
    const data = join(requireSharedData(), 'data-jobs-salaries');
    const out = await mkdtemp(join(tmpdir(), 'cp-cli-pg-'));
    const args = ['replay', 'salaries', '--data', data, '--out', out, '--no-progress', '--no-metrics', '--sink', 'file', `${db.url}?schema=public&pipeline=cli-salaries`];
    const first = await runCli(args);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);

    const tables = (await db.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'salaries%' ORDER BY 1")).map((r) => r.table_name);
    expect(tables.length).toBeGreaterThan(0);
    for (const table of tables) {
      const fileRows = (await readFile(join(out, `${table}.csv`), 'utf8')).trim().split('\n').length - 1;
      const [{ count }] = (await db.query<{ count: string }>(`SELECT count(*) FROM "${table}"`)) as [{ count: string }];
      expect({ table, rows: Number(count) }).toEqual({ table, rows: fileRows });
    }
    const stored = await db.query<{ pipeline: string }>('SELECT DISTINCT pipeline FROM cloudpulse_positions');
    expect(stored.map((r) => r.pipeline)).toEqual(['cli-salaries']);

    const again = await runCli(['replay', 'salaries', '--data', data, '--no-progress', '--no-metrics', '--sink', `${db.url}?pipeline=cli-salaries`]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^salaries: 0 records in/m);
  });

  it('demo --sink postgres://… writes every run to PostgreSQL as well, row for row with its files', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cp-cli-demo-pg-'));
    const schema = 'demo';
    await db.query(`CREATE SCHEMA ${schema}`);
    const run = await runCli(['demo', '--out', out, '--scale', '0.02', '--no-metrics', '--sink', `${db.url}?schema=${schema}`]);
    expect(run.code).toBe(0);
    // nvda and nvda-ticks share their tables; every other run owns its tables.
    for (const label of ['northwind', 'modelcars', 'salaries', 'world-economy', 'crm-pipeline']) {
      const files = (await readdir(join(out, label))).filter((name) => name.endsWith('.csv') && name !== 'dead_letter.csv');
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        const table = file.replace(/\.csv$/, '');
        const fileRows = (await readFile(join(out, label, file), 'utf8')).trim().split('\n').length - 1;
        const [{ count }] = (await db.query<{ count: string }>(`SELECT count(*) FROM ${schema}."${table}"`)) as [{ count: string }];
        expect({ table, rows: Number(count) }).toEqual({ table, rows: fileRows });
      }
    }
  });
});

// @services postgres
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropMigrationSlot, runMigrate } from '../../cli/migrate.js';
import type { PipelineSummary } from '../../engine/index.js';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { readBothSides } from './compare-tables.js';
import { snapshotDurable, waitUntil } from './wait-until.js';

/** Per source type: values read by the snapshot, values that arrive as changes, and the target type expected. */
const TYPES = [
  { table: 't_numeric', type: 'numeric(12,4)', snapshot: ["'0'", "'-12.5000'", "'99999999.9999'"], stream: ["'3.1416'"], target: 'numeric' },
  { table: 't_bigint', type: 'bigint', snapshot: ["'9007199254740993'", "'-42'"], stream: ["'7'"], target: 'bigint' },
  { table: 't_text', type: 'text', snapshot: [`'it''s "quoted"'`, `E'tab\\there\\nnewline'`, "'naïve café — 日本語 🚀'", "''"], stream: [`E'back\\\\slash \\\\N'`], target: 'text' },
  { table: 't_timestamptz', type: 'timestamptz', snapshot: ["'2024-01-02 14:30:00.123+00'", "'1999-12-31 23:59:59+05:30'"], stream: ["'2030-06-01 00:00:00.5-07'"], target: 'timestamp with time zone' },
  { table: 't_timestamp', type: 'timestamp', snapshot: ["'2024-01-02 14:30:00.250'"], stream: ["'1970-01-01 00:00:00'"], target: 'timestamp with time zone' },
  { table: 't_date', type: 'date', snapshot: ["'1996-07-04'", "'2000-02-29'"], stream: ["'2024-12-31'"], target: 'date' },
  { table: 't_boolean', type: 'boolean', snapshot: ['true', 'false'], stream: ['true'], target: 'boolean' },
  { table: 't_json', type: 'json', snapshot: [`'{"a": [1, 2], "b": null}'`, "'[]'"], stream: [`'{"x": "y\\"z"}'`], target: 'text' },
  { table: 't_jsonb', type: 'jsonb', snapshot: [`'{"a": [1, 2], "b": null}'`, "'3.50'"], stream: [`'{"nested": {"k": [true, false]}}'`], target: 'text' },
  { table: 't_int_array', type: 'integer[]', snapshot: ["'{1,2,3}'", "'{}'", "'{{1,2},{3,4}}'", "'{NULL,5}'"], stream: ["'{42}'"], target: 'text' },
  { table: 't_text_array', type: 'text[]', snapshot: [`'{"a,b","c\\"d",NULL}'`, `'{""}'`], stream: [`'{x,"y z"}'`], target: 'text' },
] as const;

describe('PostgreSQL source: each column type reaches the target through the snapshot and the change stream', () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let sourceClient: pg.Client;
  let targetClient: pg.Client;
  let out: string;
  let summary: PipelineSummary;

  beforeAll(async () => {
    source = await openTestDatabase('types_src');
    target = await openTestDatabase('types_dst');
    sourceClient = await source.connect();
    targetClient = await target.connect();
    out = await mkdtemp(join(tmpdir(), 'cloudpulse-types-'));
    for (const t of TYPES) {
      await sourceClient.query(`CREATE TABLE ${t.table} (id integer PRIMARY KEY, v ${t.type})`);
      const values = [...t.snapshot, 'NULL'].map((v, i) => `(${i + 1}, ${v})`).join(', ');
      await sourceClient.query(`INSERT INTO ${t.table} VALUES ${values}`);
    }
    const stop = new AbortController();
    const run = runMigrate({ from: source.url, to: target.url, tables: TYPES.map((t) => t.table), name: 'types', snapshotOnly: false, out, signal: stop.signal });
    await waitUntil('the snapshot is durable in the target', snapshotDurable((sql, params) => target.query(sql, params), 'public', 'migrate-types'));
    // Changes: new rows, and the first row updated to the last value (the stream's update path).
    for (const t of TYPES) {
      const values = t.stream.map((v, i) => `(${100 + i}, ${v})`).join(', ');
      await sourceClient.query(`INSERT INTO ${t.table} VALUES ${values}`);
      await sourceClient.query(`UPDATE ${t.table} SET v = ${t.stream[0]} WHERE id = 1`);
    }
    const last = TYPES[TYPES.length - 1]!;
    await waitUntil('the last change reached the target', async () => (await target.query(`SELECT 1 FROM ${last.table} WHERE id = 100`)).length === 1);
    stop.abort();
    summary = await run;
  }, 120_000);

  afterAll(async () => {
    await dropMigrationSlot(source.url, 'types').catch(() => undefined);
    await sourceClient?.end();
    await targetClient?.end();
    await source?.close();
    await target?.close();
    if (out !== undefined) await rm(out, { recursive: true, force: true });
  });

  it('dead-letters nothing', () => {
    expect(summary.deadLettered).toBe(0);
  });

  it.each(TYPES)('$type → $target', async (t) => {
    const columns = await target.query<{ type: string }>(
      `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'v'`,
      [t.table],
    );
    expect(columns[0]?.type).toBe(t.target);
    const sides = await readBothSides(sourceClient, targetClient, 'public', t.table, 'public');
    expect(sides.source).toHaveLength(t.snapshot.length + 1 + t.stream.length);
    expect(sides.target).toEqual(sides.source);
  });
});

// @services postgres
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropMigrationSlot, runMigrate } from '../../cli/migrate.js';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { readBothSides } from './compare-tables.js';
import { snapshotDurable, waitUntil } from './wait-until.js';
import { addColumnsMidStream, createColumnAddedTables } from './columns-added-mid-stream.js';

describe('PostgreSQL source: a column added to a source table while changes are followed', () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let sourceClient: pg.Client;
  let targetClient: pg.Client;
  let out: string;

  beforeAll(async () => {
    source = await openTestDatabase('coladd_src');
    target = await openTestDatabase('coladd_dst');
    sourceClient = await source.connect();
    targetClient = await target.connect();
    out = await mkdtemp(join(tmpdir(), 'cloudpulse-coladd-'));
    await createColumnAddedTables(sourceClient, 500);
  });

  afterAll(async () => {
    await dropMigrationSlot(source.url, 'coladd').catch(() => undefined);
    await sourceClient?.end();
    await targetClient?.end();
    await source?.close();
    await target?.close();
    if (out !== undefined) await rm(out, { recursive: true, force: true });
  });

  it('reaches the target as a new column, with the values of the inserts and updates that use it; the target equals the source', async () => {
    const stop = new AbortController();
    const run = runMigrate({ from: source.url, to: target.url, tables: ['items', 'other'], name: 'coladd', snapshotOnly: false, out, signal: stop.signal });
    try {
      await waitUntil('the snapshot is durable in the target', snapshotDurable((sql, params) => target.query(sql, params), 'public', 'migrate-coladd'));

      await addColumnsMidStream(sourceClient);

      await waitUntil('the last change reached the target', async () => (await target.query(`SELECT 1 FROM public.other WHERE k = 'a' AND v = 2`)).length === 1);
      const columns = await target.query<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'items' ORDER BY ordinal_position`,
      );
      expect(columns).toEqual([
        { column_name: 'id', data_type: 'bigint' },
        { column_name: 'name', data_type: 'text' },
        { column_name: 'price', data_type: 'numeric' },
        { column_name: 'seen_at', data_type: 'timestamp with time zone' },
        { column_name: 'tags', data_type: 'text' },
      ]);
      for (const table of ['items', 'other']) {
        const both = await readBothSides(sourceClient, targetClient, 'public', table, 'public');
        expect(both.target, table).toEqual(both.source);
      }
      // The values are there, not only the columns (compared to the source's own rendering above; spot-check one).
      expect(await target.query(`SELECT price::text, (seen_at AT TIME ZONE 'UTC')::text AS seen_at, tags FROM public.items WHERE id = 2`)).toEqual([
        { price: null, seen_at: '2024-05-06 07:08:09.123', tags: '["x","y z"]' },
      ]);
    } finally {
      stop.abort();
    }
    const summary = await run;
    expect(summary.deadLettered).toBe(0);
  }, 120_000);
});

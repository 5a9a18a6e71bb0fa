// @services postgres spark
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropMigrationSlot } from '../../cli/migrate.js';
import { Prng } from '../../replay/index.js';
import { TestWarehouse } from '../databricks/test-warehouse.js';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { serviceSettings, SparkSqlClient } from '../services/index.js';
import { readDeltaRows, snapshotDurableInDelta, storedWalOffset, warehouseUrl } from './databricks-target.js';
import { startMigrate, startWriter } from './migrate-child.js';
import { readSourceRows } from './source-rows.js';
import { waitUntil } from './wait-until.js';

const ROWS = 1_000;
const SEED = Number(process.env['CLOUDPULSE_CRASH_SEED'] ?? Date.now() % 1_000_000_007);

describe('cloudpulse migrate to Databricks survives SIGKILL while following changes', () => {
  let source: TestDatabase;
  let sourceClient: pg.Client;
  let writerClient: pg.Client;
  let warehouse: TestWarehouse;
  let spark: SparkSqlClient;
  let out: string;
  const schema = `crash_${process.pid}`;

  beforeAll(async () => {
    console.log(`databricks migrate crash test seed ${SEED} (CLOUDPULSE_CRASH_SEED=${SEED} replays it)`);
    source = await openTestDatabase('crashdbx_src');
    sourceClient = await source.connect();
    writerClient = await source.connect();
    warehouse = await TestWarehouse.start({ spark: serviceSettings('spark') });
    spark = await SparkSqlClient.connect(serviceSettings('spark'));
    out = await mkdtemp(join(tmpdir(), 'cloudpulse-migrate-crash-dbx-'));
    await sourceClient.query('CREATE TABLE items (id integer PRIMARY KEY, v integer NOT NULL, note text, at timestamptz DEFAULT now())');
    await sourceClient.query(`INSERT INTO items SELECT i, i, 'row ' || i, now() FROM generate_series(1, ${ROWS}) i`);
  });

  afterAll(async () => {
    await dropMigrationSlot(source.url, 'crashdbx').catch(() => undefined);
    spark?.close();
    await warehouse?.close();
    await writerClient?.end();
    await sourceClient?.end();
    await source?.close();
    if (out !== undefined) await rm(out, { recursive: true, force: true });
  });

  it('after a kill and a restart the Delta table equals the source: no row twice, every value as in the source', async () => {
    const rng = new Prng(SEED);
    const args = ['--from', source.url, '--to', warehouseUrl(warehouse, schema), '--tables', 'items', '--name', 'crashdbx', '--no-metrics', '--no-progress', '--out', out];
    const writer = startWriter(writerClient, rng, ROWS, 20);
    let before: number;
    try {
      const first = startMigrate(args);
      await waitUntil('the snapshot is durable in Delta', snapshotDurableInDelta(spark, warehouse, schema, 'migrate-crashdbx'), 90_000);
      before = await storedWalOffset(spark, schema, 'migrate-crashdbx');
      // Kill once the stream has applied something after the snapshot (the stored position moved on).
      await waitUntil('a change after the snapshot is durable', async () => (await sleep(1_000), (await storedWalOffset(spark, schema, 'migrate-crashdbx')) > before), 60_000);
      await sleep(rng.next() * 1_500);
      first.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
    } finally {
      const transactions = await writer.stop();
      expect(transactions).toBeGreaterThan(0);
    }
    const want = await readSourceRows(sourceClient, 'public', 'items');
    const last = startMigrate(args);
    await waitUntil('the Delta table equals the source', async () => {
      await sleep(2_000);
      return JSON.stringify(await readDeltaRows(spark, schema, want)) === JSON.stringify(want.rows);
    }, 90_000);
    last.kill('SIGINT');
    const exit = await last.exited;
    expect(exit.code, last.output()).toBe(130);
    // The restart resumed from the position the table holds, not from a new snapshot.
    expect(last.output()).toMatch(/snapshot done earlier; following changes/);
    expect(await storedWalOffset(spark, schema, 'migrate-crashdbx')).toBeGreaterThan(before);

    const counts = await spark.sql(`SELECT CAST(count(*) AS STRING), CAST(count(DISTINCT id) AS STRING) FROM \`${schema}\`.items`);
    expect(counts.rows[0]).toEqual([String(want.rows.length), String(want.rows.length)]);
    expect(await readDeltaRows(spark, schema, want)).toEqual(want.rows);
    expect(want.rows.length).toBeGreaterThan(ROWS / 2);
  }, 240_000);
});

// @services postgres spark
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropMigrationSlot } from '../../cli/migrate.js';
import { createMigrateSink } from '../../cli/migrate-target.js';
import { TestWarehouse } from '../databricks/test-warehouse.js';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { serviceSettings, SparkSqlClient } from '../services/index.js';
import { readDeltaRows, storedWalOffset, warehouseUrl } from './databricks-target.js';
import { changesAfter, CHANGES_OF_THE_WRITES, createItems, migrateWithWritesDuringSnapshot } from './snapshot-writes.js';
import { readSourceRows } from './source-rows.js';

const ROWS = 2_000;

describe('cloudpulse migrate to Databricks: writes committed while the snapshot is read', () => {
  let source: TestDatabase;
  let sourceClient: pg.Client;
  let warehouse: TestWarehouse;
  let spark: SparkSqlClient;
  const schema = `snapw_${process.pid}`;

  beforeAll(async () => {
    source = await openTestDatabase('snapwdbx_src');
    sourceClient = await source.connect();
    warehouse = await TestWarehouse.start({ spark: serviceSettings('spark') });
    spark = await SparkSqlClient.connect(serviceSettings('spark'));
    await createItems(sourceClient, ROWS);
  });

  afterAll(async () => {
    await dropMigrationSlot(source.url, 'snapwdbx').catch(() => undefined);
    spark?.close();
    await warehouse?.close();
    await sourceClient?.end();
    await source?.close();
  });

  it('reach the Delta table exactly once, in commit order (deletes by MERGE … DELETE); the table equals the source', async () => {
    const sink = createMigrateSink(warehouseUrl(warehouse, schema), 'migrate-snapwdbx');
    const { summary, written } = await migrateWithWritesDuringSnapshot({ sourceUrl: source.url, writer: sourceClient, name: 'snapwdbx', sink, chunkRows: 500 });
    expect(summary.deadLettered).toBe(0);

    const snapshot = written.slice(0, ROWS);
    expect(snapshot.map((r) => r.value.row.id)).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
    expect(snapshot.find((r) => r.value.row.id === 1500)?.value.row.v).toBe(1500);
    expect(changesAfter(written, ROWS)).toEqual(CHANGES_OF_THE_WRITES);

    const want = await readSourceRows(sourceClient, 'public', 'items');
    expect(await readDeltaRows(spark, schema, want)).toEqual(want.rows);
    // The table keeps the position of the last change it applied.
    const lastWal = Math.max(...written.filter((r) => r.position.partition === 'wal').map((r) => r.position.offset));
    expect(await storedWalOffset(spark, schema, 'migrate-snapwdbx')).toBe(lastWal);
  }, 150_000);
});

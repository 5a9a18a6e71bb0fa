import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropMigrationSlot, runMigrate } from '../../cli/migrate.js';
import { TestWarehouse } from '../databricks/test-warehouse.js';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { serviceSettings, SparkSqlClient } from '../services/index.js';
import { readDeltaRows, snapshotDurableInDelta, warehouseUrl } from './databricks-target.js';
import { loadDataset, type DatasetName } from './datasets.js';
import { readSourceRows } from './source-rows.js';
import { waitUntil } from './wait-until.js';

/**
 * The tables each migration copies: every key shape (one column, two columns, text and numbers, camelCase
 * names) and every source type of the datasets (smallint, integer, numeric, varchar, text, bytea, date).
 * Not all of them: on the 2-core test machine each table costs Spark several Delta statements.
 */
const TABLES: Readonly<Record<DatasetName, readonly string[]>> = {
  northwind: ['categories', 'employees', 'orders', 'order_details', 'customers'],
  modelcars: ['products', 'payments', 'offices'],
};

/** Loads dataset `name` into a source Postgres and migrates its {@link TABLES} into Delta through the test warehouse. */
export function describeDatasetToDatabricks(name: DatasetName): void {
  describe(`cloudpulse migrate: ${name} from PostgreSQL to Databricks (Delta through the driver)`, () => {
    let source: TestDatabase;
    let sourceClient: pg.Client;
    let warehouse: TestWarehouse;
    let spark: SparkSqlClient;
    let out: string;
    let loaded: string[];
    const schema = `migds_${process.pid}_${name}`;

    beforeAll(async () => {
      source = await openTestDatabase('migdbx_src');
      sourceClient = await source.connect();
      warehouse = await TestWarehouse.start({ spark: serviceSettings('spark') });
      spark = await SparkSqlClient.connect(serviceSettings('spark'));
      out = await mkdtemp(join(tmpdir(), 'cloudpulse-migrate-dbx-'));
      loaded = await loadDataset(sourceClient, name);
    });

    afterAll(async () => {
      await dropMigrationSlot(source.url, `dbx_${name}`).catch(() => undefined);
      spark?.close();
      await warehouse?.close();
      await sourceClient?.end();
      await source?.close();
      if (out !== undefined) await rm(out, { recursive: true, force: true });
    });

    it('every Delta table equals its source table, row for row, all columns', async () => {
      const tables = TABLES[name];
      expect(loaded).toEqual(expect.arrayContaining(tables.map((t) => `${name}.${t}`)));
      const stop = new AbortController();
      // One page per table: the test warehouse runs one statement at a time on a 2-core Spark.
      const started = Date.now();
      warehouse.statements.length = 0;
      const run = runMigrate({ from: source.url, to: warehouseUrl(warehouse, schema), tables: tables.map((t) => `${name}.${t}`), name: `dbx_${name}`, snapshotOnly: false, out, signal: stop.signal, chunkRows: 10_000 });
      await waitUntil(`the ${name} snapshot is durable in Delta`, snapshotDurableInDelta(spark, warehouse, schema, `migrate-dbx_${name}`), 110_000);
      console.log(`${name}: snapshot durable after ${Date.now() - started} ms, ${warehouse.statements.length} statements`);
      stop.abort();
      const summary = await run;

      expect(summary.deadLettered).toBe(0);
      let rows = 0;
      for (const table of tables) {
        const want = await readSourceRows(sourceClient, name, table);
        expect(await readDeltaRows(spark, schema, want), table).toEqual(want.rows);
        rows += want.rows.length;
      }
      expect(rows).toBeGreaterThan(name === 'northwind' ? 3_000 : 150);
      console.log(`${name}: ${rows} rows in ${tables.length} Delta tables; the warehouse ran ${warehouse.statements.length} statements so far`);
      expect(summary.committed.some((p) => p.partition === 'wal')).toBe(true);
    }, 150_000);
  });
}

// @services postgres spark
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropMigrationSlot, runMigrate } from '../../cli/migrate.js';
import { createMigrateSink } from '../../cli/migrate-target.js';
import { EngineEvents, systemClock, type DeadLetter, type TableSpec } from '../../engine/index.js';
import { TestWarehouse } from '../databricks/test-warehouse.js';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { serviceSettings, SparkSqlClient } from '../services/index.js';
import { readDeltaRows, snapshotDurableInDelta, warehouseUrl } from './databricks-target.js';
import { readSourceRows } from './source-rows.js';
import { waitUntil } from './wait-until.js';
import { addColumnsMidStream, createColumnAddedTables } from './columns-added-mid-stream.js';

const ROWS = 40;
// Waits, not timing assertions: other test files may hold the one Spark worker for minutes meanwhile.
const WAIT_MS = 420_000;

describe('cloudpulse migrate to Databricks: a column added to a source table while changes are followed', () => {
  let source: TestDatabase;
  let sourceClient: pg.Client;
  let warehouse: TestWarehouse;
  let spark: SparkSqlClient;
  let out: string;
  const schema = `coladd_${process.pid}`;
  const pipeline = 'migrate-coladddbx';

  beforeAll(async () => {
    source = await openTestDatabase('coladddbx_src');
    sourceClient = await source.connect();
    warehouse = await TestWarehouse.start({ spark: serviceSettings('spark') });
    spark = await SparkSqlClient.connect(serviceSettings('spark'));
    out = await mkdtemp(join(tmpdir(), 'cloudpulse-coladd-dbx-'));
    await createColumnAddedTables(sourceClient, ROWS);
  });

  afterAll(async () => {
    await dropMigrationSlot(source.url, 'coladddbx').catch(() => undefined);
    spark?.close();
    await warehouse?.close();
    await sourceClient?.end();
    await source?.close();
    if (out !== undefined) await rm(out, { recursive: true, force: true });
  });

  const deltaColumns = async (table: string): Promise<unknown[][]> => {
    const rows = await spark.query(`DESCRIBE TABLE \`${schema}\`.\`${table}\``);
    const columns: unknown[][] = [];
    for (const row of rows) {
      if (String(row['col_name'] ?? '').trim() === '' || String(row['col_name']).startsWith('#')) break;
      columns.push([row['col_name'], row['data_type']]);
    }
    return columns;
  };
  const expectTargetEqualsSource = async (): Promise<void> => {
    for (const table of ['items', 'other']) {
      const want = await readSourceRows(sourceClient, 'public', table);
      expect(await readDeltaRows(spark, schema, want), table).toEqual(want.rows);
    }
  };
  let followed = false;
  const alterStatements = (): string[] => warehouse.statements.filter((s) => /^ALTER TABLE .*`items` ADD COLUMNS/.test(s));

  it('reaches the Delta table as new columns, NULL in the rows written before and set by the inserts and updates that use them', async () => {
    const stop = new AbortController();
    const run = runMigrate({ from: source.url, to: warehouseUrl(warehouse, schema), tables: ['items', 'other'], name: 'coladddbx', snapshotOnly: false, out, signal: stop.signal });
    // A migration that stops on an error fails the test with that error, not after a wait.
    const ended = run.then(() => Promise.reject(new Error('the migration ended before it was stopped')));
    ended.catch(() => undefined);
    try {
      await Promise.race([ended, waitUntil('the snapshot is durable in Delta', snapshotDurableInDelta(spark, warehouse, schema, pipeline), WAIT_MS)]);

      // The third column is a date here (text → DATE); Spark is slow, so fewer rows get a price.
      await addColumnsMidStream(sourceClient, { declaration: 'due date', updateValue: `'2024-06-30'`, insertValue: `'2031-12-31'` }, [10, 12]);

      // The one Spark worker runs one statement at a time, the sink's included: ask at most every second.
      await Promise.race([
        ended,
        waitUntil('the last change reached Delta', async () => (await sleep(1_000), (await spark.sql(`SELECT 1 FROM \`${schema}\`.other WHERE k = 'a' AND v = 2`)).rows.length === 1), WAIT_MS),
      ]);
    } finally {
      stop.abort();
    }
    const summary = await run;
    expect(summary.deadLettered).toBe(0);

    expect(await deltaColumns('items')).toEqual([
      ['id', 'bigint'],
      ['name', 'string'],
      ['price', 'double'],
      ['seen_at', 'timestamp'],
      ['due', 'date'],
    ]);
    await expectTargetEqualsSource();
    // The comparison covers both kinds of row: most rows have no price, some have one.
    const prices = (await readSourceRows(sourceClient, 'public', 'items')).rows.map((row) => row[2]);
    expect(prices.filter((p) => p === null).length).toBeGreaterThan(ROWS / 2);
    expect(prices.filter((p) => p !== null)).toHaveLength(5);
    followed = true;
  }, 2 * WAIT_MS + 60_000);

  it('a restart after the columns were added but before the position moved on announces them again: nothing is altered twice, writes carry them', async () => {
    expect(followed, 'the migration above added the columns').toBe(true);
    const before: TableSpec = { name: 'items', columns: [{ name: 'id', type: 'integer' }, { name: 'name', type: 'text' }], key: ['id'] };
    const now = (await readSourceRows(sourceClient, 'public', 'items')).spec;
    expect(now.columns.map((c) => c.name)).toEqual(['id', 'name', 'price', 'seen_at', 'due']);
    // One ALTER per announcement the sink saw (the changes may reach it in one batch or several).
    const altered = alterStatements();
    expect(altered.length).toBeGreaterThan(0);

    const sink = createMigrateSink(warehouseUrl(warehouse, schema), pipeline);
    if (sink.evolve === undefined) throw new Error('the databricks sink has no evolve');
    await sink.open({ topology: pipeline, tables: [before], clock: systemClock, events: new EngineEvents() });
    try {
      await sink.evolve(now);
      await sink.evolve(now);
      expect(alterStatements()).toEqual(altered);
      // Only additions are applied while running: a declaration without one of the columns is refused, naming it.
      await expect(sink.evolve({ ...now, columns: now.columns.filter((c) => c.name !== 'price') })).rejects.toMatchObject({
        code: 'databricks_schema_mismatch',
        message: expect.stringContaining('drops column "price"'),
      });

      await sourceClient.query(`UPDATE items SET price = 9.75, due = '2025-01-02' WHERE id = 4`);
      const letters: DeadLetter[] = [];
      await sink.write([{ value: { table: 'items', row: { id: 4, name: 'item 4', price: 9.75, seen_at: null, due: '2025-01-02' } }, eventTime: 0, position: { source: 'test', partition: 'wal', offset: 0 } }], {
        topology: pipeline,
        positions: [],
        deadLetter: (letter) => letters.push(letter),
      });
      expect(letters).toEqual([]);
    } finally {
      await sink.close();
    }
    await expectTargetEqualsSource();
  }, WAIT_MS);
});

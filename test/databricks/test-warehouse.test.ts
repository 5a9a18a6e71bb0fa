// @services spark
import { DBSQLClient } from '@databricks/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceSettings } from '../services/index.js';
import { TestWarehouse } from './test-warehouse.js';

type Session = Awaited<ReturnType<DBSQLClient['openSession']>>;

async function openClient(warehouse: TestWarehouse, arrow: boolean, token = warehouse.address.token): Promise<{ client: DBSQLClient; session: Session }> {
  const { host, port, path } = warehouse.address;
  const client = new DBSQLClient({ logger: { log: () => undefined } });
  await client.connect({ host, port, path, token, telemetryEnabled: false, retryMaxAttempts: 1 });
  client.getConfig().arrowEnabled = arrow;
  return { client, session: await client.openSession() };
}

async function query(session: Session, sql: string, options: Parameters<Session['executeStatement']>[1] = {}): Promise<Record<string, unknown>[]> {
  const operation = await session.executeStatement(sql, { useCloudFetch: false, ...options });
  try {
    return (await operation.fetchAll(options.maxRows === undefined ? {} : { maxRows: Number(options.maxRows) })) as Record<string, unknown>[];
  } finally {
    await operation.close();
  }
}

// The driver, unmodified, against the test warehouse: the protocol details the sink relies on, in both
// result formats the driver can ask for.
describe('test warehouse (the @databricks/sql protocol in front of Spark SQL + Delta Lake)', () => {
  let warehouse: TestWarehouse;
  const schema = `warehouse_${process.pid}`;

  beforeAll(async () => {
    warehouse = await TestWarehouse.start({ spark: serviceSettings('spark') });
  });

  afterAll(async () => {
    await warehouse?.close();
  });

  const typedSelect =
    "SELECT 1 AS i, 9007199254740991L AS big, 'it\\'s' AS s, CAST(NULL AS STRING) AS none, 2.5D AS d, TRUE AS b, " +
    "TIMESTAMP '2024-01-02 14:30:00.123456Z' AS ts, CAST(NULL AS TIMESTAMP) AS no_ts, DATE '2024-02-29' AS day, CAST('12.3400' AS DECIMAL(20,4)) AS amount, array(1, 2) AS list";

  it('answers typed values and NULLs in Arrow: TIMESTAMP and DATE as Date, DECIMAL and BIGINT as numbers', async () => {
    const { client, session } = await openClient(warehouse, true);
    try {
      const [row] = await query(session, typedSelect);
      expect(row).toEqual({
        i: 1,
        big: 9007199254740991,
        s: "it's",
        none: null,
        d: 2.5,
        b: true,
        ts: new Date(Date.UTC(2024, 0, 2, 14, 30, 0, 123)),
        no_ts: null,
        day: new Date(Date.UTC(2024, 1, 29)),
        amount: 12.34,
        list: [1, 2],
      });
    } finally {
      await client.close();
    }
  });

  it('answers column-based row sets when Arrow is not requested: TIMESTAMP and DATE as text', async () => {
    const { client, session } = await openClient(warehouse, false);
    try {
      const [row] = await query(session, typedSelect);
      expect(row).toEqual({ i: 1, big: 9007199254740991, s: "it's", none: null, d: 2.5, b: true, ts: '2024-01-02 14:30:00.123456', no_ts: null, day: '2024-02-29', amount: 12.34, list: [1, 2] });
    } finally {
      await client.close();
    }
  });

  for (const arrow of [true, false]) {
    it(`runs DDL and MERGE (no result set loops) and pages large results (${arrow ? 'Arrow' : 'column-based'})`, async () => {
      const { client, session } = await openClient(warehouse, arrow);
      const table = `\`${schema}\`.\`pages_${arrow ? 'arrow' : 'columns'}\``;
      try {
        expect(await query(session, `CREATE SCHEMA IF NOT EXISTS \`${schema}\``)).toEqual([]);
        expect(await query(session, `CREATE TABLE ${table} (id BIGINT NOT NULL, label STRING) USING DELTA`)).toEqual([]);
        const merge = `MERGE INTO ${table} AS t USING (SELECT id, CAST(id AS STRING) AS label FROM range(1500)) AS s ON t.id = s.id WHEN MATCHED AND NOT (t.label <=> s.label) THEN UPDATE SET label = s.label WHEN NOT MATCHED THEN INSERT (id, label) VALUES (s.id, s.label)`;
        expect(await query(session, merge)).toEqual([{ num_affected_rows: 1500, num_updated_rows: 0, num_deleted_rows: 0, num_inserted_rows: 1500 }]);
        expect(await query(session, merge)).toEqual([{ num_affected_rows: 0, num_updated_rows: 0, num_deleted_rows: 0, num_inserted_rows: 0 }]);
        const rows = await query(session, `SELECT id, label FROM ${table} ORDER BY id`, { maxRows: 400 });
        expect(rows).toHaveLength(1500);
        expect(rows.every((row, i) => row['id'] === i && row['label'] === String(i))).toBe(true);
      } finally {
        await client.close();
      }
    }, 120_000);
  }

  it('binds named parameters (the session speaks protocol V8)', async () => {
    const { client, session } = await openClient(warehouse, true);
    try {
      expect(await query(session, 'SELECT :word AS word, :n + 1 AS next, :missing IS NULL AS missing', { namedParameters: { word: "a'b\\c", n: 41, missing: null } })).toEqual([
        { word: "a'b\\c", next: 42, missing: true },
      ]);
    } finally {
      await client.close();
    }
  });

  it("reports a failed statement with Spark's error class and SQLSTATE", async () => {
    const { client, session } = await openClient(warehouse, true);
    try {
      const failure = await query(session, 'SELECT * FROM no_such_table_anywhere').catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).message).toMatch(/^\[TABLE_OR_VIEW_NOT_FOUND\]/);
      expect((failure as { response?: { sqlState?: string } }).response?.sqlState).toBe('42P01');
      await query(session, `CREATE SCHEMA IF NOT EXISTS \`${schema}\``);
      await query(session, `CREATE TABLE \`${schema}\`.keyed (id STRING NOT NULL) USING DELTA`);
      const violation = await query(session, `INSERT INTO \`${schema}\`.keyed VALUES (CAST(NULL AS STRING))`).catch((error: unknown) => error);
      expect((violation as Error).message).toMatch(/^\[DELTA_NOT_NULL_CONSTRAINT_VIOLATED\]/);
      expect((violation as { response?: { sqlState?: string } }).response?.sqlState).toBe('23502');
      expect(await query(session, 'SELECT 2 + 2 AS four')).toEqual([{ four: 4 }]);
    } finally {
      await client.close();
    }
  });

  it('refuses a wrong bearer token', async () => {
    await expect(openClient(warehouse, true, 'dapi-not-the-token')).rejects.toThrow(/401/);
  });
});

// @services spark
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { expectLoopbackOnly } from './expect-loopback-only.js';
import { service, serviceSettings, SparkSqlClient, SparkSqlError } from './index.js';

describe('spark (Spark SQL 3.5 + Delta Lake 3.3 worker)', () => {
  let spark: SparkSqlClient;

  beforeAll(async () => {
    spark = await SparkSqlClient.connect(serviceSettings('spark'));
  });

  afterAll(() => {
    spark.close();
  });

  it('binds 127.0.0.1 only (worker, Py4J gateway and the driver JVM)', () => {
    expectLoopbackOnly(service('spark'));
  });

  it('MERGEs into a Delta table', async () => {
    await spark.sql('CREATE TABLE smoke_stations (id INT, name STRING, celsius DOUBLE) USING delta');
    await spark.sql("INSERT INTO smoke_stations VALUES (1, 'Oslo', -3.25), (2, 'Lagos', 30.0)");
    const merge = await spark.sql(`
      MERGE INTO smoke_stations AS t
      USING (SELECT * FROM VALUES (2, 'Lagos', 31.5), (3, 'Lima', 18.0) AS s(id, name, celsius)) AS s
      ON t.id = s.id
      WHEN MATCHED THEN UPDATE SET t.celsius = s.celsius
      WHEN NOT MATCHED THEN INSERT *`);
    expect(merge.columns.map((column) => column.name)).toEqual(
      expect.arrayContaining(['num_affected_rows', 'num_updated_rows', 'num_inserted_rows']),
    );
    expect(await spark.query('SELECT id, name, celsius FROM smoke_stations ORDER BY id')).toEqual([
      { id: 1, name: 'Oslo', celsius: -3.25 },
      { id: 2, name: 'Lagos', celsius: 31.5 },
      { id: 3, name: 'Lima', celsius: 18.0 },
    ]);
    const history = await spark.query('DESCRIBE HISTORY smoke_stations');
    const operations = history.sort((a, b) => Number(a['version']) - Number(b['version'])).map((row) => row['operation']);
    expect(operations).toEqual(['CREATE TABLE', 'WRITE', 'MERGE']);
  });

  it('answers timestamps in UTC and decimals as strings', async () => {
    const [row] = await spark.query("SELECT TIMESTAMP '2026-03-29 01:30:00' AS at, CAST('12.50' AS DECIMAL(10,2)) AS amount, DATE '2026-03-29' AS day");
    expect(row).toEqual({ at: '2026-03-29T01:30:00Z', amount: '12.50', day: '2026-03-29' });
  });

  it('rejects a bad statement with the Spark error and keeps serving', async () => {
    await expect(spark.sql('SELECT * FROM no_such_table')).rejects.toBeInstanceOf(SparkSqlError);
    await expect(spark.sql('SELECT * FROM no_such_table')).rejects.toThrow(/no_such_table/);
    expect((await spark.sql('SELECT 2 + 2 AS four')).rows).toEqual([[4]]);
  });
});

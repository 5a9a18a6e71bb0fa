import { DBSQLClient } from '@databricks/sql';
import { createDatabricksSink } from '../connectors/databricks/create-databricks-sink.js';
import { literalEncoder } from '../connectors/databricks/spark-literal.js';
import { splitBySize, type EncodedRow } from '../connectors/databricks/merge-statement.js';
import { EngineEvents, systemClock, type Cell, type StreamRecord, type TableRow, type TableSpec } from '../engine/index.js';
import { benchTable, generateRows } from './bar-rows.js';
import { TestWarehouse } from '../test/databricks/test-warehouse.js';
import { residentBytes, serverProcesses } from '../test/services/process-group.js';
import { SparkSqlClient } from '../test/services/spark/spark-sql-client.js';
import { spark as sparkService } from '../test/services/spark/spark.js';

// Writes N generated window results (the shape of a bar table: text + timestamp key, doubles, integers, a
// date, a boolean) through the Databricks sink — the real driver, HTTPS, the test warehouse, Spark SQL +
// Delta Lake — in fixed batches, each one guarded MERGE per statement-size chunk plus the positions MERGE.
// The baseline writes the same rows, chunked the same way, as one `INSERT INTO … SELECT * FROM VALUES` per
// chunk through the same driver and warehouse into an empty table of the same shape: MERGE pays for the key
// match (a join against the target) and the positions. Not a test: nothing here asserts a timing.

interface Timing {
  readonly seconds: number;
  readonly statements: number;
}

async function timeSink(warehouse: TestWarehouse, schema: string, spec: TableSpec, records: readonly StreamRecord<TableRow>[], batchSize: number): Promise<Timing & { replaySeconds: number }> {
  const { host, port, path, token } = warehouse.address;
  const sink = createDatabricksSink({ type: 'databricks', host, port, httpPath: path, token, schema, pipeline: `bench_${spec.name}` });
  await sink.open({ topology: 'bench', tables: [spec], clock: systemClock, events: new EngineEvents() });
  const before = sink.statistics.statements;
  const writeAll = async (): Promise<void> => {
    for (let i = 0; i < records.length; i += batchSize) {
      const batch = records.slice(i, i + batchSize);
      await sink.write(batch, { topology: 'bench', positions: [batch[batch.length - 1]!.position], deadLetter: () => undefined });
    }
  };
  const started = process.hrtime.bigint();
  await writeAll();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const statements = sink.statistics.statements - before;
  // The same batches again, as after a restart: every row is already there.
  const replayStarted = process.hrtime.bigint();
  const affectedBefore = sink.statistics.affectedRows;
  await writeAll();
  const replaySeconds = Number(process.hrtime.bigint() - replayStarted) / 1e9;
  if (sink.statistics.affectedRows !== affectedBefore) throw new Error(`the replay affected ${sink.statistics.affectedRows - affectedBefore} rows, expected 0`);
  await sink.close();
  return { seconds, statements, replaySeconds };
}

async function timeInsert(warehouse: TestWarehouse, schema: string, spec: TableSpec, rows: readonly Record<string, Cell>[], batchSize: number, maxStatementBytes: number): Promise<Timing> {
  const { host, port, path, token } = warehouse.address;
  const client = new DBSQLClient({ logger: { log: () => undefined } });
  await client.connect({ host, port, path, token, telemetryEnabled: false, retryMaxAttempts: 1 });
  const session = await client.openSession();
  const run = async (sql: string): Promise<void> => {
    const operation = await session.executeStatement(sql, { useCloudFetch: false });
    await operation.fetchAll();
    await operation.close();
  };
  const table = `\`${schema}\`.\`${spec.name}\``;
  const columns = spec.columns.map((c) => `\`${c.name}\``).join(', ');
  const encoders = spec.columns.map((c) => literalEncoder(c.name, c.type));
  const head = `INSERT INTO ${table} SELECT * FROM VALUES `;
  const tail = ` AS v(${columns})`;
  let statements = 0;
  try {
    await run(`CREATE TABLE ${table} (${spec.columns.map((c) => `\`${c.name}\` ${{ text: 'STRING', integer: 'BIGINT', numeric: 'DOUBLE', boolean: 'BOOLEAN', timestamptz: 'TIMESTAMP', date: 'DATE' }[c.type]}`).join(', ')}) USING DELTA`);
    const started = process.hrtime.bigint();
    for (let i = 0; i < rows.length; i += batchSize) {
      const encoded: EncodedRow[] = rows.slice(i, i + batchSize).map((row) => ({ literals: encoders.map((encode, c) => encode(row[spec.columns[c]!.name])).join(', '), isDelete: false }));
      for (const chunk of splitBySize(encoded, maxStatementBytes, Buffer.byteLength(head + tail))) {
        await run(`${head}${chunk.map((r) => `(${r.literals})`).join(', ')}${tail}`);
        statements++;
      }
    }
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, statements };
  } finally {
    await client.close();
  }
}

/** The Databricks sink benchmark: rows/s and statements/s of the sink's MERGEs and of plain INSERTs, and their ratio. */
export async function runDatabricksBench(): Promise<void> {
  const count = Number(process.env['CLOUDPULSE_BENCH_ROWS'] ?? 100_000);
  const batchSize = Number(process.env['CLOUDPULSE_BENCH_BATCH'] ?? 10_000);
  const maxStatementBytes = 1_000_000;
  await sparkService.install();
  const server = await sparkService.start();
  let peakSparkRss = 0;
  const sample = setInterval(() => (peakSparkRss = Math.max(peakSparkRss, residentBytes(serverProcesses(server.pid)))), 1_000);
  let warehouse: TestWarehouse | undefined;
  try {
    await sparkService.ready(server);
    warehouse = await TestWarehouse.start({ spark: server.settings });
    const schema = `bench_${process.pid}`;
    const admin = await SparkSqlClient.connect(server.settings);
    await admin.sql(`CREATE SCHEMA \`${schema}\``);
    // Delta's first statements in a fresh JVM pay for class loading and code generation: warm up both paths.
    await timeSink(warehouse, schema, benchTable('warm_merge'), records(benchTable('warm_merge'), generateRows(500)), 500);
    await timeInsert(warehouse, schema, benchTable('warm_insert'), generateRows(500), 500, maxStatementBytes);
    admin.close();

    const rows = generateRows(count);
    console.log(`${count.toLocaleString('en-US')} rows in batches of ${batchSize.toLocaleString('en-US')}, statements under ${maxStatementBytes.toLocaleString('en-US')} bytes (Spark ${server.settings.host}:${server.settings.port}, warehouse ${warehouse.address.host}:${warehouse.address.port})`);
    const insert = await timeInsert(warehouse, schema, benchTable('bench_insert'), rows, batchSize, maxStatementBytes);
    console.log(`INSERT INTO … SELECT * FROM VALUES: ${rate(count, insert.seconds)} rows/s, ${(insert.statements / insert.seconds).toFixed(2)} statements/s (${insert.statements} statements, ${insert.seconds.toFixed(1)} s)`);
    const spec = benchTable('bench_merge');
    const sink = await timeSink(warehouse, schema, spec, records(spec, rows), batchSize);
    console.log(`sink (guarded MERGE + positions): ${rate(count, sink.seconds)} rows/s, ${(sink.statements / sink.seconds).toFixed(2)} statements/s (${sink.statements} statements, ${sink.seconds.toFixed(1)} s)`);
    console.log(`the same batches replayed (every row unchanged: empty MERGE sources, no commit): ${rate(count, sink.replaySeconds)} rows/s (${sink.replaySeconds.toFixed(1)} s)`);
    console.log(`peak RSS: bench process (driver + warehouse) ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB, Spark worker ${(peakSparkRss / 2 ** 20).toFixed(0)} MiB`);
    console.log(`databricks_ratio_vs_insert=${(insert.seconds / sink.seconds).toFixed(2)}`);
  } finally {
    clearInterval(sample);
    await warehouse?.close();
    await sparkService.stop(server);
  }
}

function records(spec: TableSpec, rows: readonly Record<string, Cell>[]): StreamRecord<TableRow>[] {
  return rows.map((row, i) => ({ value: { table: spec.name, row }, eventTime: row['window_start'] as number, position: { source: 'bench.csv', partition: 'bench.csv', offset: i + 2 } }));
}

function rate(rows: number, seconds: number): string {
  return Math.round(rows / seconds).toLocaleString('en-US');
}

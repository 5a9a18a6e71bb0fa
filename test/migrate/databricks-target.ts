import { setTimeout as sleep } from 'node:timers/promises';
import type { SparkSqlClient } from '../services/index.js';
import { readSparkTable } from '../databricks/read-spark-table.js';
import type { TestWarehouse } from '../databricks/test-warehouse.js';
import type { SourceRows } from './source-rows.js';
import { comparableRows } from './source-rows.js';

/** `databricks://token:…@127.0.0.1:<port>/<path>?schema=<schema>` of the test warehouse. */
export function warehouseUrl(warehouse: TestWarehouse, schema: string): string {
  const { host, port, path, token } = warehouse.address;
  return `databricks://token:${encodeURIComponent(token)}@${host}:${port}${path}?schema=${schema}`;
}

/**
 * True once the Delta schema holds the change-stream position of `pipeline` (the snapshot is durable there).
 * Spark is asked only after the warehouse started a MERGE of a `wal` position, and then at most every
 * second: the one Spark worker runs one statement at a time, the sink's included.
 */
export function snapshotDurableInDelta(spark: SparkSqlClient, warehouse: TestWarehouse, schema: string, pipeline: string): () => Promise<boolean> {
  return async () => {
    if (!warehouse.statements.some((s) => /cloudpulse_positions/.test(s) && s.includes("'wal'") && s.includes(pipeline))) return false;
    await sleep(1_000);
    const result = await spark.sql(`SELECT 1 FROM \`${schema}\`.cloudpulse_positions WHERE pipeline = '${pipeline}' AND \`partition\` = 'wal'`);
    return result.rows.length > 0;
  };
}

/** The stored change-stream position (commit LSN) of `pipeline`, read straight from Spark. */
export async function storedWalOffset(spark: SparkSqlClient, schema: string, pipeline: string): Promise<number> {
  const result = await spark.sql(`SELECT CAST(\`offset\` AS STRING) FROM \`${schema}\`.cloudpulse_positions WHERE pipeline = '${pipeline}' AND \`partition\` = 'wal'`);
  return Number(result.rows[0]?.[0] ?? -1);
}

/** A Delta table read straight from the Spark worker (not through the sink), rendered as the source's rows are. */
export async function readDeltaRows(spark: SparkSqlClient, schema: string, want: SourceRows): Promise<(string | null)[][]> {
  return comparableRows(want, await readSparkTable(spark, `\`${schema}\`.\`${want.spec.name}\``, want.spec));
}

// @services spark
import { vi } from 'vitest';
import { createDatabricksSink } from '../../connectors/databricks/create-databricks-sink.js';
import { interruptWarehouseDuring } from '../databricks/interrupt-warehouse.js';
import { readSparkTable } from '../databricks/read-spark-table.js';
import { TestWarehouse } from '../databricks/test-warehouse.js';
import { serviceSettings, SparkSqlClient } from '../services/index.js';
import { describeSinkConformance } from './sink-conformance.js';

// Spark MERGEs take seconds each on a 2-core machine: the suite's tests write a few dozen batches.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

// The Databricks sink through the real @databricks/sql driver against the test warehouse (Spark SQL + Delta
// Lake behind the driver's Thrift protocol over HTTPS), three-part names in Spark's own catalog. The server
// goes away mid-write by restarting the warehouse: every connection and session is dropped.
describeSinkConformance('databricks', async () => {
  const spark = serviceSettings('spark');
  const warehouse = await TestWarehouse.start({ spark });
  const reader = await SparkSqlClient.connect(spark);
  const schema = `conformance_${process.pid}`;
  const { host, port, path, token } = warehouse.address;
  return {
    createSink: (pipeline) => createDatabricksSink({ type: 'databricks', host, port, httpPath: path, token, catalog: 'spark_catalog', schema, pipeline }),
    readTable: (spec) => readSparkTable(reader, `spark_catalog.\`${schema}\`.\`${spec.name}\``, spec),
    interruptDuring: (write) => interruptWarehouseDuring(warehouse, write),
    deletesByKey: true,
    retryPolicy: { maxAttempts: 10, initialDelayMs: 100, maxDelayMs: 2_000, multiplier: 2, jitter: 0.5 },
    async close() {
      reader.close();
      await warehouse.close();
    },
  };
});

// @services spark
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReplay } from '../../cli/run-replay.js';
import { createDatabricksSink } from '../../connectors/databricks/create-databricks-sink.js';
import { FileSink } from '../../connectors/file/file-sink.js';
import type { Cell, TableSpec } from '../../engine/index.js';
import { topologies } from '../../topologies/index.js';
import { serviceSettings, SparkSqlClient } from '../services/index.js';
import { readSparkTable } from './read-spark-table.js';
import { TestWarehouse } from './test-warehouse.js';

const DATA_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'data');

/** A JSON Lines table of the file sink as cells (timestamps back to epoch ms, as the sinks receive them), sorted by key. */
async function readJsonlTable(dir: string, spec: TableSpec): Promise<Record<string, Cell>[]> {
  const text = await readFile(join(dir, `${spec.name}.jsonl`), 'utf8');
  const rows = text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const parsed = JSON.parse(line) as Record<string, Cell>;
      return Object.fromEntries(spec.columns.map((c) => [c.name, c.type === 'timestamptz' && typeof parsed[c.name] === 'string' ? Date.parse(parsed[c.name] as string) : (parsed[c.name] ?? null)]));
    });
  return sortByKey(spec, rows);
}

function sortByKey(spec: TableSpec, rows: readonly Record<string, Cell>[]): Record<string, Cell>[] {
  const keyOf = (row: Record<string, Cell>): string => JSON.stringify(spec.key.map((k) => row[k] ?? null));
  return [...rows].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}

// The file sink's output of the same replay is the expectation: the Delta tables the Databricks sink
// merged must hold exactly its rows (DOUBLE keeps every JavaScript number exactly).
describe('northwind and modelcars merged into Delta through the driver equal the file sink output', () => {
  let warehouse: TestWarehouse;
  let spark: SparkSqlClient;
  let outRoot: string;

  beforeAll(async () => {
    warehouse = await TestWarehouse.start({ spark: serviceSettings('spark') });
    spark = await SparkSqlClient.connect(serviceSettings('spark'));
    outRoot = await mkdtemp(join(tmpdir(), 'cloudpulse-dbx-vs-file-'));
  });

  afterAll(async () => {
    spark?.close();
    await warehouse?.close();
    if (outRoot !== undefined) await rm(outRoot, { recursive: true, force: true });
  });

  for (const [name, folder, resultFormat] of [
    ['northwind', 'northwind', 'columns'],
    ['modelcars', 'model-cars', 'arrow'],
  ] as const) {
    it(`${name} (driver results ${resultFormat}): same rows, same dead letters`, async () => {
      const topology = topologies.find((t) => t.name === name)!;
      const dataDir = join(DATA_ROOT, folder);
      expect(existsSync(dataDir), `${dataDir} (../shared/data) is missing`).toBe(true);
      const fileDir = join(outRoot, name);
      const viaFile = await runReplay({ topology, dataDir, sinks: [new FileSink({ dir: fileDir, format: 'jsonl', resume: false, fsync: false })] });
      const schema = `e2e_${name}_${process.pid}`;
      const { host, port, path, token } = warehouse.address;
      const sink = createDatabricksSink({ type: 'databricks', host, port, httpPath: path, token, schema, resultFormat });
      const viaDatabricks = await runReplay({ topology, dataDir, sinks: [sink] });

      expect(viaDatabricks.recordsIn).toBe(viaFile.recordsIn);
      expect(viaDatabricks.deadLetters.map((l) => [l.position, l.reason])).toEqual(viaFile.deadLetters.map((l) => [l.position, l.reason]));
      let rows = 0;
      for (const spec of topology.outputs) {
        const expected = await readJsonlTable(fileDir, spec);
        const actual = sortByKey(spec, await readSparkTable(spark, `\`${schema}\`.\`${spec.name}\``, spec));
        expect({ table: spec.name, rows: actual.length }).toEqual({ table: spec.name, rows: expected.length });
        expect(actual).toEqual(expected);
        rows += actual.length;
      }
      expect(rows).toBeGreaterThan(0);
      console.log(`${name}: ${rows} rows, ${sink.statistics.merges} data MERGEs, ${sink.statistics.statements} statements`);
    }, 600_000);
  }
});

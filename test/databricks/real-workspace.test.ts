import { randomBytes } from 'node:crypto';
import { DBSQLClient } from '@databricks/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabricksSink } from '../../connectors/databricks/create-databricks-sink.js';
import type { DatabricksSink } from '../../connectors/databricks/databricks-sink.js';
import { EngineEvents, systemClock, type Cell, type DeadLetter, type StreamRecord, type TableRow, type TableSpec } from '../../engine/index.js';
import { conformanceRecords, conformanceRow, conformanceTable } from '../conformance/conformance-topology.js';

// Opt-in: the sink against a real Databricks SQL warehouse. Needs DATABRICKS_HOST, DATABRICKS_HTTP_PATH and
// DATABRICKS_TOKEN; DATABRICKS_CATALOG picks the catalog (default: the warehouse's), DATABRICKS_VOLUME
// (`/Volumes/<catalog>/<schema>/<volume>`) adds the staging path (PUT into the volume, COPY INTO, MERGE).
// Everything is written to a fresh schema that is dropped at the end.
const env = process.env;
const configured = ['DATABRICKS_HOST', 'DATABRICKS_HTTP_PATH', 'DATABRICKS_TOKEN'].every((name) => (env[name] ?? '') !== '');
if (!configured) console.warn('real Databricks workspace test skipped: set DATABRICKS_HOST, DATABRICKS_HTTP_PATH and DATABRICKS_TOKEN to run it');

describe.skipIf(!configured)('Databricks sink against a real workspace (opt-in)', () => {
  const catalog = env['DATABRICKS_CATALOG'] === undefined || env['DATABRICKS_CATALOG'] === '' ? undefined : env['DATABRICKS_CATALOG'];
  const schema = `cloudpulse_test_${randomBytes(4).toString('hex')}`;
  const qualified = (table: string): string => `${catalog === undefined ? '' : `\`${catalog}\`.`}\`${schema}\`.\`${table}\``;
  let client: DBSQLClient;
  let session: Awaited<ReturnType<DBSQLClient['openSession']>>;

  const query = async (sql: string): Promise<Record<string, unknown>[]> => {
    const operation = await session.executeStatement(sql, { useCloudFetch: false });
    try {
      return (await operation.fetchAll()) as Record<string, unknown>[];
    } finally {
      await operation.close();
    }
  };
  const openSink = async (spec: TableSpec, extra: { stagingVolume?: string; stagingMinRows?: number } = {}): Promise<DatabricksSink> => {
    const sink = createDatabricksSink({ type: 'databricks', ...(catalog === undefined ? {} : { catalog }), schema, pipeline: 'real', ...extra });
    await sink.open({ topology: 'test', tables: [spec], clock: systemClock, events: new EngineEvents() });
    return sink;
  };
  const write = async (sink: DatabricksSink, records: readonly StreamRecord<TableRow>[]): Promise<DeadLetter[]> => {
    const letters: DeadLetter[] = [];
    await sink.write(records, { topology: 'test', positions: [records[records.length - 1]!.position], deadLetter: (l) => letters.push(l) });
    return letters;
  };
  const readTable = async (spec: TableSpec): Promise<Record<string, Cell>[]> => {
    const rows = await query(`SELECT ${spec.columns.map((c) => `\`${c.name}\``).join(', ')} FROM ${qualified(spec.name)} ORDER BY id, seq`);
    return rows.map((row) => Object.fromEntries(spec.columns.map((c) => {
      const value = row[c.name] ?? null;
      if (value instanceof Date) return [c.name, c.type === 'date' ? value.toISOString().slice(0, 10) : value.getTime()];
      return [c.name, value as Cell];
    })));
  };
  const sorted = (rows: readonly Record<string, Cell>[]): Record<string, Cell>[] =>
    [...rows].sort((a, b) => (String(a['id']) < String(b['id']) ? -1 : String(a['id']) > String(b['id']) ? 1 : Number(a['seq']) - Number(b['seq'])));

  beforeAll(async () => {
    client = new DBSQLClient({ logger: { log: () => undefined } });
    await client.connect({ host: env['DATABRICKS_HOST']!.replace(/^https?:\/\//, ''), path: env['DATABRICKS_HTTP_PATH']!, token: env['DATABRICKS_TOKEN']!, telemetryEnabled: false });
    session = await client.openSession();
  });

  afterAll(async () => {
    await query(`DROP SCHEMA IF EXISTS ${catalog === undefined ? '' : `\`${catalog}\`.`}\`${schema}\` CASCADE`).catch(() => undefined);
    await client?.close();
  });

  it('merges a batch, replays it as a no-op, and keeps the positions', async () => {
    const spec = conformanceTable('real_basic');
    const rows = Array.from({ length: 30 }, (_, i) => conformanceRow(`k${i % 11}`, i));
    const records = conformanceRecords(spec.name, rows, 1);
    const sink = await openSink(spec);
    try {
      expect(await write(sink, records)).toEqual([]);
      const affected = sink.statistics.affectedRows;
      expect(await write(sink, records)).toEqual([]);
      expect(sink.statistics.affectedRows).toBe(affected);
      expect(await readTable(spec)).toEqual(sorted(rows));
      expect(await sink.storedPositions('conformance.csv')).toEqual([records[records.length - 1]!.position]);
    } finally {
      await sink.close();
    }
  }, 600_000);

  it('dead-letters a row that violates a NOT NULL key', async () => {
    const spec = conformanceTable('real_checked');
    const rows: Record<string, Cell>[] = Array.from({ length: 8 }, (_, i) => conformanceRow(`k${i}`, i));
    rows[5] = { ...rows[5]!, id: null };
    const sink = await openSink(spec);
    try {
      const letters = await write(sink, conformanceRecords(spec.name, rows, 1));
      expect(letters.map((l) => [l.position.offset, l.field])).toEqual([[6, 'id']]);
      expect(await readTable(spec)).toEqual(sorted(rows.filter((_, i) => i !== 5)));
    } finally {
      await sink.close();
    }
  }, 600_000);

  it.skipIf((env['DATABRICKS_VOLUME'] ?? '') === '')('stages a large write through a volume (PUT, COPY INTO, MERGE)', async () => {
    const spec = conformanceTable('real_staged');
    const rows = Array.from({ length: 500 }, (_, i) => conformanceRow(`k${i % 97}`, i));
    const sink = await openSink(spec, { stagingVolume: env['DATABRICKS_VOLUME']!, stagingMinRows: 100 });
    try {
      expect(await write(sink, conformanceRecords(spec.name, rows, 1))).toEqual([]);
      expect(await readTable(spec)).toEqual(sorted(rows));
    } finally {
      await sink.close();
    }
  }, 600_000);
});

// @services spark
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabricksSink } from '../../connectors/databricks/create-databricks-sink.js';
import type { DatabricksSink } from '../../connectors/databricks/databricks-sink.js';
import { sparkStringLiteral } from '../../connectors/databricks/spark-literal.js';
import { EngineEvents, PermanentError, systemClock, TransientError, type Cell, type DeadLetter, type SourcePosition, type StreamRecord, type TableRow, type TableSpec } from '../../engine/index.js';
import { Prng } from '../../replay/generators/prng.js';
import { conformanceRecords, conformanceRow, conformanceTable } from '../conformance/conformance-topology.js';
import { serviceSettings, SparkSqlClient } from '../services/index.js';
import { readSparkTable } from './read-spark-table.js';
import { TestWarehouse } from './test-warehouse.js';

const SCHEMA = `sink_${process.pid}`;
let tableCounter = 0;

describe('Databricks sink through the driver on Spark SQL + Delta Lake', () => {
  let warehouse: TestWarehouse;
  let spark: SparkSqlClient;

  beforeAll(async () => {
    warehouse = await TestWarehouse.start({ spark: serviceSettings('spark') });
    spark = await SparkSqlClient.connect(serviceSettings('spark'));
  });

  afterAll(async () => {
    spark?.close();
    await warehouse?.close();
  });

  const sinkFor = (options: { pipeline?: string; resultFormat?: 'arrow' | 'columns'; token?: string } = {}): DatabricksSink => {
    const { host, port, path, token } = warehouse.address;
    return createDatabricksSink({
      type: 'databricks',
      host,
      port,
      httpPath: path,
      token: options.token ?? token,
      schema: SCHEMA,
      pipeline: options.pipeline ?? 'p',
      ...(options.resultFormat === undefined ? {} : { resultFormat: options.resultFormat }),
    });
  };
  const open = async (spec: TableSpec, options: Parameters<typeof sinkFor>[0] = {}): Promise<DatabricksSink> => {
    const sink = sinkFor(options);
    await sink.open({ topology: 'test', tables: [spec], clock: systemClock, events: new EngineEvents() });
    return sink;
  };
  const write = async (sink: DatabricksSink, records: readonly StreamRecord<TableRow>[], positions: readonly SourcePosition[] = []): Promise<DeadLetter[]> => {
    const letters: DeadLetter[] = [];
    await sink.write(records, { topology: 'test', positions, deadLetter: (letter) => letters.push(letter) });
    return letters;
  };
  const table = (spec: TableSpec): string => `\`${SCHEMA}\`.\`${spec.name}\``;
  /** [version, operation, rows inserted] of each commit of the table, oldest first. */
  const tableVersions = async (spec: TableSpec): Promise<unknown[][]> =>
    (await spark.query(`DESCRIBE HISTORY ${table(spec)}`))
      .sort((a, b) => Number(a['version']) - Number(b['version']))
      .map((row) => [row['version'], row['operation'], (row['operationMetrics'] as Record<string, string>)['numTargetRowsInserted'] ?? null]);
  const read = async (spec: TableSpec): Promise<Record<string, Cell>[]> => sortByKey(await readSparkTable(spark, table(spec), spec));

  it('leaves the same table when a batch is replayed: the replay affects 0 rows and commits no table version', async () => {
    const spec = conformanceTable(`replay_${++tableCounter}`);
    const rows = Array.from({ length: 40 }, (_, i) => conformanceRow(`k${i % 13}`, i));
    const records = conformanceRecords(spec.name, rows, 1);
    const positions = [records[records.length - 1]!.position];
    const sink = await open(spec);
    try {
      expect(await write(sink, records, positions)).toEqual([]);
      const once = await read(spec);
      const versionsBefore = await tableVersions(spec);
      const first = sink.statistics;
      expect(first.affectedRows).toBe(40);
      expect(await write(sink, records, positions)).toEqual([]);
      const replay = sink.statistics;
      expect(replay.merges).toBe(first.merges + 1);
      expect(replay.affectedRows - first.affectedRows).toBe(0);
      expect(await read(spec)).toEqual(once);
      expect(once).toEqual(sortByKey(rows));
      // Delta's own record: the replay wrote no file and committed nothing.
      expect(await tableVersions(spec)).toEqual(versionsBefore);
      expect(versionsBefore.at(-1)).toEqual([1, 'MERGE', '40']);
      expect(await sink.storedPositions('conformance.csv')).toEqual(positions);
    } finally {
      await sink.close();
    }
  }, 180_000);

  it('round-trips fuzzed text (quotes, backslashes, newlines, ${…}, unicode) exactly through Spark SQL', async () => {
    const spec: TableSpec = { name: `fuzz_${++tableCounter}`, columns: [{ name: 'id', type: 'integer' }, { name: 'label', type: 'text' }], key: ['id'] };
    const labels = fuzzedTexts(new Prng(20_260_329), 250);
    const sink = await open(spec);
    try {
      const records = labels.map((label, i): StreamRecord<TableRow> => ({ value: { table: spec.name, row: { id: i, label } }, eventTime: 0, position: { source: 'fuzz', partition: 'fuzz', offset: i + 1 } }));
      expect(await write(sink, records)).toEqual([]);
    } finally {
      await sink.close();
    }
    const stored = (await spark.sql(`SELECT id, label FROM ${table(spec)} ORDER BY id`, { maxRows: 1_000 })).rows;
    expect(stored.map((row) => row[1])).toEqual(labels);
    // And as plain literals in one statement, the function on its own.
    const values = labels.map((label, i) => `(${i}, ${sparkStringLiteral(label)})`).join(', ');
    const selected = (await spark.sql(`SELECT * FROM VALUES ${values} AS v(i, s) ORDER BY i`, { maxRows: 1_000 })).rows;
    expect(selected.map((row) => row[1])).toEqual(labels);
  }, 180_000);

  it('dead-letters exactly the rows that violate a constraint and writes the rest of the batch', async () => {
    const spec = conformanceTable(`checked_${++tableCounter}`);
    const sink = await open(spec);
    try {
      await spark.sql(`ALTER TABLE ${table(spec)} ADD CONSTRAINT amount_not_negative CHECK (amount IS NULL OR amount >= 0)`);
      const rows: Record<string, Cell>[] = Array.from({ length: 16 }, (_, i) => ({ ...conformanceRow(`k${i}`, i, 1), amount: i + 0.5 }));
      rows[4] = { ...rows[4]!, amount: -4.5 };
      rows[9] = { ...rows[9]!, id: null };
      rows[13] = { ...rows[13]!, amount: -0.25 };
      const records = conformanceRecords(spec.name, rows, 201);
      const positions = [records[records.length - 1]!.position];
      const letters = await write(sink, records, positions);
      expect(letters.map((l) => [l.position.offset, l.reason, l.field])).toEqual([
        [205, 'sink_rejected', 'amount'],
        [210, 'sink_rejected', 'id'],
        [214, 'sink_rejected', 'amount'],
      ]);
      expect(letters[0]!.detail).toMatch(/DELTA_VIOLATE_CONSTRAINT_WITH_VALUES.*amount_not_negative/);
      expect(letters[1]!.detail).toMatch(/DELTA_NOT_NULL_CONSTRAINT_VIOLATED/);
      expect(JSON.parse(letters[2]!.raw!)).toEqual(rows[13]);
      expect(await read(spec)).toEqual(sortByKey(rows.filter((_, i) => ![4, 9, 13].includes(i))));
      expect(await sink.storedPositions('conformance.csv')).toEqual(positions);
    } finally {
      await sink.close();
    }
  }, 300_000);

  for (const [writer, reader] of [
    ['arrow', 'columns'],
    ['columns', 'arrow'],
  ] as const) {
    it(`reads stored positions and checks table schemas alike in both result formats (written with ${writer}, read with ${reader})`, async () => {
      const name = `schema_${writer}_${++tableCounter}`;
      const v1: TableSpec = { name, columns: [{ name: 'id', type: 'text' }, { name: 'amount', type: 'numeric' }, { name: 'at', type: 'timestamptz' }], key: ['id'] };
      const v2: TableSpec = { ...v1, columns: [...v1.columns, { name: 'note', type: 'text' }, { name: 'day', type: 'date' }] };
      const pipeline = `formats_${writer}`;
      const positions = [
        { source: 'orders.csv', partition: 'orders.csv', offset: 2 ** 52 + 3 },
        { source: 'orders.csv', partition: 'other', offset: 7 },
      ];
      const first = await open(v1, { pipeline, resultFormat: writer });
      try {
        await write(first, [{ value: { table: name, row: { id: 'a', amount: 1.5, at: Date.UTC(2024, 0, 2) } }, eventTime: 0, position: positions[0]! }], positions);
      } finally {
        await first.close();
      }
      const second = await open(v2, { pipeline, resultFormat: reader });
      try {
        expect(await second.storedPositions('orders.csv')).toEqual([...positions].sort((a, b) => (a.partition < b.partition ? -1 : 1)));
        await write(second, [{ value: { table: name, row: { id: 'b', amount: null, at: null, note: 'added later', day: '2024-02-29' } }, eventTime: 0, position: positions[1]! }]);
      } finally {
        await second.close();
      }
      const columns = (await spark.query(`DESCRIBE TABLE ${table(v2)}`)).map((row) => [row['col_name'], row['data_type']]);
      expect(columns.slice(0, 5)).toEqual([['id', 'string'], ['amount', 'double'], ['at', 'timestamp'], ['note', 'string'], ['day', 'date']]);
      expect(await read(v2)).toEqual([
        { id: 'a', amount: 1.5, at: Date.UTC(2024, 0, 2), note: null, day: null },
        { id: 'b', amount: null, at: null, note: 'added later', day: '2024-02-29' },
      ]);
      const incompatible: TableSpec = { ...v2, columns: v2.columns.map((c) => (c.name === 'amount' ? { ...c, type: 'date' as const } : c)) };
      const failure = await open(incompatible, { pipeline, resultFormat: reader }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(PermanentError);
      expect((failure as PermanentError).code).toBe('databricks_schema_mismatch');
      expect((failure as Error).message).toMatch(/column amount of .* is double/);
    }, 180_000);
  }

  it('retries after the warehouse forgot its session, and stops on a missing table or a wrong token', async () => {
    const spec = conformanceTable(`errors_${++tableCounter}`);
    const sink = await open(spec);
    const rows = [conformanceRow('a', 1), conformanceRow('b', 2)];
    try {
      await write(sink, conformanceRecords(spec.name, rows.slice(0, 1), 1));
      // A restart of the warehouse: the sink's session is gone.
      await warehouse.goAway();
      await warehouse.comeBack();
      const lost = await write(sink, conformanceRecords(spec.name, rows.slice(1), 2)).catch((error: unknown) => error);
      expect(lost).toBeInstanceOf(TransientError);
      await write(sink, conformanceRecords(spec.name, rows.slice(1), 2));
      expect(await read(spec)).toEqual(sortByKey(rows));

      await spark.sql(`DROP TABLE ${table(spec)}`);
      const missing = await write(sink, conformanceRecords(spec.name, rows, 1)).catch((error: unknown) => error);
      expect(missing).toBeInstanceOf(PermanentError);
      expect((missing as PermanentError).code).toBe('databricks_TABLE_OR_VIEW_NOT_FOUND');
    } finally {
      await sink.close();
    }
    const wrongToken = 'dapi-wrong-token-0123456789';
    const refused = await open(spec, { token: wrongToken }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PermanentError);
    expect((refused as PermanentError).code).toBe('databricks_http_401');
    expect((refused as Error).message).not.toContain(wrongToken);
  }, 180_000);
});

function sortByKey(rows: readonly Record<string, Cell>[]): Record<string, Cell>[] {
  const key = (row: Record<string, Cell>): string => JSON.stringify([row['id'] ?? null, row['seq'] ?? null]);
  return [...rows].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
}

/** Random texts built from the pieces that break quoting: quotes, backslashes, line breaks, `${…}`, NUL, unicode. */
function fuzzedTexts(rng: Prng, count: number): string[] {
  const pieces = ["'", "''", '"', '`', '\\', '\\\\', "\\'", '\\n', '\n', '\r\n', '\t', '\u0000', '$', '${env:HOME}', '${spark.app.name}', '--', '/*', '*/', ';', '%', '_', '\\u0041', '\u2028', '日本語', '🚀', 'é', 'e\u0301', '\uFEFF', ' ', 'x'];
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    let text = '';
    const length = rng.int(0, 12);
    for (let j = 0; j < length; j++) {
      if (rng.chance(0.2)) {
        // Any valid code point, astral planes included (never a lone surrogate: UTF-8 cannot carry one).
        let code = rng.int(1, 0x10ffff);
        if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
        text += String.fromCodePoint(code);
      } else {
        text += pieces[rng.int(0, pieces.length - 1)]!;
      }
    }
    texts.push(text);
  }
  return texts;
}

// @services postgres
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interruptDuringWrite } from '../../test/postgres/interrupt-write.js';
import { readPostgresTable } from '../../test/postgres/read-postgres-table.js';
import { openTestDatabase, type TestDatabase } from '../../test/postgres/test-database.js';
import {
  EngineError,
  EngineEvents,
  systemClock,
  type Cell,
  type DeadLetter,
  type SourcePosition,
  type StreamRecord,
  type TableRow,
  type TableSpec,
} from '../../engine/index.js';
import { createPostgresSink } from './create-postgres-sink.js';
import type { PostgresSink } from './postgres-sink.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await openTestDatabase('sink');
});

afterAll(async () => {
  await db?.close();
});

let counter = 0;

async function openSink(tables: readonly TableSpec[], options: { pipeline?: string; schema?: string; url?: string; logger?: Logs } = {}): Promise<PostgresSink> {
  const sink = createPostgresSink(
    { type: 'postgres', url: options.url ?? db.url, pipeline: options.pipeline ?? `p${++counter}`, ...(options.schema === undefined ? {} : { schema: options.schema }) },
    options.logger === undefined ? {} : { logger: options.logger },
  );
  await sink.open({ topology: 'test', tables, clock: systemClock, events: new EngineEvents() });
  return sink;
}

function records(table: string, rows: readonly Record<string, Cell>[], first = 1, op?: (i: number) => 'delete' | undefined): StreamRecord<TableRow>[] {
  return rows.map((row, i) => {
    const kind = op?.(i);
    return { value: { table, row }, eventTime: 0, position: { source: 'in.csv', partition: 'in.csv', offset: first + i }, ...(kind === undefined ? {} : { op: kind }) };
  });
}

async function write(sink: PostgresSink, batch: readonly StreamRecord<TableRow>[], positions: readonly SourcePosition[] = []): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  await sink.write(batch, { topology: 'test', positions, deadLetter: (letter) => letters.push(letter) });
  return letters;
}

async function read(spec: TableSpec, schema = 'public'): Promise<Record<string, Cell>[]> {
  const client = await db.connect();
  try {
    return await readPostgresTable(client, schema, spec);
  } finally {
    await client.end();
  }
}

type Logs = { info: (obj: unknown, msg?: string) => void; warn: (obj: unknown, msg?: string) => void; lines: string[] };
function captureLogs(): Logs {
  const lines: string[] = [];
  const log = (obj: unknown, msg?: string): void => void lines.push(`${JSON.stringify(obj)} ${msg ?? ''}`);
  return { info: log, warn: log, lines };
}

describe('PostgresSink against a real server', () => {
  it('round-trips identifiers and values with quotes, unicode, semicolons and SQL keywords exactly', async () => {
    const spec: TableSpec = {
      name: `select; "weird" 表 ${++counter}`,
      columns: [
        { name: 'order', type: 'text' },
        { name: 'a"b; DROP TABLE x; --', type: 'integer' },
        { name: 'naïve ☃', type: 'text' },
        { name: 'User', type: 'numeric' },
        { name: 'from', type: 'timestamptz' },
        { name: 'table', type: 'date' },
        { name: 'where', type: 'boolean' },
      ],
      key: ['order', 'a"b; DROP TABLE x; --'],
    };
    const texts = [
      `O'Brien "the" ; DROP TABLE users; --`,
      'tab\there\nnewline\r\nCRLF \\ backslash \\N not null \\. dot',
      'naïve café 日本語 ✓ 🚀 \u00a0nbsp',
      '',
      'SELECT * FROM "select" WHERE 1=1; COMMIT;',
      '$1 $$dollar$$ %s %d {} []',
    ];
    const numbers = [0.1 + 0.2, -1e-7, 123456789.123456, 2 ** 53 - 1, -0.5, 1e20];
    const rows = texts.map((text, i) => ({
      order: text,
      'a"b; DROP TABLE x; --': i === 3 ? -(2 ** 53 - 1) : i * 7,
      'naïve ☃': i === 2 ? null : text.split('').reverse().join(''),
      User: numbers[i]!,
      from: Date.UTC(1969, 11, 31, 23, 59, 59, 999) + i * 86_400_123,
      table: `19${60 + i}-02-2${i}`,
      where: i % 3 === 0 ? null : i % 2 === 0,
    }));
    const sink = await openSink([spec]);
    expect(await write(sink, records(spec.name, rows))).toEqual([]);
    await sink.close();
    const expected = rows.map((row) => ({ ...row }));
    expect(await read(spec)).toEqual(sortBy(spec, expected));
    const catalog = await db.query<{ name: string }>(
      `SELECT a.attname::text AS name FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relname = $1 AND a.attnum > 0 ORDER BY a.attnum`,
      [spec.name],
    );
    expect(catalog.map((c) => c.name)).toEqual(spec.columns.map((c) => c.name));
  });

  it('adds a new declared column as nullable, and keeps the rows written before', async () => {
    const name = `evolving_${++counter}`;
    const v1: TableSpec = { name, columns: [{ name: 'id', type: 'text' }, { name: 'n', type: 'integer' }], key: ['id'] };
    const v2: TableSpec = { name, columns: [...v1.columns, { name: 'added later', type: 'numeric' }], key: ['id'] };
    const first = await openSink([v1]);
    await write(first, records(name, [{ id: 'a', n: 1 }]));
    await first.close();
    const logs = captureLogs();
    const second = await openSink([v2], { logger: logs });
    await write(second, records(name, [{ id: 'b', n: 2, 'added later': 2.5 }]));
    await second.close();
    expect(await read(v2)).toEqual([
      { id: 'a', n: 1, 'added later': null },
      { id: 'b', n: 2, 'added later': 2.5 },
    ]);
    expect(logs.lines.some((line) => line.includes('added later'))).toBe(true);
    const nullable = await db.query<{ attnotnull: boolean }>(`SELECT attnotnull FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'added later'`, [`"${name}"`]);
    expect(nullable).toEqual([{ attnotnull: false }]);
  });

  it('fails at start, naming table and column, when the existing table cannot take the declared rows', async () => {
    const name = `incompatible_${++counter}`;
    await db.query(`CREATE TABLE "${name}" (id text PRIMARY KEY, amount text, note text NOT NULL)`);
    const spec = (type: 'numeric' | 'text'): TableSpec => ({ name, columns: [{ name: 'id', type: 'text' }, { name: 'amount', type }], key: ['id'] });
    await expect(openSink([spec('numeric')])).rejects.toThrow(new RegExp(`"${name}" column "amount": the database has text, the topology declares numeric`));
    await expect(openSink([spec('text')])).rejects.toThrow(/column "note": NOT NULL without default/);
    await db.query(`ALTER TABLE "${name}" ALTER COLUMN note DROP NOT NULL`);
    const otherKey: TableSpec = { name, columns: [{ name: 'id', type: 'text' }, { name: 'amount', type: 'text' }], key: ['amount'] };
    await expect(openSink([otherKey])).rejects.toThrow(/no primary key or unique index on the key \("amount"\)/);
    const error = await openSink([spec('numeric')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('postgres_schema_mismatch');
    expect((error as EngineError).retryable).toBe(false);
  });

  it('fences a stale writer: after a second writer of the same pipeline starts, the first cannot commit', async () => {
    const spec: TableSpec = { name: `fenced_${++counter}`, columns: [{ name: 'id', type: 'text' }, { name: 'v', type: 'integer' }], key: ['id'] };
    const older = await openSink([spec], { pipeline: 'shared' });
    await write(older, records(spec.name, [{ id: 'a', v: 1 }]), [{ source: 'in.csv', partition: 'in.csv', offset: 1 }]);
    const newer = await openSink([spec], { pipeline: 'shared' });
    expect(newer.writerGeneration).toBe(older.writerGeneration + 1);
    const error = await write(older, records(spec.name, [{ id: 'a', v: 99 }], 2), [{ source: 'in.csv', partition: 'in.csv', offset: 2 }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('postgres_fenced');
    expect((error as EngineError).retryable).toBe(false);
    expect(await read(spec)).toEqual([{ id: 'a', v: 1 }]);
    expect(await newer.storedPositions('in.csv')).toEqual([{ source: 'in.csv', partition: 'in.csv', offset: 1 }]);
    await write(newer, records(spec.name, [{ id: 'a', v: 2 }], 2), [{ source: 'in.csv', partition: 'in.csv', offset: 2 }]);
    expect(await read(spec)).toEqual([{ id: 'a', v: 2 }]);
    await older.close();
    await newer.close();
  });

  it('commits positions with the data or not at all: a write killed mid-transaction leaves neither', async () => {
    const spec: TableSpec = { name: `atomic_${++counter}`, columns: [{ name: 'id', type: 'text' }, { name: 'v', type: 'integer' }], key: ['id'] };
    const sink = await openSink([spec]);
    await write(sink, records(spec.name, [{ id: 'a', v: 1 }]), [{ source: 'in.csv', partition: 'in.csv', offset: 1 }]);
    let failure: unknown;
    const hit = await interruptDuringWrite(() => db.connect(), 'public', async () => {
      await write(sink, records(spec.name, [{ id: 'a', v: 2 }, { id: 'b', v: 3 }], 2), [{ source: 'in.csv', partition: 'in.csv', offset: 3 }]).catch((e: unknown) => void (failure = e));
    });
    expect(hit).toBe(true);
    expect(failure).toBeInstanceOf(EngineError);
    expect((failure as EngineError).retryable).toBe(true);
    expect(await read(spec)).toEqual([{ id: 'a', v: 1 }]);
    expect(await sink.storedPositions('in.csv')).toEqual([{ source: 'in.csv', partition: 'in.csv', offset: 1 }]);
    // The runtime's retry: the same sink reconnects and the write goes through.
    await write(sink, records(spec.name, [{ id: 'a', v: 2 }, { id: 'b', v: 3 }], 2), [{ source: 'in.csv', partition: 'in.csv', offset: 3 }]);
    expect(await read(spec)).toEqual([{ id: 'a', v: 2 }, { id: 'b', v: 3 }]);
    expect(await sink.storedPositions('in.csv')).toEqual([{ source: 'in.csv', partition: 'in.csv', offset: 3 }]);
    await sink.close();
  });

  it('writes several tables per batch, deletes by key, and dead-letters null keys and NUL bytes with the reason', async () => {
    const left: TableSpec = { name: `left_${++counter}`, columns: [{ name: 'id', type: 'text' }, { name: 'v', type: 'text' }], key: ['id'] };
    const right: TableSpec = { name: `right_${counter}`, columns: [{ name: 'k', type: 'integer' }, { name: 'at', type: 'timestamptz' }], key: ['k'] };
    const sink = await openSink([left, right]);
    const batch = [
      ...records(left.name, [{ id: 'a', v: 'one' }, { id: null, v: 'null key' }, { id: 'b', v: 'two' }, { id: 'c', v: 'nul\u0000byte' }], 1),
      ...records(right.name, [{ k: 1, at: 0 }, { k: 2, at: 1000 }, { k: 1, at: null }], 5, (i) => (i === 2 ? 'delete' : undefined)),
    ];
    const letters = await write(sink, batch, [{ source: 'in.csv', partition: 'in.csv', offset: 7 }]);
    expect(letters.map((l) => l.position.offset)).toEqual([2, 4]);
    expect(letters.every((l) => l.reason === 'sink_rejected')).toBe(true);
    expect(letters[0]!.detail).toMatch(/null value in column "id".*SQLSTATE 23502/);
    expect(letters[0]!.field).toBe('id');
    expect(letters[1]!.detail).toMatch(/SQLSTATE 22021/);
    expect(JSON.parse(letters[1]!.raw!)).toEqual({ id: 'c', v: 'nul\u0000byte' });
    expect(await read(left)).toEqual([{ id: 'a', v: 'one' }, { id: 'b', v: 'two' }]);
    expect(await read(right)).toEqual([{ k: 2, at: 1000 }]);
    expect(await sink.storedPositions('in.csv')).toEqual([{ source: 'in.csv', partition: 'in.csv', offset: 7 }]);
    await sink.close();
  });

  it('keeps the last record of a key repeated in a batch, and upserts keys that already exist', async () => {
    const spec: TableSpec = { name: `repeats_${++counter}`, columns: [{ name: 'id', type: 'text' }, { name: 'v', type: 'integer' }], key: ['id'] };
    const sink = await openSink([spec]);
    // New keys only: straight COPY into the table.
    await write(sink, records(spec.name, [{ id: 'a', v: 1 }, { id: 'b', v: 1 }]));
    // A repeated key (no deletes): the direct COPY hits a unique violation and the batch goes through the upsert.
    await write(sink, records(spec.name, [{ id: 'c', v: 1 }, { id: 'c', v: 2 }, { id: 'd', v: 1 }, { id: 'c', v: 3 }], 3));
    // Existing keys mixed with new ones, several batches in a row (some skip the direct attempt after a conflict).
    for (let round = 0; round < 4; round++) {
      await write(sink, records(spec.name, [{ id: 'a', v: 10 + round }, { id: `new${round}`, v: round }], 10 + round * 2));
    }
    await write(sink, records(spec.name, [{ id: 'e', v: 5 }], 30));
    expect(await read(spec)).toEqual([
      { id: 'a', v: 13 },
      { id: 'b', v: 1 },
      { id: 'c', v: 3 },
      { id: 'd', v: 1 },
      { id: 'e', v: 5 },
      { id: 'new0', v: 0 },
      { id: 'new1', v: 1 },
      { id: 'new2', v: 2 },
      { id: 'new3', v: 3 },
    ]);
    await sink.close();
  });

  it('applies in order two rows whose keys differ as values but are equal to PostgreSQL (1 and 1.0)', async () => {
    const spec: TableSpec = { name: `numeric_key_${++counter}`, columns: [{ name: 'k', type: 'numeric' }, { name: 'v', type: 'text' }], key: ['k'] };
    const sink = await openSink([spec]);
    const letters = await write(sink, records(spec.name, [{ k: 1, v: 'first' }, { k: '1.0', v: 'second' }]));
    expect(letters).toEqual([]);
    const rows = await db.query<{ k: string; v: string }>(`SELECT k::text AS k, v FROM "${spec.name}"`);
    // One row: the second record updated the first (key columns keep the first spelling; they are the identity).
    expect(rows).toEqual([{ k: '1', v: 'second' }]);
    await sink.close();
  });

  it('connects from PG* variables, writes into its own schema, and never logs the password', async () => {
    await db.query(`CREATE ROLE writer LOGIN PASSWORD 'pa55-w0rd!' SUPERUSER`);
    const logs = captureLogs();
    const spec: TableSpec = { name: `env_${++counter}`, columns: [{ name: 'id', type: 'text' }], key: ['id'] };
    const env = { PGHOST: db.server.host, PGPORT: String(db.server.port), PGUSER: 'writer', PGPASSWORD: 'pa55-w0rd!', PGDATABASE: db.database };
    const sink = createPostgresSink({ type: 'postgres', schema: 'analytics "x"', pipeline: 'env' }, { env, logger: logs });
    await sink.open({ topology: 'test', tables: [spec], clock: systemClock, events: new EngineEvents() });
    await write(sink, records(spec.name, [{ id: 'x' }]));
    await sink.close();
    expect(await read(spec, 'analytics "x"')).toEqual([{ id: 'x' }]);
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(logs.lines.join('\n')).toContain('writer@');
    expect(logs.lines.join('\n')).not.toContain('pa55-w0rd!');
    const missing = createPostgresSink({ type: 'postgres', url: `postgres://writer:pa55-w0rd!@${db.server.host}:${db.server.port}/no_such_db` });
    const error = await missing.open({ topology: 'test', tables: [spec], clock: systemClock, events: new EngineEvents() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('postgres_3D000');
    expect((error as EngineError).message).toContain('no_such_db');
    expect((error as EngineError).message).not.toContain('pa55-w0rd!');
  });
});

function sortBy(spec: TableSpec, rows: readonly Record<string, Cell>[]): Record<string, Cell>[] {
  const keyOf = (row: Record<string, Cell>): string => JSON.stringify(spec.key.map((k) => row[k] ?? null));
  return [...rows].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}

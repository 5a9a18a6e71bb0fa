// @services postgres
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPostgresTable } from '../../test/postgres/read-postgres-table.js';
import { openTestDatabase, type TestDatabase } from '../../test/postgres/test-database.js';
import { waitUntil } from '../../test/migrate/wait-until.js';
import { EngineEvents, FencedError, systemClock, type Cell, type SourcePosition, type StreamRecord, type TableRow, type TableSpec } from '../../engine/index.js';
import { createPostgresSink } from './create-postgres-sink.js';
import type { PostgresSink } from './postgres-sink.js';

// Writers of one pipeline that a consumer group gave different partitions of topic `t` (what two daemons do).
let db: TestDatabase;
let counter = 0;

beforeAll(async () => {
  db = await openTestDatabase('fence');
});

afterAll(async () => {
  await db?.close();
});

function table(): TableSpec {
  return { name: `fenced_${++counter}`, columns: [{ name: 'id', type: 'text' }, { name: 'v', type: 'integer' }], key: ['id'] };
}

async function openSink(spec: TableSpec, pipeline: string): Promise<PostgresSink> {
  const sink = createPostgresSink({ type: 'postgres', url: db.url, pipeline });
  await sink.open({ topology: 'test', tables: [spec], clock: systemClock, events: new EngineEvents() });
  return sink;
}

/** One row `id = v` read from partition `partition` of topic `t` at `offset`; the write stores that position. */
async function write(sink: PostgresSink, spec: TableSpec, partition: string, offset: number, id: string, v: number): Promise<void> {
  const position: SourcePosition = { source: 't', partition, offset };
  const record: StreamRecord<TableRow> = { value: { table: spec.name, row: { id, v } }, eventTime: 0, position };
  await sink.write([record], { topology: 'test', positions: [position], deadLetter: () => undefined });
}

async function rows(spec: TableSpec): Promise<Record<string, Cell>[]> {
  const client = await db.connect();
  try {
    return await readPostgresTable(client, 'public', spec);
  } finally {
    await client.end();
  }
}

async function positions(pipeline: string): Promise<Record<string, number>> {
  const stored = await db.query<{ partition: string; offset: string }>(`SELECT partition, "offset"::text AS "offset" FROM cloudpulse_positions WHERE pipeline = $1 AND source = 't'`, [pipeline]);
  return Object.fromEntries(stored.map((r) => [r.partition, Number(r.offset)]));
}

describe('PostgresSink: per-partition writer fence (claims on assignment)', () => {
  it('fences a stale owner of a partition, while it still commits the partitions it owns and the new owner commits its own', async () => {
    const spec = table();
    const pipeline = `shared-${counter}`;
    const first = await openSink(spec, pipeline);
    await first.storedPositions('t', ['0', '1', '2']);
    await write(first, spec, '0', 10, 'a', 1);
    await write(first, spec, '2', 20, 'c', 1);

    // Opening a second writer of the same pipeline no longer fences the first once partitions are claimed.
    const second = await openSink(spec, pipeline);
    await write(first, spec, '1', 15, 'b', 1);
    // The group moves partition 2 to the second writer: it claims it and reads what the first made durable.
    expect(await second.storedPositions('t', ['2'])).toContainEqual({ source: 't', partition: '2', offset: 20 });

    const stale = await write(first, spec, '2', 21, 'c', 99).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(FencedError);
    expect((stale as FencedError).code).toBe('postgres_fenced');
    expect((stale as FencedError).retryable).toBe(false);
    expect((stale as FencedError).message).toMatch(/t\/2/);
    // A row of partition 2 without its position is fenced too (nvda-like state holds store no positions).
    const rowOnly: StreamRecord<TableRow> = { value: { table: spec.name, row: { id: 'c', v: 98 } }, eventTime: 0, position: { source: 't', partition: '2', offset: 22 } };
    await expect(first.write([rowOnly], { topology: 'test', positions: [], deadLetter: () => undefined })).rejects.toBeInstanceOf(FencedError);

    await write(first, spec, '0', 11, 'a', 2);
    await write(second, spec, '2', 21, 'c', 2);
    // A partition the writer never claimed is not its to write.
    await expect(write(second, spec, '0', 12, 'a', 77)).rejects.toBeInstanceOf(FencedError);

    expect(await rows(spec)).toEqual([{ id: 'a', v: 2 }, { id: 'b', v: 1 }, { id: 'c', v: 2 }]);
    expect(await positions(pipeline)).toEqual({ '0': 11, '1': 15, '2': 21 });
    await first.close();
    await second.close();
  });

  it('a claim waits for a write in flight of the partition, and reads its position after it commits', async () => {
    const spec = table();
    const pipeline = `inflight-${counter}`;
    const first = await openSink(spec, pipeline);
    await first.storedPositions('t', ['0']);
    await write(first, spec, '0', 1, 'a', 1);
    const second = await openSink(spec, pipeline);

    // Hold the table so the first writer's next transaction stops after its fence check.
    const blocker = await db.connect();
    await blocker.query('BEGIN');
    await blocker.query(`LOCK TABLE "${spec.name}" IN EXCLUSIVE MODE`);
    const waiting = async (): Promise<number> =>
      Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, [db.database]))[0]!.n);
    const inFlight = write(first, spec, '0', 2, 'a', 2);
    await waitUntil('the first writer waits for the table lock', async () => (await waiting()) === 1);
    const claim = second.storedPositions('t', ['0']);
    await waitUntil('the claim waits for the write in flight', async () => (await waiting()) === 2);
    await blocker.query('ROLLBACK');
    await blocker.end();

    await inFlight;
    expect(await claim).toEqual([{ source: 't', partition: '0', offset: 2 }]);
    await expect(write(first, spec, '0', 3, 'a', 3)).rejects.toBeInstanceOf(FencedError);
    await write(second, spec, '0', 3, 'a', 4);
    expect(await rows(spec)).toEqual([{ id: 'a', v: 4 }]);
    await first.close();
    await second.close();
  });

  it('without claims a writer owns the whole pipeline, as in a file replay', async () => {
    const spec = table();
    const pipeline = `replay-${counter}`;
    const older = await openSink(spec, pipeline);
    await write(older, spec, 'in.csv', 1, 'a', 1);
    const newer = await openSink(spec, pipeline);
    await expect(write(older, spec, 'in.csv', 2, 'a', 9)).rejects.toBeInstanceOf(FencedError);
    await write(newer, spec, 'in.csv', 2, 'a', 2);
    expect(await rows(spec)).toEqual([{ id: 'a', v: 2 }]);
    await older.close();
    await newer.close();
  });
});

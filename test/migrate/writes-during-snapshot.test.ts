// @services postgres
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropMigrationSlot } from '../../cli/migrate.js';
import { migrateTopology } from '../../cli/migrate-topology.js';
import { createPostgresSink } from '../../connectors/postgres/create-postgres-sink.js';
import { PostgresSource } from '../../connectors/postgres/source/postgres-source.js';
import { MemoryDeadLetterSink, PipelineRunner, type Sink, type StreamRecord, type TableRow, type TransactionalSink } from '../../engine/index.js';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { readBothSides } from './compare-tables.js';
import { waitUntil } from './wait-until.js';

const ROWS = 20_000;

/** The Postgres sink, remembering every record it made durable, in order. */
function recording(sink: TransactionalSink, written: StreamRecord<TableRow>[]): Sink & TransactionalSink {
  return {
    name: sink.name,
    open: (ctx) => sink.open(ctx),
    write: async (batch, ctx) => {
      await sink.write(batch, ctx);
      written.push(...batch);
    },
    flush: (end) => sink.flush(end),
    close: () => sink.close(),
    storedPositions: (source) => sink.storedPositions(source),
  };
}

describe('PostgreSQL source: writes committed while the snapshot is read', () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let sourceClient: pg.Client;
  let targetClient: pg.Client;

  beforeAll(async () => {
    source = await openTestDatabase('snapw_src');
    target = await openTestDatabase('snapw_dst');
    sourceClient = await source.connect();
    targetClient = await target.connect();
    await sourceClient.query('CREATE TABLE items (id integer PRIMARY KEY, v integer NOT NULL, note text)');
    await sourceClient.query(`INSERT INTO items SELECT i, i, 'row ' || i FROM generate_series(1, ${ROWS}) i`);
  });

  afterAll(async () => {
    await dropMigrationSlot(source.url, 'snapw').catch(() => undefined);
    await sourceClient?.end();
    await targetClient?.end();
    await source?.close();
    await target?.close();
  });

  it('reach the target exactly once, in commit order, after a snapshot that does not see them; the target equals the source', async () => {
    const written: StreamRecord<TableRow>[] = [];
    let writes: Promise<void> | undefined;
    const postgresSource: PostgresSource = new PostgresSource(
      { type: 'postgres', url: source.url, tables: ['items'], slot: 'cloudpulse_snapw', publication: 'cloudpulse_snapw', chunkRows: 500 },
      {
        onSnapshotProgress: (progress) => {
          if (writes !== undefined || progress.rowsRead === 0) return;
          // The first page is read: hold the snapshot while the writes commit, so they land in its middle.
          postgresSource.pause();
          writes = (async () => {
            const run = (sql: string): Promise<unknown> => sourceClient.query(sql);
            await run('UPDATE items SET v = v + 1000 WHERE id = 15000');
            await run('UPDATE items SET v = 2 WHERE id = 10');
            await run('UPDATE items SET v = 3 WHERE id = 10');
            await run('DELETE FROM items WHERE id = 12000');
            await run(`INSERT INTO items VALUES (50000, 1, 'inserted')`);
            await run('UPDATE items SET id = 60000 WHERE id = 11');
            await run('BEGIN');
            await run('UPDATE items SET v = -1 WHERE id = 20');
            await run(`INSERT INTO items VALUES (70000, 1, 'rolled back')`);
            await run('ROLLBACK');
            await run('BEGIN');
            await run(`INSERT INTO items VALUES (50001, 1, 'in a transaction')`);
            await run('UPDATE items SET v = 7 WHERE id = 50000');
            await run('DELETE FROM items WHERE id = 13');
            await run('COMMIT');
          })().finally(() => postgresSource.resume());
        },
      },
    );
    const tables = await postgresSource.prepare();
    const runner = new PipelineRunner({
      topology: migrateTopology('migrate-snapw', tables.map((t) => t.spec)),
      streams: { changes: postgresSource },
      sinks: [recording(createPostgresSink({ type: 'postgres', url: target.url, pipeline: 'migrate-snapw' }), written)],
      deadLetters: new MemoryDeadLetterSink(),
    });
    const run = runner.run();
    await waitUntil('the writes ran', async () => writes !== undefined);
    await writes;
    await waitUntil('the last change reached the target', async () => written.some((r) => r.value.row.id === 13 && r.op === 'delete'));
    runner.stop();
    const summary = await run;
    expect(summary.deadLettered).toBe(0);

    // The snapshot: every original row once, in key order, as it was before the writes.
    const snapshot = written.slice(0, ROWS);
    expect(snapshot.map((r) => r.value.row.id)).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
    expect(snapshot.find((r) => r.value.row.id === 15000)?.value.row.v).toBe(15000);
    expect(snapshot.every((r) => r.op === undefined)).toBe(true);

    // The changes: each committed write once, in commit order; nothing of the rolled-back transaction.
    const changes = written.slice(ROWS).map((r) => [r.op ?? 'upsert', r.value.row.id, r.value.row.v ?? null]);
    expect(changes).toEqual([
      ['upsert', 15000, 16000],
      ['upsert', 10, 2],
      ['upsert', 10, 3],
      ['delete', 12000, null],
      ['upsert', 50000, 1],
      ['delete', 11, null],
      ['upsert', 60000, 11],
      ['upsert', 50001, 1],
      ['upsert', 50000, 7],
      ['delete', 13, null],
    ]);
    const walOffsets = written.filter((r) => r.position.partition === 'wal').map((r) => r.position.offset);
    expect(walOffsets).toEqual([...walOffsets].sort((a, b) => a - b));

    const sides = await readBothSides(sourceClient, targetClient, 'public', 'items', 'public');
    expect(sides.target).toEqual(sides.source);
  });
});

// @services postgres
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropMigrationSlot } from '../../cli/migrate.js';
import { createPostgresSink } from '../../connectors/postgres/create-postgres-sink.js';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { readBothSides } from './compare-tables.js';
import { changesAfter, CHANGES_OF_THE_WRITES, createItems, migrateWithWritesDuringSnapshot } from './snapshot-writes.js';

const ROWS = 20_000;

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
    await createItems(sourceClient, ROWS);
  });

  afterAll(async () => {
    await dropMigrationSlot(source.url, 'snapw').catch(() => undefined);
    await sourceClient?.end();
    await targetClient?.end();
    await source?.close();
    await target?.close();
  });

  it('reach the target exactly once, in commit order, after a snapshot that does not see them; the target equals the source', async () => {
    const sink = createPostgresSink({ type: 'postgres', url: target.url, pipeline: 'migrate-snapw' });
    const { summary, written } = await migrateWithWritesDuringSnapshot({ sourceUrl: source.url, writer: sourceClient, name: 'snapw', sink, chunkRows: 500 });
    expect(summary.deadLettered).toBe(0);

    // The snapshot: every original row once, in key order, as it was before the writes.
    const snapshot = written.slice(0, ROWS);
    expect(snapshot.map((r) => r.value.row.id)).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
    expect(snapshot.find((r) => r.value.row.id === 1500)?.value.row.v).toBe(1500);
    expect(snapshot.every((r) => r.op === undefined)).toBe(true);

    // The changes: each committed write once, in commit order; nothing of the rolled-back transaction.
    expect(changesAfter(written, ROWS)).toEqual(CHANGES_OF_THE_WRITES);
    const walOffsets = written.filter((r) => r.position.partition === 'wal').map((r) => r.position.offset);
    expect(walOffsets).toEqual([...walOffsets].sort((a, b) => a - b));

    const sides = await readBothSides(sourceClient, targetClient, 'public', 'items', 'public');
    expect(sides.target).toEqual(sides.source);
  });
});

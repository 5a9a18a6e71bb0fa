// @services postgres
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropMigrationSlot, runMigrate } from '../../cli/migrate.js';
import type { SnapshotProgress } from '../../connectors/postgres/source/postgres-source.js';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { readBothSides } from './compare-tables.js';
import { loadDataset, type DatasetName } from './datasets.js';
import { snapshotDurable, waitUntil } from './wait-until.js';

describe('cloudpulse migrate: Northwind and Model Cars from PostgreSQL to PostgreSQL', () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let sourceClient: pg.Client;
  let targetClient: pg.Client;
  let out: string;
  const loaded: Partial<Record<DatasetName, string[]>> = {};

  beforeAll(async () => {
    source = await openTestDatabase('mig_src');
    target = await openTestDatabase('mig_dst');
    sourceClient = await source.connect();
    targetClient = await target.connect();
    out = await mkdtemp(join(tmpdir(), 'cloudpulse-migrate-'));
    loaded.northwind = await loadDataset(sourceClient, 'northwind');
    loaded.modelcars = await loadDataset(sourceClient, 'modelcars');
  });

  afterAll(async () => {
    for (const name of ['northwind', 'modelcars']) await dropMigrationSlot(source.url, name).catch(() => undefined);
    await sourceClient?.end();
    await targetClient?.end();
    await source?.close();
    await target?.close();
    if (out !== undefined) await rm(out, { recursive: true, force: true });
  });

  it.each(['northwind', 'modelcars'] as const)('%s: every target table equals its source table, row for row, all columns', async (name) => {
    const tables = loaded[name]!;
    const progress: SnapshotProgress[] = [];
    const stop = new AbortController();
    const run = runMigrate({ from: source.url, to: `${target.url}?schema=${name}`, tables, name, snapshotOnly: false, out, signal: stop.signal, onSnapshotProgress: (p) => progress.push(p), chunkRows: 200 });
    await waitUntil(`the ${name} snapshot is durable in the target`, snapshotDurable((sql, params) => target.query(sql, params), name, `migrate-${name}`));
    stop.abort();
    const summary = await run;

    expect(summary.deadLettered).toBe(0);
    let rows = 0;
    for (const qualified of tables) {
      const table = qualified.slice(name.length + 1);
      const sides = await readBothSides(sourceClient, targetClient, name, table, name);
      expect(sides.target, `${qualified}`).toEqual(sides.source);
      rows += sides.source.length;
      const done = progress.find((p) => p.table === table && p.done);
      expect(done?.rowsRead, `progress of ${table}`).toBe(sides.source.length);
    }
    expect(rows).toBeGreaterThan(name === 'northwind' ? 3_000 : 500);
    // The target holds the slot position the snapshot met the stream at.
    expect(summary.committed.some((p) => p.partition === 'wal')).toBe(true);
  });
});

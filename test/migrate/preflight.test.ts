// @services postgres
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrate } from '../../cli/migrate.js';
import { ConfigError } from '../../engine/index.js';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { readBothSides } from './compare-tables.js';
import { RestartablePostgres } from './restartable-postgres.js';

describe('cloudpulse migrate refuses what it cannot do, naming the setting or table', () => {
  let server: RestartablePostgres;
  let target: TestDatabase;
  let source: pg.Client;
  let out: string;
  let sourceUrl: string;

  beforeAll(async () => {
    server = await RestartablePostgres.start();
    sourceUrl = await server.createDatabase('preflight_src');
    source = new pg.Client({ connectionString: sourceUrl });
    await source.connect();
    await source.query(`CREATE TABLE keyed (id integer PRIMARY KEY, name text)`);
    await source.query(`INSERT INTO keyed SELECT i, 'n' || i FROM generate_series(1, 500) i`);
    await source.query(`CREATE TABLE unkeyed (code text NOT NULL, name text)`);
    await source.query(`INSERT INTO unkeyed VALUES ('a', 'first'), ('b', 'second')`);
    target = await openTestDatabase('preflight_dst');
    out = await mkdtemp(join(tmpdir(), 'cloudpulse-preflight-'));
  }, 120_000);

  afterAll(async () => {
    await source?.end();
    await server?.stop();
    await target?.close();
    if (out !== undefined) await rm(out, { recursive: true, force: true });
  });

  const migrate = (tables: string[], options: { snapshotOnly?: boolean; keys?: Record<string, string[]>; schema?: string } = {}) =>
    runMigrate({ from: sourceUrl, to: `${target.url}?schema=${options.schema ?? 'public'}`, tables, name: 'preflight', snapshotOnly: options.snapshotOnly ?? false, out, ...(options.keys === undefined ? {} : { keys: options.keys }) });

  it('refuses a table without a primary key unless its key is configured, and then needs REPLICA IDENTITY FULL to follow changes', async () => {
    await expect(migrate(['unkeyed'], { snapshotOnly: true })).rejects.toThrow(ConfigError);
    await expect(migrate(['unkeyed'], { snapshotOnly: true })).rejects.toThrow(/tables\.unkeyed: .*has no primary key/);
    await expect(migrate(['unkeyed'], { keys: { unkeyed: ['code'] } })).rejects.toThrow(/REPLICA IDENTITY FULL/);
    await expect(migrate(['missing_table'], { snapshotOnly: true })).rejects.toThrow(/tables\.missing_table: no table public\.missing_table/);
    const summary = await migrate(['unkeyed'], { snapshotOnly: true, keys: { unkeyed: ['code'] }, schema: 'unkeyed_copy' });
    expect(summary.stoppedEarly).toBe(false);
    const targetClient = await target.connect();
    try {
      const sides = await readBothSides(source, targetClient, 'public', 'unkeyed', 'unkeyed_copy');
      expect(sides.target).toEqual(sides.source);
    } finally {
      await targetClient.end();
    }
  });

  it('refuses to follow changes when wal_level is not logical, naming the setting; --snapshot-only still copies', async () => {
    await source.end();
    await server.restart(['wal_level=replica']);
    source = new pg.Client({ connectionString: sourceUrl });
    await source.connect();
    expect((await source.query<{ wal_level: string }>('SHOW wal_level')).rows[0]!.wal_level).toBe('replica');
    await expect(migrate(['keyed'])).rejects.toThrow(/wal_level = replica; change-data capture needs wal_level = logical/);
    const summary = await migrate(['keyed'], { snapshotOnly: true, schema: 'keyed_copy' });
    expect(summary.stoppedEarly).toBe(false);
    const targetClient = await target.connect();
    try {
      const sides = await readBothSides(source, targetClient, 'public', 'keyed', 'keyed_copy');
      expect(sides.source).toHaveLength(500);
      expect(sides.target).toEqual(sides.source);
    } finally {
      await targetClient.end();
    }
  });
});

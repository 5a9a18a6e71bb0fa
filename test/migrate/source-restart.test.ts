// @services postgres
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropMigrationSlot, runMigrate } from '../../cli/migrate.js';
import { EngineEvents, type EngineEvent } from '../../engine/index.js';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { readBothSides } from './compare-tables.js';
import { RestartablePostgres } from './restartable-postgres.js';
import { snapshotDurable, waitUntil } from './wait-until.js';

describe('PostgreSQL source: the source server restarts while changes are followed', () => {
  let server: RestartablePostgres;
  let target: TestDatabase;
  let out: string;
  let sourceUrl: string;

  beforeAll(async () => {
    server = await RestartablePostgres.start();
    sourceUrl = await server.createDatabase('restart_src');
    target = await openTestDatabase('restart_dst');
    out = await mkdtemp(join(tmpdir(), 'cloudpulse-restart-'));
  }, 120_000);

  afterAll(async () => {
    await dropMigrationSlot(sourceUrl, 'restart').catch(() => undefined);
    await server?.stop();
    await target?.close();
    if (out !== undefined) await rm(out, { recursive: true, force: true });
  });

  it('reconnects, resumes from the slot, and the target equals the source', async () => {
    const connect = async (): Promise<pg.Client> => {
      const client = new pg.Client({ connectionString: sourceUrl });
      client.on('error', () => undefined);
      await client.connect();
      return client;
    };
    let client = await connect();
    await client.query('CREATE TABLE accounts (id integer PRIMARY KEY, balance numeric(12,2) NOT NULL, owner text)');
    await client.query(`INSERT INTO accounts SELECT i, i * 10, 'owner ' || i FROM generate_series(1, 2000) i`);

    const events = new EngineEvents();
    const seen: EngineEvent[] = [];
    events.on((event) => seen.push(event));
    const stop = new AbortController();
    const run = runMigrate({ from: sourceUrl, to: target.url, tables: ['accounts'], name: 'restart', snapshotOnly: false, out, signal: stop.signal, events, statusIntervalMs: 500 });
    await waitUntil('the snapshot is durable', snapshotDurable((sql, params) => target.query(sql, params), 'public', 'migrate-restart'));
    await client.query('UPDATE accounts SET balance = balance + 1 WHERE id <= 100');
    await client.query('DELETE FROM accounts WHERE id BETWEEN 101 AND 150');
    await waitUntil('the first changes reached the target', async () => (await target.query('SELECT 1 FROM accounts WHERE id = 101')).length === 0);

    await client.end();
    await server.restart();
    client = await connect();
    await client.query(`INSERT INTO accounts SELECT i, 1, 'after restart' FROM generate_series(5001, 5100) i`);
    await client.query('UPDATE accounts SET id = id + 10000 WHERE id BETWEEN 200 AND 210');
    await waitUntil('the changes after the restart reached the target', async () => (await target.query('SELECT 1 FROM accounts WHERE id = 10210')).length === 1, 90_000);
    stop.abort();
    const summary = await run;

    expect(summary.deadLettered).toBe(0);
    expect(seen.some((e) => e.type === 'retry' && e.component === 'postgres-source:cloudpulse_restart')).toBe(true);
    const targetClient = await target.connect();
    try {
      const sides = await readBothSides(client, targetClient, 'public', 'accounts', 'public');
      expect(sides.source).toHaveLength(2000 - 50 + 100);
      expect(sides.target).toEqual(sides.source);
    } finally {
      await targetClient.end();
      await client.end();
    }
  }, 180_000);
});

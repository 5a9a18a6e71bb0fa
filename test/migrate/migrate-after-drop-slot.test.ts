// @services postgres
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropMigrationSlot } from '../../cli/migrate.js';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { readBothSides } from './compare-tables.js';
import { startMigrate } from './migrate-child.js';
import { snapshotDurable, waitUntil } from './wait-until.js';

const ROWS = 5_000;

// A finished migration is dropped (`--drop-slot`) but its target keeps the stored WAL position; the source
// then gains rows no slot saw. A new migration under the same name is SIGKILLed after creating its slot but
// before its snapshot wrote anything (the target table is locked): its restart must read the tables again,
// not take the old migration's position for a finished snapshot of the new slot.
describe('cloudpulse migrate after --drop-slot: a new migration killed during its snapshot', () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let sourceClient: pg.Client;
  let targetClient: pg.Client;
  let out: string;

  beforeAll(async () => {
    source = await openTestDatabase('dropslot_src');
    target = await openTestDatabase('dropslot_dst');
    sourceClient = await source.connect();
    targetClient = await target.connect();
    out = await mkdtemp(join(tmpdir(), 'cloudpulse-migrate-dropslot-'));
    await sourceClient.query('CREATE TABLE items (id integer PRIMARY KEY, note text NOT NULL)');
    await sourceClient.query(`INSERT INTO items SELECT i, 'first ' || i FROM generate_series(1, ${ROWS}) i`);
  });

  afterAll(async () => {
    await dropMigrationSlot(source.url, 'again').catch(() => undefined);
    await sourceClient?.end();
    await targetClient?.end();
    await source?.close();
    await target?.close();
    if (out !== undefined) await rm(out, { recursive: true, force: true });
  });

  it('copies every row again after the restart', async () => {
    const args = ['--from', source.url, '--to', target.url, '--tables', 'items', '--name', 'again', '--no-metrics', '--no-progress', '--out', out];
    const first = startMigrate(args);
    await waitUntil('the first snapshot is durable', snapshotDurable((sql, params) => target.query(sql, params), 'public', 'migrate-again'), 60_000);
    first.kill('SIGINT');
    expect((await first.exited).code, first.output()).toBe(130);
    expect(await dropMigrationSlot(source.url, 'again')).toEqual({ slot: true, publication: true });

    // Written while no slot exists: only a snapshot can bring these to the target.
    await sourceClient.query(`INSERT INTO items SELECT i, 'second ' || i FROM generate_series(${ROWS + 1}, ${2 * ROWS}) i`);
    await sourceClient.query(`UPDATE items SET note = 'changed ' || id WHERE id % 7 = 0`);

    const blocker = await target.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE items IN EXCLUSIVE MODE');
      const second = startMigrate(args);
      await waitUntil('the new slot exists and the snapshot write waits for the lock', async () => {
        const slots = await source.query<{ n: string }>(`SELECT count(*)::text AS n FROM pg_replication_slots WHERE slot_name = 'cloudpulse_again'`);
        const waiting = await target.query<{ n: string }>(`SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        return slots[0]!.n === '1' && Number(waiting[0]!.n) > 0;
      }, 60_000);
      second.kill('SIGKILL');
      expect((await second.exited).signal).toBe('SIGKILL');
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }

    const restart = startMigrate(args);
    let equal = false;
    await waitUntil('the target equals the source', async () => {
      const sides = await readBothSides(sourceClient, targetClient, 'public', 'items', 'public');
      equal = JSON.stringify(sides.target) === JSON.stringify(sides.source);
      return equal;
    }, 90_000).catch(() => undefined);
    restart.kill('SIGINT');
    await restart.exited;
    expect(restart.output()).toMatch(/slot exists without a finished snapshot; reading the tables again/);
    const sides = await readBothSides(sourceClient, targetClient, 'public', 'items', 'public');
    expect(sides.source.length).toBe(2 * ROWS);
    expect(sides.target).toEqual(sides.source);
  }, 240_000);
});

// @services postgres
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropMigrationSlot } from '../../cli/migrate.js';
import { Prng } from '../../replay/index.js';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { readBothSides } from './compare-tables.js';
import { startMigrate, startWriter } from './migrate-child.js';
import { snapshotDurable, waitUntil } from './wait-until.js';

const ROWS = 60_000;
const SEED = Number(process.env['CLOUDPULSE_CRASH_SEED'] ?? Date.now() % 1_000_000_007);

describe('cloudpulse migrate survives SIGKILL during the snapshot and during the stream', () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let sourceClient: pg.Client;
  let targetClient: pg.Client;
  let writerClient: pg.Client;
  let out: string;

  beforeAll(async () => {
    console.log(`migrate crash test seed ${SEED} (CLOUDPULSE_CRASH_SEED=${SEED} replays it)`);
    source = await openTestDatabase('crash_src');
    target = await openTestDatabase('crash_dst');
    sourceClient = await source.connect();
    targetClient = await target.connect();
    writerClient = await source.connect();
    out = await mkdtemp(join(tmpdir(), 'cloudpulse-migrate-crash-'));
    await sourceClient.query('CREATE TABLE items (id integer PRIMARY KEY, v integer NOT NULL, note text, at timestamptz DEFAULT now())');
    await sourceClient.query(`INSERT INTO items SELECT i, i, repeat('x', 100) || i, now() FROM generate_series(1, ${ROWS}) i`);
  });

  afterAll(async () => {
    await dropMigrationSlot(source.url, 'crash').catch(() => undefined);
    await writerClient?.end();
    await sourceClient?.end();
    await targetClient?.end();
    await source?.close();
    await target?.close();
    if (out !== undefined) await rm(out, { recursive: true, force: true });
  });

  it('converges to the source after kills at random points; a restart after the snapshot resumes from the stored position', async () => {
    const rng = new Prng(SEED);
    const args = ['--from', source.url, '--to', target.url, '--tables', 'items', '--name', 'crash', '--no-metrics', '--no-progress', '--out', out];
    const targetRows = async (): Promise<number> => Number((await target.query<{ n: string }>('SELECT count(*)::text AS n FROM items'))[0]!.n);
    const writer = startWriter(writerClient, rng, ROWS);
    try {
      // Two kills while the snapshot is being copied (with writes going on).
      for (let kill = 0; kill < 2; kill++) {
        const threshold = Math.floor((0.1 + rng.next() * 0.5) * ROWS);
        const child = startMigrate(args);
        await waitUntil(`the snapshot copied ${threshold} rows`, async () => (await targetRows()) >= threshold, 60_000);
        child.kill('SIGKILL');
        expect((await child.exited).signal).toBe('SIGKILL');
      }
      // Two kills while following changes.
      for (let kill = 0; kill < 2; kill++) {
        const child = startMigrate(args);
        await waitUntil('the snapshot is durable', snapshotDurable((sql, params) => target.query(sql, params), 'public', 'migrate-crash'), 60_000);
        await sleep(200 + rng.next() * 1_300);
        child.kill('SIGKILL');
        expect((await child.exited).signal).toBe('SIGKILL');
      }
    } finally {
      const transactions = await writer.stop();
      expect(transactions).toBeGreaterThan(0);
    }
    const stored = async (): Promise<number> => Number((await target.query<{ o: string }>(`SELECT "offset"::text AS o FROM cloudpulse_positions WHERE pipeline = 'migrate-crash' AND partition = 'wal'`))[0]!.o);
    const before = await stored();
    const last = startMigrate(args);
    let equal = false;
    await waitUntil('the target equals the source', async () => {
      const sides = await readBothSides(sourceClient, targetClient, 'public', 'items', 'public');
      equal = JSON.stringify(sides.target) === JSON.stringify(sides.source);
      return equal;
    }, 90_000);
    last.kill('SIGINT');
    const exit = await last.exited;
    expect(exit.code, last.output()).toBe(130);
    expect(last.output()).toMatch(/snapshot done earlier; following changes/);
    expect(await stored()).toBeGreaterThanOrEqual(before);
    const sides = await readBothSides(sourceClient, targetClient, 'public', 'items', 'public');
    expect(sides.source.length).toBeGreaterThan(ROWS / 2);
    expect(sides.target).toEqual(sides.source);
  }, 300_000);
});

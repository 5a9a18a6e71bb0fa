// @services postgres
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropMigrationSlot } from '../../cli/migrate.js';
import { Prng } from '../../replay/index.js';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { readBothSides } from './compare-tables.js';
import { snapshotDurable, waitUntil } from './wait-until.js';

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'cloudpulse.js');
const ROWS = 60_000;
const SEED = Number(process.env['CLOUDPULSE_CRASH_SEED'] ?? Date.now() % 1_000_000_007);

interface Child {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  output(): string;
}

function startMigrate(args: readonly string[]): Child {
  const child = spawn(process.execPath, [BIN, 'migrate', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('exit', (code, signal) => done({ code, signal })));
  return { exited, kill: (signal) => child.kill(signal), output: () => output };
}

/** Random committed writes (and some rolled back) on the source until stopped: updates, inserts, deletes, key changes. */
function startWriter(client: pg.Client, rng: Prng): { stop(): Promise<number> } {
  let running = true;
  let transactions = 0;
  let nextId = ROWS + 1;
  const done = (async () => {
    while (running) {
      const id = 1 + Math.floor(rng.next() * ROWS);
      const pick = rng.next();
      const rollback = rng.next() < 0.1;
      await client.query('BEGIN');
      if (pick < 0.5) await client.query('UPDATE items SET v = v + 1, note = $2 WHERE id = $1', [id, `updated ${transactions}`]);
      else if (pick < 0.7) await client.query('INSERT INTO items VALUES ($1, 0, $2)', [nextId++, `inserted ${transactions}`]);
      else if (pick < 0.85) await client.query('DELETE FROM items WHERE id = $1', [id]);
      else await client.query('UPDATE items SET id = $2 WHERE id = $1', [id, nextId++]);
      await client.query(rollback ? 'ROLLBACK' : 'COMMIT');
      transactions++;
      await sleep(2);
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return transactions;
    },
  };
}

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
    const writer = startWriter(writerClient, rng);
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

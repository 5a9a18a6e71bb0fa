// @services postgres
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropMigrationSlot } from '../../cli/migrate.js';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { readBothSides } from './compare-tables.js';
import { snapshotDurable, waitUntil } from './wait-until.js';

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'cloudpulse.js');

/** `cloudpulse run --config <file>` as a user starts it; `stop()` sends SIGTERM and resolves with the exit. */
function startDaemon(config: string): { stop: () => Promise<{ code: number | null; stdout: string }>; exited: Promise<{ code: number | null; stdout: string }> } {
  const child = spawn(process.execPath, [BIN, 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<{ code: number | null; stdout: string }>((done) => child.once('close', (code) => done({ code, stdout })));
  return {
    exited,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('cloudpulse run: a pipeline with a PostgreSQL source runs the migration as a daemon pipeline', () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let sourceClient: pg.Client;
  let targetClient: pg.Client;
  let dir: string;
  let config: string;

  beforeAll(async () => {
    source = await openTestDatabase('daemon_src');
    target = await openTestDatabase('daemon_dst');
    sourceClient = await source.connect();
    targetClient = await target.connect();
    dir = await mkdtemp(join(tmpdir(), 'cloudpulse-pg-daemon-'));
    await sourceClient.query('CREATE TABLE orders (id integer PRIMARY KEY, customer text NOT NULL, total numeric(10,2), placed_at timestamptz)');
    await sourceClient.query(`INSERT INTO orders SELECT i, 'c' || (i % 17), i * 1.25, timestamptz '2024-01-01' + i * interval '1 minute' FROM generate_series(1, 2000) i`);
    config = join(dir, 'daemon.yaml');
    await writeFile(config, [
      'metrics: false',
      'drainTimeoutMs: 30000',
      'logLevel: info',
      'pipelines:',
      '  - name: orders_copy',
      `    source: { type: postgres, url: "${source.url}", tables: [orders], statusIntervalMs: 500 }`,
      `    sinks: ["${target.url}?schema=copy"]`,
      `    deadLetter: { file: "${join(dir, 'dead-letters.csv')}" }`,
      '',
    ].join('\n'));
  });

  afterAll(async () => {
    await dropMigrationSlot(source.url, 'orders_copy').catch(() => undefined);
    await sourceClient?.end();
    await targetClient?.end();
    await source?.close();
    await target?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const targetHasOrder = (id: number, total: string): (() => Promise<boolean>) => async () =>
    (await target.query(`SELECT 1 FROM copy.orders WHERE id = $1 AND total = $2::numeric`, [id, total])).length === 1;

  it('copies the table, follows inserts, updates and deletes, drains on SIGTERM (exit 0) and resumes from the slot', async () => {
    const daemon = startDaemon(config);
    await waitUntil('the snapshot is durable in the target', snapshotDurable((sql, params) => target.query(sql, params), 'copy', 'orders_copy'));
    await sourceClient.query(`INSERT INTO orders VALUES (5000, 'new', 99.99, '2025-02-03 04:05:06+00')`);
    await sourceClient.query('UPDATE orders SET total = total + 1 WHERE id <= 10');
    await sourceClient.query('DELETE FROM orders WHERE id BETWEEN 100 AND 109');
    await sourceClient.query(`UPDATE orders SET total = 7.77 WHERE id = 2000`);
    await waitUntil('the last change reached the target', targetHasOrder(2000, '7.77'));
    const both = await readBothSides(sourceClient, targetClient, 'public', 'orders', 'copy');
    expect(both.target).toEqual(both.source);

    const stopped = await daemon.stop();
    expect(stopped.code, stopped.stdout.slice(-3000)).toBe(0);
    expect(stopped.stdout).toContain('"msg":"stopped"');
    expect(await source.query(`SELECT slot_name FROM pg_replication_slots WHERE slot_name = 'cloudpulse_orders_copy'`)).toHaveLength(1);

    // Changes while the daemon is down wait in the slot; the restarted pipeline applies them (and skips the snapshot).
    await sourceClient.query(`INSERT INTO orders VALUES (5001, 'while stopped', 1.00, NULL)`);
    await sourceClient.query('DELETE FROM orders WHERE id = 1');
    await sourceClient.query(`UPDATE orders SET total = 8.88 WHERE id = 1999`);
    const restarted = startDaemon(config);
    await waitUntil('the changes made while stopped reached the target', targetHasOrder(1999, '8.88'));
    const again = await readBothSides(sourceClient, targetClient, 'public', 'orders', 'copy');
    expect(again.target).toEqual(again.source);
    const second = await restarted.stop();
    expect(second.code, second.stdout.slice(-3000)).toBe(0);
    expect(second.stdout).toContain('snapshot done earlier; following changes');
  }, 180_000);

  it('names the field of a bad postgres pipeline at start (exit 2)', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, `pipelines:\n  - name: bad\n    source: { type: postgres, url: "${source.url}", tables: [] }\n    sinks: [console]\n    deadLetter: { file: x.csv }\n`);
    const run = await startDaemon(bad).exited;
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/pipelines\.0\.source\.tables/);
  });
});

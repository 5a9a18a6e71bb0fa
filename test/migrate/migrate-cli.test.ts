// @services postgres
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { snapshotDurable, waitUntil } from './wait-until.js';

describe('cloudpulse migrate (the real bin)', () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let out: string;

  beforeAll(async () => {
    source = await openTestDatabase('cli_src');
    target = await openTestDatabase('cli_dst');
    out = await mkdtemp(join(tmpdir(), 'cloudpulse-migrate-cli-'));
    await source.query(`CREATE TABLE items (id integer PRIMARY KEY, name text)`);
    await source.query(`INSERT INTO items SELECT i, 'n' || i FROM generate_series(1, 3000) i`);
    await source.query(`CREATE TABLE "Other Table" (k text PRIMARY KEY)`);
    await source.query(`INSERT INTO "Other Table" VALUES ('a'), ('b')`);
  });

  afterAll(async () => {
    await runCli(['migrate', '--from', source.url, '--drop-slot', '--name', 'cli']).catch(() => undefined);
    await source?.close();
    await target?.close();
    if (out !== undefined) await rm(out, { recursive: true, force: true });
  });

  it('--snapshot-only copies the tables with a progress bar per table and exits 0', async () => {
    const run = await runCli(['migrate', '--from', source.url, '--to', `${target.url}?schema=once`, '--tables', 'items,public.Other Table', '--snapshot-only', '--name', 'once', '--no-metrics', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^items +\[#{24}\] 3000\/3000 rows \d+ rows\/s done$/m);
    expect(run.stderr).toMatch(/^Other Table \[#{24}\] 2\/2 rows \d+ rows\/s done$/m);
    expect(run.stdout).toContain('items: 3000 rows and changes written');
    expect(await target.query('SELECT * FROM once."Other Table" ORDER BY k')).toEqual([{ k: 'a' }, { k: 'b' }]);
    expect(await source.query(`SELECT slot_name FROM pg_replication_slots WHERE slot_name = 'cloudpulse_once'`)).toEqual([]);
  });

  it('follows changes until SIGTERM (exit 130, the slot stays), and --drop-slot removes the slot and the publication', async () => {
    let child: ChildProcess | undefined;
    const run = runCli(['migrate', '--from', source.url, '--to', target.url, '--tables', 'items', '--name', 'cli', '--no-metrics', '--out', out], {
      onStderr: (_text, process) => (child = process),
    });
    await waitUntil('the snapshot is durable', snapshotDurable((sql, params) => target.query(sql, params), 'public', 'migrate-cli'));
    child!.kill('SIGTERM');
    const result = await run;
    expect(result.code, result.stderr).toBe(130);
    expect(await source.query(`SELECT slot_name FROM pg_replication_slots WHERE slot_name = 'cloudpulse_cli'`)).toHaveLength(1);

    const drop = await runCli(['migrate', '--from', source.url, '--drop-slot', '--name', 'cli']);
    expect(drop.code, drop.stderr).toBe(0);
    expect(drop.stdout).toContain('slot cloudpulse_cli: dropped; publication cloudpulse_cli: dropped');
    expect(await source.query(`SELECT 1 FROM pg_replication_slots WHERE slot_name = 'cloudpulse_cli'`)).toEqual([]);
    expect(await source.query(`SELECT 1 FROM pg_publication WHERE pubname = 'cloudpulse_cli'`)).toEqual([]);
  });

  it('names the flag of a target it cannot write (exit 2)', async () => {
    const run = await runCli(['migrate', '--from', source.url, '--to', 'elasticsearch://127.0.0.1:9200', '--tables', 'items', '--no-metrics']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/invalid configuration: to: expected one of postgres:\/\/.*elasticsearch\+http\(s\):\/\/.*databricks:\/\//);
  });

  it('names the field of a bad target URL as a field of --to (exit 2)', async () => {
    const run = await runCli(['migrate', '--from', source.url, '--to', 'elasticsearch+http://127.0.0.1:9200?prefx=shop_', '--tables', 'items', '--no-metrics']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/invalid configuration: to\.prefx: unknown URL parameter/);
  });
});

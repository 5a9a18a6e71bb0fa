// @services postgres elasticsearch
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@elastic/elasticsearch';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropMigrationSlot } from '../../cli/migrate.js';
import { Prng } from '../../replay/index.js';
import { readDocuments, testClient } from '../elasticsearch/read-index.js';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { serviceSettings } from '../services/index.js';
import { startMigrate, startWriter } from './migrate-child.js';
import { comparableRows, readSourceRows } from './source-rows.js';
import { waitUntil } from './wait-until.js';

const ROWS = 5_000;
const SEED = Number(process.env['CLOUDPULSE_CRASH_SEED'] ?? Date.now() % 1_000_000_007);

describe('cloudpulse migrate to Elasticsearch survives SIGKILL while following changes', () => {
  let source: TestDatabase;
  let sourceClient: pg.Client;
  let writerClient: pg.Client;
  let es: Client;
  let out: string;
  const prefix = `crash_${process.pid}_`;

  beforeAll(async () => {
    console.log(`elasticsearch migrate crash test seed ${SEED} (CLOUDPULSE_CRASH_SEED=${SEED} replays it)`);
    source = await openTestDatabase('crashes_src');
    sourceClient = await source.connect();
    writerClient = await source.connect();
    es = testClient(serviceSettings('elasticsearch').url);
    out = await mkdtemp(join(tmpdir(), 'cloudpulse-migrate-crash-es-'));
    await sourceClient.query('CREATE TABLE items (id integer PRIMARY KEY, v integer NOT NULL, note text, at timestamptz DEFAULT now())');
    await sourceClient.query(`INSERT INTO items SELECT i, i, 'row ' || i, now() FROM generate_series(1, ${ROWS}) i`);
  });

  afterAll(async () => {
    await dropMigrationSlot(source.url, 'crashes').catch(() => undefined);
    await es?.indices.delete({ index: `${prefix}*` }).catch(() => undefined);
    await es?.close();
    await writerClient?.end();
    await sourceClient?.end();
    await source?.close();
    if (out !== undefined) await rm(out, { recursive: true, force: true });
  });

  it('after a kill and a restart the index equals the source: one document per row, every value as in the source', async () => {
    const rng = new Prng(SEED);
    const index = `${prefix}items`;
    const args = ['--from', source.url, '--to', `elasticsearch+${serviceSettings('elasticsearch').url}?prefix=${prefix}`, '--tables', 'items', '--name', 'crashes', '--no-metrics', '--no-progress', '--out', out];
    const writer = startWriter(writerClient, rng, ROWS, 5);
    try {
      const first = startMigrate(args);
      // Rows inserted after the snapshot (ids above ROWS) come only through the change stream.
      await waitUntil('a change after the snapshot is in the index', async () => {
        await es.indices.refresh({ index });
        return (await es.count({ index, query: { range: { id: { gt: ROWS } } } })).count > 0;
      }, 90_000);
      await sleep(200 + rng.next() * 1_300);
      first.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
    } finally {
      const transactions = await writer.stop();
      expect(transactions).toBeGreaterThan(0);
    }
    const want = await readSourceRows(sourceClient, 'public', 'items');
    const last = startMigrate(args);
    await waitUntil('the index equals the source', async () => {
      await sleep(500);
      return JSON.stringify(comparableRows(want, (await readDocuments(es, index)).map((d) => d.source))) === JSON.stringify(want.rows);
    }, 90_000).catch(async (error: unknown) => {
      const got = comparableRows(want, (await readDocuments(es, index)).map((d) => d.source)).map((r) => JSON.stringify(r));
      const wanted = want.rows.map((r) => JSON.stringify(r));
      const missing = wanted.filter((r) => !got.includes(r)).slice(0, 5);
      const extra = got.filter((r) => !wanted.includes(r)).slice(0, 5);
      throw new Error(`${String(error)}\nmissing: ${missing.join('\n')}\nextra: ${extra.join('\n')}\noutput of the restart:\n${last.output().slice(-3_000)}`);
    });
    last.kill('SIGINT');
    const exit = await last.exited;
    expect(exit.code, last.output()).toBe(130);

    const documents = await readDocuments(es, index);
    expect(new Set(documents.map((d) => d.id)).size).toBe(want.rows.length);
    expect(comparableRows(want, documents.map((d) => d.source))).toEqual(want.rows);
    expect(want.rows.length).toBeGreaterThan(ROWS / 2);
  }, 240_000);
});

// @services postgres elasticsearch
import type { Client } from '@elastic/elasticsearch';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropMigrationSlot } from '../../cli/migrate.js';
import { createMigrateSink } from '../../cli/migrate-target.js';
import { readDocuments, testClient } from '../elasticsearch/read-index.js';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { serviceSettings } from '../services/index.js';
import { changesAfter, CHANGES_OF_THE_WRITES, createItems, migrateWithWritesDuringSnapshot } from './snapshot-writes.js';
import { comparableRows, readSourceRows } from './source-rows.js';

const ROWS = 2_000;

describe('cloudpulse migrate to Elasticsearch: writes committed while the snapshot is read', () => {
  let source: TestDatabase;
  let sourceClient: pg.Client;
  let es: Client;
  const prefix = `snapw_${process.pid}_`;

  beforeAll(async () => {
    source = await openTestDatabase('snapwes_src');
    sourceClient = await source.connect();
    es = testClient(serviceSettings('elasticsearch').url);
    await createItems(sourceClient, ROWS);
  });

  afterAll(async () => {
    await dropMigrationSlot(source.url, 'snapwes').catch(() => undefined);
    await es?.indices.delete({ index: `${prefix}*` }).catch(() => undefined);
    await es?.close();
    await sourceClient?.end();
    await source?.close();
  });

  it('reach the index exactly once, in commit order (deletes as bulk deletes); the index equals the source', async () => {
    const sink = createMigrateSink(`elasticsearch+${serviceSettings('elasticsearch').url}?prefix=${prefix}`, 'migrate-snapwes');
    const { summary, written } = await migrateWithWritesDuringSnapshot({ sourceUrl: source.url, writer: sourceClient, name: 'snapwes', sink, chunkRows: 500 });
    expect(summary.deadLettered).toBe(0);

    const snapshot = written.slice(0, ROWS);
    expect(snapshot.map((r) => r.value.row.id)).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
    expect(snapshot.find((r) => r.value.row.id === 1500)?.value.row.v).toBe(1500);
    expect(changesAfter(written, ROWS)).toEqual(CHANGES_OF_THE_WRITES);

    const want = await readSourceRows(sourceClient, 'public', 'items');
    const documents = await readDocuments(es, `${prefix}items`);
    expect(comparableRows(want, documents.map((d) => d.source))).toEqual(want.rows);
    // Deleted keys (1200, 13, and 11 after its key change) have no document left.
    expect(documents.filter((d) => ['1200', '13', '11'].includes(d.id))).toEqual([]);
  }, 120_000);
});

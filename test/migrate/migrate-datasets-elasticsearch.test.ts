// @services postgres elasticsearch
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropMigrationSlot, runMigrate } from '../../cli/migrate.js';
import { readDocuments, testClient } from '../elasticsearch/read-index.js';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { serviceSettings } from '../services/index.js';
import { loadDataset, type DatasetName } from './datasets.js';
import { comparableRows, readSourceRows } from './source-rows.js';
import { waitUntil } from './wait-until.js';

describe('cloudpulse migrate: Northwind and Model Cars from PostgreSQL to Elasticsearch', () => {
  let source: TestDatabase;
  let sourceClient: pg.Client;
  let es: Client;
  let out: string;
  const loaded: Partial<Record<DatasetName, string[]>> = {};
  const prefix = (name: string): string => `migds_${process.pid}_${name}_`;

  beforeAll(async () => {
    source = await openTestDatabase('migds_src');
    sourceClient = await source.connect();
    es = testClient(serviceSettings('elasticsearch').url);
    out = await mkdtemp(join(tmpdir(), 'cloudpulse-migrate-es-'));
    loaded.northwind = await loadDataset(sourceClient, 'northwind');
    loaded.modelcars = await loadDataset(sourceClient, 'modelcars');
  });

  afterAll(async () => {
    for (const name of ['northwind', 'modelcars']) await dropMigrationSlot(source.url, `es_${name}`).catch(() => undefined);
    await es?.indices.delete({ index: `migds_${process.pid}_*` }).catch(() => undefined);
    await es?.close();
    await sourceClient?.end();
    await source?.close();
    if (out !== undefined) await rm(out, { recursive: true, force: true });
  });

  it.each(['northwind', 'modelcars'] as const)('%s: every index holds its source table, document for row, all columns; _id is the key', async (name) => {
    const tables = loaded[name]!.map((qualified) => qualified.slice(name.length + 1));
    const expected = new Map(await Promise.all(tables.map(async (table) => [table, await readSourceRows(sourceClient, name, table)] as const)));
    const stop = new AbortController();
    const to = `elasticsearch+${serviceSettings('elasticsearch').url}?prefix=${prefix(name)}`;
    const run = runMigrate({ from: source.url, to, tables: loaded[name]!, name: `es_${name}`, snapshotOnly: false, out, signal: stop.signal, chunkRows: 200 });
    const count = async (table: string): Promise<number> => {
      await es.indices.refresh({ index: `${prefix(name)}${table}` });
      return (await es.count({ index: `${prefix(name)}${table}` })).count;
    };
    await waitUntil(`every ${name} table is in Elasticsearch`, async () => {
      for (const table of tables) if ((await count(table)) !== expected.get(table)!.rows.length) return false;
      return true;
    }, 90_000);
    stop.abort();
    const summary = await run;

    expect(summary.deadLettered).toBe(0);
    let rows = 0;
    for (const table of tables) {
      const want = expected.get(table)!;
      const documents = await readDocuments(es, `${prefix(name)}${table}`);
      expect(comparableRows(want, documents.map((d) => d.source)), table).toEqual(want.rows);
      // The document _id is the row's key: one document per row, and a later change lands on it.
      const keyColumns = want.key.map((k) => want.columns.findIndex((c) => c.name === k));
      expect(new Set(documents.map((d) => d.id)).size, table).toBe(want.rows.length);
      for (const document of documents.slice(0, 5)) {
        const values = comparableRows(want, [document.source])[0]!;
        expect(document.id, table).toContain(values[keyColumns[0]!]!);
      }
      rows += want.rows.length;
    }
    expect(rows).toBeGreaterThan(name === 'northwind' ? 3_000 : 500);
  }, 180_000);
});

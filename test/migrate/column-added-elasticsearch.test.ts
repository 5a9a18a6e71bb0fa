// @services postgres elasticsearch
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropMigrationSlot, runMigrate } from '../../cli/migrate.js';
import { createElasticsearchSink } from '../../connectors/elasticsearch/create-elasticsearch-sink.js';
import { EngineEvents, systemClock, type Cell, type DeadLetter, type StreamRecord, type TableRow, type TableSpec } from '../../engine/index.js';
import { readDocuments, testClient } from '../elasticsearch/read-index.js';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { serviceSettings } from '../services/index.js';
import { comparableRows, readSourceRows } from './source-rows.js';
import { waitUntil } from './wait-until.js';
import { addColumnsMidStream, createColumnAddedTables } from './columns-added-mid-stream.js';

type Properties = Record<string, { type?: string }>;

describe('cloudpulse migrate to Elasticsearch: a column added to a source table while changes are followed', () => {
  let source: TestDatabase;
  let sourceClient: pg.Client;
  let es: Client;
  let out: string;
  const prefix = `coladd_${process.pid}_`;

  beforeAll(async () => {
    source = await openTestDatabase('coladdes_src');
    sourceClient = await source.connect();
    es = testClient(serviceSettings('elasticsearch').url);
    out = await mkdtemp(join(tmpdir(), 'cloudpulse-coladd-es-'));
    await createColumnAddedTables(sourceClient, 500);
  });

  afterAll(async () => {
    await dropMigrationSlot(source.url, 'coladdes').catch(() => undefined);
    await es?.indices.delete({ index: `${prefix}*` }).catch(() => undefined);
    await es?.indices.deleteIndexTemplate({ name: `cloudpulse.${prefix}*` }).catch(() => undefined);
    await es?.close();
    await sourceClient?.end();
    await source?.close();
    if (out !== undefined) await rm(out, { recursive: true, force: true });
  });

  const properties = async (index: string): Promise<Properties> => {
    const response = await es.indices.getMapping({ index });
    return (Object.values(response)[0]?.mappings.properties ?? {}) as Properties;
  };
  const templateProperties = async (name: string): Promise<Properties> => {
    const response = await es.indices.getIndexTemplate({ name });
    return (response.index_templates[0]?.index_template.template?.mappings?.properties ?? {}) as Properties;
  };
  const types = (props: Properties): Record<string, string | undefined> => Object.fromEntries(Object.entries(props).map(([name, p]) => [name, p.type]));

  it('reaches the index as a new field, with the values of the inserts and updates that use it; the index equals the source', async () => {
    const stop = new AbortController();
    const to = `elasticsearch+${serviceSettings('elasticsearch').url}?prefix=${prefix}`;
    const run = runMigrate({ from: source.url, to, tables: ['items', 'other'], name: 'coladdes', snapshotOnly: false, out, signal: stop.signal });
    try {
      await waitUntil('the snapshot is durable in the index', async () => {
        await es.indices.refresh({ index: `${prefix}cloudpulse_positions` });
        return (await es.count({ index: `${prefix}cloudpulse_positions`, query: { bool: { filter: [{ term: { pipeline: 'migrate-coladdes' } }, { term: { partition: 'wal' } }] } } })).count === 1;
      });

      await addColumnsMidStream(sourceClient);

      await waitUntil('the last change reached the index', async () => {
        await es.indices.refresh({ index: `${prefix}other` });
        return (await es.count({ index: `${prefix}other`, query: { term: { v: 2 } } })).count === 1;
      });
      // The index mapping and the index template (what a new index of the table is made with) both gained the fields.
      const expectedTypes = { id: 'long', name: 'keyword', price: 'double', seen_at: 'date', tags: 'keyword' };
      expect(types(await properties(`${prefix}items`))).toEqual(expectedTypes);
      expect(types(await templateProperties(`cloudpulse.${prefix}items`))).toEqual(expectedTypes);

      for (const table of ['items', 'other']) {
        const want = await readSourceRows(sourceClient, 'public', table);
        const documents = (await readDocuments(es, `${prefix}${table}`)).map((d) => d.source);
        // Arrays travel as JSON text: normalized by PostgreSQL (jsonb) as the source side is.
        for (const document of documents) {
          if (typeof document['tags'] === 'string') document['tags'] = (await sourceClient.query<{ t: string }>('SELECT $1::jsonb::text AS t', [document['tags']])).rows[0]!.t;
        }
        expect(comparableRows(want, documents), table).toEqual(want.rows);
      }
      // The values are there, not only the fields (spot-check one against values written here).
      const [two] = (await readDocuments(es, `${prefix}items`)).filter((d) => d.id === '2');
      expect(two?.source).toEqual({ id: 2, name: 'item 2', price: null, seen_at: Date.parse('2024-05-06T07:08:09.123Z'), tags: '["x","y z"]' });
    } finally {
      stop.abort();
    }
    const summary = await run;
    expect(summary.deadLettered).toBe(0);
  }, 120_000);

  it('monthly indices and a data stream: existing indices and the template gain the field; later documents carry it', async () => {
    const columns: TableSpec['columns'] = [
      { name: 'id', type: 'text' },
      { name: 'at', type: 'timestamptz' },
    ];
    const monthly: TableSpec = { name: 'evolving_monthly', columns, key: ['id', 'at'] };
    const stream: TableSpec = { name: 'evolving_stream', columns, key: ['id', 'at'] };
    const sink = createElasticsearchSink({
      type: 'elasticsearch',
      nodes: [serviceSettings('elasticsearch').url],
      indexPrefix: prefix,
      replicas: 0,
      tableSettings: { evolving_monthly: { monthlyBy: 'at' }, evolving_stream: { dataStreamTimestamp: 'at' } },
    });
    const letters: DeadLetter[] = [];
    let offset = 0;
    const write = async (rows: readonly (readonly [string, Record<string, Cell>])[]): Promise<void> => {
      const records: StreamRecord<TableRow>[] = rows.map(([table, row]) => ({ value: { table, row }, eventTime: 0, position: { source: 'rows', partition: 'rows', offset: ++offset } }));
      await sink.write(records, { topology: 'evolving', positions: [], deadLetter: (letter) => letters.push(letter) });
    };
    const jan = Date.UTC(2024, 0, 15);
    const feb = Date.UTC(2024, 1, 15);
    const mar = Date.UTC(2024, 2, 15);
    await sink.open({ topology: 'evolving', tables: [monthly, stream], clock: systemClock, events: new EngineEvents() });
    try {
      await write([['evolving_monthly', { id: 'a', at: jan }], ['evolving_monthly', { id: 'b', at: feb }], ['evolving_stream', { id: 'a', at: jan }]]);
      const grown = (spec: TableSpec): TableSpec => ({ ...spec, columns: [...spec.columns, { name: 'score', type: 'numeric' }] });
      await sink.evolve!(grown(monthly));
      await sink.evolve!(grown(stream));
      // Announced again (a restart): no error, nothing changes.
      await sink.evolve!(grown(monthly));
      // January's index exists already, March's is new (made from the template).
      await write([['evolving_monthly', { id: 'c', at: jan, score: 1.5 }], ['evolving_monthly', { id: 'd', at: mar, score: 2.5 }], ['evolving_stream', { id: 'b', at: feb, score: 3.5 }]]);
      await sink.flush(true);
    } finally {
      await sink.close();
    }
    expect(letters).toEqual([]);
    for (const index of [`${prefix}evolving_monthly-2024.01`, `${prefix}evolving_monthly-2024.02`, `${prefix}evolving_monthly-2024.03`]) {
      expect(types(await properties(index)), index).toEqual({ id: 'keyword', at: 'date', score: 'double' });
    }
    expect(types(await templateProperties(`cloudpulse.${prefix}evolving_monthly`))).toEqual({ id: 'keyword', at: 'date', score: 'double' });
    expect(types(await properties(`${prefix}evolving_stream`))).toEqual({ id: 'keyword', at: 'date', score: 'double', '@timestamp': 'date' });
    const scores = async (index: string): Promise<Record<string, unknown>> =>
      Object.fromEntries((await readDocuments(es, index)).map((d) => [d.source['id'], d.source['score'] ?? null]));
    expect(await scores(`${prefix}evolving_monthly-*`)).toEqual({ a: null, b: null, c: 1.5, d: 2.5 });
    expect(await scores(`${prefix}evolving_stream`)).toEqual({ a: null, b: 3.5 });
  }, 60_000);
});

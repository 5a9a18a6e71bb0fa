// @services elasticsearch
import type { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createElasticsearchSink } from '../../connectors/elasticsearch/create-elasticsearch-sink.js';
import type { ElasticsearchSinkConfigInput } from '../../connectors/elasticsearch/config.js';
import { EngineError, EngineEvents, systemClock, type Cell, type EngineEvent, type TableSpec } from '../../engine/index.js';
import { conformanceRecords, conformanceRow, conformanceTable } from '../conformance/conformance-topology.js';
import { serviceSettings } from '../services/index.js';
import { readDocuments, readIndexTable, testClient } from './read-index.js';
import { runRows, sortByKey } from './run-rows.js';

const prefix = `es-sink-${process.pid}-`;
let client: Client;
let url: string;
let counter = 0;

function sinkConfig(extra: Partial<ElasticsearchSinkConfigInput> = {}): ElasticsearchSinkConfigInput {
  return { type: 'elasticsearch', nodes: [url], indexPrefix: prefix, replicas: 0, ...extra };
}

function table(label: string): TableSpec {
  return conformanceTable(`${label}_${++counter}`);
}

async function primaryIndexTotal(index: string): Promise<number> {
  const stats = await client.indices.stats({ index, metric: 'indexing' });
  return stats._all.primaries?.indexing?.index_total ?? 0;
}

async function openSink(spec: TableSpec, extra: Partial<ElasticsearchSinkConfigInput> = {}) {
  const sink = createElasticsearchSink(sinkConfig(extra));
  await sink.open({ topology: 'es-test', tables: [spec], clock: systemClock, events: new EngineEvents() });
  return sink;
}

beforeAll(() => {
  url = serviceSettings('elasticsearch').url;
  client = testClient(url);
});

afterAll(async () => {
  await client.indices.deleteDataStream({ name: `${prefix}*` }).catch(() => undefined);
  await client.indices.delete({ index: `${prefix}*` }).catch(() => undefined);
  await client.indices.deleteIndexTemplate({ name: `cloudpulse.${prefix}*` }).catch(() => undefined);
  await client.close();
});

describe('elasticsearch sink on a real Elasticsearch', () => {
  it('dead-letters exactly the documents that conflict with the mapping, with reason, field and position; writes the rest', async () => {
    const spec = table('mapping');
    const rows = Array.from({ length: 300 }, (_, i) => conformanceRow(`k${i}`, i, 1));
    // Values the index's mapping refuses (text in the double `amount`, a word in the boolean `flag`, in the
    // date `at`), and a day that does not exist, which Elasticsearch would roll over (refused before sending).
    const bad = new Map<number, [field: string, value: Cell, detail: RegExp]>([
      [3, ['amount', 'n/a', /400 document_parsing_exception: .*failed to parse field \[amount\] of type \[double\]/]],
      [77, ['amount', 'twelve', /document_parsing_exception/]],
      [150, ['flag', 'maybe', /400 document_parsing_exception: .*field \[flag\] of type \[boolean\]/]],
      [151, ['at', 'soon', /400 document_parsing_exception: .*field \[at\] of type \[date\]/]],
      [299, ['amount', '1,5', /document_parsing_exception/]],
      [10, ['day', '2024-02-30', /not a calendar date/]],
    ]);
    const sent = rows.map((row, i) => {
      const change = bad.get(i);
      return change === undefined ? row : { ...row, [change[0]]: change[1] };
    });
    const run = await runRows(spec, sent, createElasticsearchSink(sinkConfig()));

    expect(run.deadLetters.map((l) => l.position.offset).sort((a, b) => a - b)).toEqual([...bad.keys()].sort((a, b) => a - b).map((i) => i + 1));
    for (const letter of run.deadLetters) {
      const [field, , detail] = bad.get(letter.position.offset - 1)!;
      expect(letter.reason).toBe('sink_rejected');
      expect(letter.field).toBe(field);
      expect(letter.detail).toMatch(detail);
      expect(letter.position.source).toBe('rows.csv');
      expect(JSON.parse(letter.raw!)).toEqual(sent[letter.position.offset - 1]);
    }
    expect(run.summary.committed).toEqual([{ source: 'rows.csv', partition: 'rows.csv', offset: 300 }]);
    const expected = rows.filter((_, i) => !bad.has(i));
    expect(sortByKey(spec, await readIndexTable(client, `${prefix}${spec.name}`, spec))).toEqual(sortByKey(spec, expected));
  });

  it('stops with a clear error on a closed index, without retrying and without committing', async () => {
    const spec = table('closed');
    await (await openSink(spec)).close();
    await client.indices.close({ index: `${prefix}${spec.name}` });
    const events: EngineEvent[] = [];
    const failure = await runRows(spec, [conformanceRow('a', 1)], createElasticsearchSink(sinkConfig()), { events }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EngineError);
    expect((failure as EngineError).message).toContain(`index ${prefix}${spec.name} is closed`);
    expect((failure as EngineError).code).toBe('elasticsearch_index_closed');
    expect(events.filter((e) => e.type === 'retry')).toEqual([]);
    expect(events.filter((e) => e.type === 'commit')).toEqual([]);
  });

  it('stops with a clear error on a read-only index, without retrying', async () => {
    const spec = table('readonly');
    await (await openSink(spec)).close();
    await client.indices.putSettings({ index: `${prefix}${spec.name}`, settings: { 'index.blocks.write': true } });
    const events: EngineEvent[] = [];
    const failure = await runRows(spec, [conformanceRow('a', 1)], createElasticsearchSink(sinkConfig()), { events }).catch((error: unknown) => error);
    expect((failure as EngineError).message).toContain(`index ${prefix}${spec.name} is read-only`);
    expect(events.filter((e) => e.type === 'retry')).toEqual([]);
  });

  it('retries only the items Elasticsearch throttled (429), once the block is lifted', async () => {
    const open = table('open');
    const blocked = table('blocked');
    const two: TableSpec[] = [open, blocked];
    const sink = createElasticsearchSink(sinkConfig());
    await sink.open({ topology: 'es-test', tables: two, clock: systemClock, events: new EngineEvents() });
    const blockedIndex = `${prefix}${blocked.name}`;
    // The flood-stage disk block answers 429 per item: transient, lifted when disk frees up.
    await client.indices.putSettings({ index: blockedIndex, settings: { 'index.blocks.read_only_allow_delete': true } });
    const openRows = Array.from({ length: 120 }, (_, i) => conformanceRow(`o${i}`, i));
    const blockedRows = Array.from({ length: 80 }, (_, i) => conformanceRow(`b${i}`, i));
    const records = [...conformanceRecords(open.name, openRows, 1), ...conformanceRecords(blocked.name, blockedRows, 121)];
    const letters: unknown[] = [];
    const ctx = { topology: 'es-test', positions: [], deadLetter: (letter: unknown) => letters.push(letter) };

    // The runtime calls write again with the same batch and context after a retryable failure.
    const first = await sink.write(records, ctx).catch((error: unknown) => error);
    expect(first).toBeInstanceOf(EngineError);
    expect((first as EngineError).retryable).toBe(true);
    expect((first as EngineError).message).toContain(`80 of 200 documents not acknowledged`);
    expect((first as EngineError).message).toContain(`index ${blockedIndex} is read-only`);
    await client.indices.putSettings({ index: blockedIndex, settings: { 'index.blocks.read_only_allow_delete': null } });
    await sink.write(records, ctx);
    await sink.flush(true);
    await sink.close();

    expect(letters).toEqual([]);
    expect(await primaryIndexTotal(`${prefix}${open.name}`)).toBe(120);
    expect(await primaryIndexTotal(blockedIndex)).toBe(80);
    expect(sortByKey(open, await readIndexTable(client, `${prefix}${open.name}`, open))).toEqual(sortByKey(open, openRows));
    expect(sortByKey(blocked, await readIndexTable(client, blockedIndex, blocked))).toEqual(sortByKey(blocked, blockedRows));
  });

  it('with external versioning keeps the newest version: an older one is a 409, counted as written', async () => {
    const spec: TableSpec = { ...table('versioned'), key: ['id'] };
    const settings = { tableSettings: { [spec.name]: { versionColumn: 'seq' } } };
    const newer = { ...conformanceRow('a', 5, 2) };
    const older = { ...conformanceRow('a', 3, 1) };
    const first = await runRows(spec, [newer, conformanceRow('b', 1)], createElasticsearchSink(sinkConfig(settings)));
    const second = await runRows(spec, [older, conformanceRow('b', 1)], createElasticsearchSink(sinkConfig(settings)));
    expect(first.deadLetters).toEqual([]);
    expect(second.deadLetters).toEqual([]);
    expect(second.summary.committed).toEqual([{ source: 'rows.csv', partition: 'rows.csv', offset: 2 }]);
    const documents = await readDocuments(client, `${prefix}${spec.name}`);
    expect(documents.find((d) => d.id === 'a')?.source).toEqual(newer);
    expect(documents.find((d) => d.id === 'a')?.version).toBe(5);
    expect(documents).toHaveLength(2);
  });

  it('writes monthly indices by a key time column, the same documents on a rewrite', async () => {
    const spec: TableSpec = { ...table('monthly'), key: ['id', 'at'] };
    const settings = { tableSettings: { [spec.name]: { monthlyBy: 'at' } } };
    const rows = Array.from({ length: 90 }, (_, i) => ({ ...conformanceRow(`k${i % 10}`, i), at: Date.UTC(2024, i % 3, 1 + (i % 28), 12) }));
    await runRows(spec, rows, createElasticsearchSink(sinkConfig(settings)));
    await runRows(spec, rows, createElasticsearchSink(sinkConfig(settings)));
    const base = `${prefix}${spec.name}`;
    for (const [month, suffix] of [[0, '2024.01'], [1, '2024.02'], [2, '2024.03']] as const) {
      const expected = rows.filter((r) => new Date(r.at as number).getUTCMonth() === month);
      expect(sortByKey(spec, await readIndexTable(client, `${base}-${suffix}`, spec))).toEqual(sortByKey(spec, expected));
    }
    expect((await readDocuments(client, `${base}-*`)).length).toBe(rows.length);
  });

  it('appends to a data stream with create operations: a rewrite adds nothing, a delete is dead-lettered', async () => {
    const spec: TableSpec = { ...table('stream'), key: ['id', 'at'] };
    const settings = { tableSettings: { [spec.name]: { dataStreamTimestamp: 'at' } } };
    const rows = Array.from({ length: 40 }, (_, i) => conformanceRow(`k${i}`, i));
    await runRows(spec, rows, createElasticsearchSink(sinkConfig(settings)));
    const again = await runRows(spec, rows, createElasticsearchSink(sinkConfig(settings)));
    expect(again.deadLetters).toEqual([]);
    const stream = `${prefix}${spec.name}`;
    const documents = await readDocuments(client, stream);
    expect(documents).toHaveLength(rows.length);
    expect(documents.every((d) => d.index.startsWith(`.ds-${stream}-`))).toBe(true);
    expect(sortByKey(spec, documents.map((d) => { const { '@timestamp': timestamp, ...row } = d.source; expect(timestamp).toBe(row['at']); return row as Record<string, Cell>; }))).toEqual(sortByKey(spec, rows));

    const sink = await openSink(spec, settings);
    const letters: { field?: string; detail: string }[] = [];
    await sink.write(conformanceRecords(spec.name, [rows[0]!], 1).map((r) => ({ ...r, op: 'delete' as const })), { topology: 'es-test', positions: [], deadLetter: (l) => letters.push(l) });
    await sink.close();
    expect(letters).toHaveLength(1);
    expect(letters[0]!.detail).toContain('data stream');
  });

  it('writes only the tables it is configured for', async () => {
    const wanted = table('wanted');
    const other = table('other');
    const sink = createElasticsearchSink(sinkConfig({ tables: [wanted.name] }));
    await sink.open({ topology: 'es-test', tables: [wanted, other], clock: systemClock, events: new EngineEvents() });
    await sink.write([...conformanceRecords(wanted.name, [conformanceRow('a', 1)], 1), ...conformanceRecords(other.name, [conformanceRow('b', 1)], 2)], { topology: 'es-test', positions: [], deadLetter: () => undefined });
    await sink.flush(true);
    await sink.close();
    expect(await readIndexTable(client, `${prefix}${wanted.name}`, wanted)).toEqual([conformanceRow('a', 1)]);
    expect(await client.indices.exists({ index: `${prefix}${other.name}` })).toBe(false);
  });

  it('adds a new column to an existing index, and fails at open on a column of another type', async () => {
    const spec = table('evolve');
    const index = `${prefix}${spec.name}`;
    await client.indices.create({ index, mappings: { properties: { id: { type: 'keyword' }, seq: { type: 'long' } } } });
    await (await openSink(spec)).close();
    const mapping = await client.indices.getMapping({ index });
    expect(Object.keys(mapping[index]!.mappings.properties ?? {}).sort()).toEqual(spec.columns.map((c) => c.name).sort());

    const conflicting = table('conflict');
    await client.indices.create({ index: `${prefix}${conflicting.name}`, mappings: { properties: { amount: { type: 'keyword' } } } });
    const failure = await openSink(conflicting).catch((error: unknown) => error);
    expect((failure as EngineError).code).toBe('elasticsearch_mapping_mismatch');
    expect((failure as EngineError).message).toContain('amount is keyword');
  });

  it('creates an index template per table with mappings from the declared column types', async () => {
    const spec = table('template');
    await (await openSink(spec, { tableSettings: { [spec.name]: { textColumns: ['label'] } } })).close();
    const { index_templates: templates } = await client.indices.getIndexTemplate({ name: `cloudpulse.${prefix}${spec.name}` });
    const properties = templates[0]!.index_template.template?.mappings?.properties;
    expect(properties).toMatchObject({
      id: { type: 'keyword' },
      seq: { type: 'long' },
      amount: { type: 'double' },
      label: { type: 'text', fields: { keyword: { type: 'keyword' } } },
      flag: { type: 'boolean' },
      at: { type: 'date' },
      day: { type: 'date', format: 'strict_date' },
    });
  });

  it('fails at open, naming the node, when no Elasticsearch answers there', async () => {
    const sink = createElasticsearchSink({ type: 'elasticsearch', nodes: ['http://127.0.0.1:9'], healthTimeoutMs: 1_000 });
    const failure = await sink.open({ topology: 'es-test', tables: [table('nowhere')], clock: systemClock, events: new EngineEvents() }).catch((error: unknown) => error);
    expect((failure as EngineError).message).toContain('http://127.0.0.1:9');
    expect((failure as EngineError).retryable).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import type { Cell, StreamRecord, TableRow, TableSpec } from '../../engine/index.js';
import { BulkBody, BulkBodyPool } from './bulk-body.js';
import { TableTarget } from './table-target.js';

const spec: TableSpec = {
  name: 'notes',
  columns: [
    { name: 'author', type: 'text' },
    { name: 'at', type: 'timestamptz' },
    { name: 'body', type: 'text' },
    { name: 'score', type: 'numeric' },
    { name: 'seq', type: 'integer' },
    { name: 'ok', type: 'boolean' },
    { name: 'day', type: 'date' },
  ],
  key: ['author', 'at'],
};

const at = Date.UTC(2024, 0, 2, 14, 30);

// Text that NDJSON must carry inside one line: quotes, backslashes, newlines and other control
// characters, multi-byte UTF-8, astral characters (surrogate pairs), and the JavaScript line separators.
const awkward = [
  'say "hi" \\ back\\slash',
  'line\nbreak\r\nand\ttab \u0000 \u001f \u007f',
  'naïve café — 日本語 ✓',
  'rocket 🚀 and 𝄞',
  'separators \u2028 \u2029',
  '{"index":{"_id":"x"}}\n{"forged":true}',
];

function record(row: Record<string, Cell>, op?: 'delete'): StreamRecord<TableRow> {
  return { value: { table: 'notes', row }, eventTime: 0, position: { source: 'notes.csv', partition: 'notes.csv', offset: 3 }, ...(op === undefined ? {} : { op }) };
}

/** What the sink does per document: the id, the operation, then its text into the request body. */
function appendAll(body: BulkBody, target: TableTarget, records: readonly StreamRecord<TableRow>[]): string[] {
  const texts: string[] = [];
  for (const r of records) {
    const id = target.documentId(r);
    if (typeof id !== 'string') throw new Error(id.detail);
    const operation = target.encode(r, id);
    if (!('ndjson' in operation)) throw new Error(operation.detail);
    body.append(operation.ndjson);
    texts.push(operation.ndjson);
  }
  return texts;
}

/** The body split into NDJSON lines, each parsed on its own, as Elasticsearch reads it. */
function parsedLines(body: BulkBody): unknown[] {
  const text = body.bytes().toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n').map((line) => JSON.parse(line) as unknown);
}

/** The documented `_id`: key values joined by `|`, a `\` or `|` inside a value escaped by `\`. */
function expectedId(row: Record<string, Cell>): string {
  return spec.key.map((k) => String(row[k]).replace(/[\\|]/g, (c) => `\\${c}`)).join('|');
}

/** The document the mapping expects: every declared column, null when absent, nothing else. */
function expectedDocument(row: Record<string, Cell>): Record<string, Cell> {
  return Object.fromEntries(spec.columns.map((c) => [c.name, row[c.name] ?? null]));
}

describe('BulkBody', () => {
  it('holds an action line and a document line per operation, awkward text included, each line parsing on its own', () => {
    const target = new TableTarget(spec, undefined, 'cp-', 'sink');
    const rows = awkward.map((text, i) => ({ author: text, at: at + i, body: text, score: i / 3, seq: i, ok: i % 2 === 0, day: '2024-01-02' }));
    const body = new BulkBody();
    appendAll(body, target, rows.map((row) => record(row)));
    const expected = rows.flatMap((row) => [{ index: { _index: 'cp-notes', _id: expectedId(row) } }, expectedDocument(row)]);
    expect(parsedLines(body)).toEqual(expected);
  });

  it('writes null for null and absent columns, and leaves undeclared fields out', () => {
    const target = new TableTarget(spec, undefined, '', 'sink');
    const rows: Record<string, Cell>[] = [
      { author: 'a', at, body: null, score: null, seq: null, ok: null, day: null },
      { author: 'b', at, undeclared: 'dropped' },
    ];
    const body = new BulkBody();
    appendAll(body, target, rows.map((row) => record(row)));
    const lines = parsedLines(body);
    expect(lines[1]).toEqual({ author: 'a', at, body: null, score: null, seq: null, ok: null, day: null });
    expect(lines[3]).toEqual({ author: 'b', at, body: null, score: null, seq: null, ok: null, day: null });
  });

  it('writes external versions and deletes (an action line without a document line)', () => {
    const target = new TableTarget(spec, { textColumns: [], versionColumn: 'seq' }, '', 'sink');
    const row = { author: 'ü "q"', at, body: 'x', score: 1.5, seq: 42, ok: true, day: '2024-02-29' };
    const body = new BulkBody();
    appendAll(body, target, [record(row), record({ ...row, seq: 43 }, 'delete'), record({ ...row, seq: null }, 'delete')]);
    const id = `ü "q"|${at}`;
    expect(parsedLines(body)).toEqual([
      { index: { _index: 'notes', _id: id, version: 42, version_type: 'external' } },
      expectedDocument(row),
      { delete: { _index: 'notes', _id: id, version: 43, version_type: 'external' } },
      { delete: { _index: 'notes', _id: id } },
    ]);
  });

  it('writes create operations with @timestamp for a data stream, and monthly index names', () => {
    const stream = new TableTarget(spec, { textColumns: [], dataStreamTimestamp: 'at' }, '', 'sink');
    const monthly = new TableTarget(spec, { textColumns: [], monthlyBy: 'at' }, '', 'sink');
    const row = { author: 'a', at, body: 'b', score: 2, seq: 1, ok: false, day: '2024-01-02' };
    const body = new BulkBody();
    appendAll(body, stream, [record(row)]);
    appendAll(body, monthly, [record(row)]);
    expect(parsedLines(body)).toEqual([
      { create: { _index: 'notes', _id: `a|${at}` } },
      { ...expectedDocument(row), '@timestamp': at },
      { index: { _index: 'notes-2024.01', _id: `a|${at}` } },
      expectedDocument(row),
    ]);
  });

  it('counts UTF-8 bytes, grows past its first buffer without losing what it holds, and starts empty after reset', () => {
    const target = new TableTarget(spec, undefined, '', 'sink');
    const rows = Array.from({ length: 200 }, (_, i) => ({ author: awkward[i % awkward.length]!, at: at + i, body: awkward[(i + 1) % awkward.length]!, score: i * 1.25, seq: i, ok: null, day: null }));
    const body = new BulkBody(16);
    const texts = appendAll(body, target, rows.map((row) => record(row)));
    const expected = Buffer.from(texts.join(''), 'utf8');
    expect(body.byteLength).toBe(expected.length);
    expect(body.bytes().equals(expected)).toBe(true);
    body.reset();
    expect(body.byteLength).toBe(0);
    body.append('{"delete":{"_id":"1"}}\n');
    expect(body.bytes().toString('utf8')).toBe('{"delete":{"_id":"1"}}\n');
  });
});

describe('BulkBodyPool', () => {
  it('hands back a returned body, emptied', () => {
    const pool = new BulkBodyPool();
    const body = pool.take();
    body.append('{"delete":{"_id":"1"}}\n');
    pool.give(body);
    const again = pool.take();
    expect(again).toBe(body);
    expect(again.byteLength).toBe(0);
    expect(pool.take()).not.toBe(body);
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, type Cell, type StreamRecord, type TableRow, type TableSpec } from '../../engine/index.js';
import { TableTarget, type BulkOperation, type LocalRejection } from './table-target.js';

const spec: TableSpec = {
  name: 'bars',
  columns: [
    { name: 'symbol', type: 'text' },
    { name: 'window_start', type: 'timestamptz' },
    { name: 'close', type: 'numeric' },
    { name: 'trades', type: 'integer' },
    { name: 'halted', type: 'boolean' },
    { name: 'day', type: 'date' },
    { name: 'note', type: 'text' },
  ],
  key: ['symbol', 'window_start'],
};

const jan2 = Date.UTC(2024, 0, 2, 14, 30);

function record(row: Record<string, Cell>, op?: 'delete'): StreamRecord<TableRow> {
  return { value: { table: 'bars', row }, eventTime: 0, position: { source: 'bars.csv', partition: 'bars.csv', offset: 7 }, ...(op === undefined ? {} : { op }) };
}

/** What the sink does: the id first, then the operation. */
function encode(target: TableTarget, r: StreamRecord<TableRow>): BulkOperation | LocalRejection {
  const id = target.documentId(r);
  return typeof id === 'string' ? target.encode(r, id) : id;
}

function lines(encoded: BulkOperation | LocalRejection): unknown[] {
  if (!('ndjson' in encoded)) throw new Error(`rejected: ${encoded.detail}`);
  expect(encoded.ndjson.endsWith('\n')).toBe(true);
  return encoded.ndjson.trimEnd().split('\n').map((line) => JSON.parse(line) as unknown);
}

const row = { symbol: 'NVDA', window_start: jan2, close: 481.68, trades: 12, halted: false, day: '2024-01-02', note: 'say "hi"\n' };

describe('TableTarget', () => {
  it('writes an index action with the key as _id and the declared columns, values keeping their JSON types', () => {
    const target = new TableTarget(spec, undefined, 'cp-', 'sink');
    expect(target.index).toBe('cp-bars');
    expect(lines(encode(target, record({ ...row, extra: 'not declared' })))).toEqual([{ index: { _index: 'cp-bars', _id: `NVDA|${jan2}` } }, row]);
    expect(lines(encode(target, record({ symbol: 'NVDA', window_start: jan2 })))[1]).toEqual({ symbol: 'NVDA', window_start: jan2, close: null, trades: null, halted: null, day: null, note: null });
  });

  it('deletes by _id', () => {
    const target = new TableTarget(spec, undefined, '', 'sink');
    expect(lines(encode(target, record(row, 'delete')))).toEqual([{ delete: { _index: 'bars', _id: `NVDA|${jan2}` } }]);
  });

  it('sends an external version from the version column, and refuses a version that is not a whole number', () => {
    const target = new TableTarget(spec, { textColumns: [], versionColumn: 'trades' }, '', 'sink');
    expect(lines(encode(target, record(row)))[0]).toEqual({ index: { _index: 'bars', _id: `NVDA|${jan2}`, version: 12, version_type: 'external' } });
    expect(encode(target, record({ ...row, trades: 1.5 }))).toMatchObject({ field: 'trades' });
    expect(lines(encode(target, record({ ...row, trades: null }, 'delete')))[0]).toEqual({ delete: { _index: 'bars', _id: `NVDA|${jan2}` } });
  });

  it("sends the record's own version (a change's WAL position) as external version, deletes included; the version column wins; a data stream takes none", () => {
    const versioned = (r: StreamRecord<TableRow>, version: number): StreamRecord<TableRow> => ({ ...r, version });
    const target = new TableTarget(spec, undefined, '', 'sink');
    expect(lines(encode(target, versioned(record(row), 0)))[0]).toEqual({ index: { _index: 'bars', _id: `NVDA|${jan2}`, version: 0, version_type: 'external' } });
    expect(lines(encode(target, versioned(record(row, 'delete'), 2 ** 40 + 5)))).toEqual([{ delete: { _index: 'bars', _id: `NVDA|${jan2}`, version: 2 ** 40 + 5, version_type: 'external' } }]);
    expect(encode(target, versioned(record(row), -1))).toMatchObject({ field: 'symbol' });
    const byColumn = new TableTarget(spec, { textColumns: [], versionColumn: 'trades' }, '', 'sink');
    expect(lines(encode(byColumn, versioned(record(row), 99)))[0]).toMatchObject({ index: { version: 12 } });
    const stream = new TableTarget(spec, { textColumns: [], dataStreamTimestamp: 'window_start' }, '', 'sink');
    expect(lines(encode(stream, versioned(record(row), 99)))[0]).toEqual({ create: { _index: 'bars', _id: `NVDA|${jan2}` } });
  });

  it('puts a row in the monthly index of its key time', () => {
    const target = new TableTarget(spec, { textColumns: [], monthlyBy: 'window_start' }, '', 'sink');
    expect(target.indexPatterns).toEqual(['bars-*']);
    expect(lines(encode(target, record({ ...row, window_start: Date.UTC(2023, 11, 31, 23, 59) })))[0]).toMatchObject({ index: { _index: 'bars-2023.12' } });
  });

  it('creates data stream documents with @timestamp, and refuses deletes there', () => {
    const target = new TableTarget(spec, { textColumns: [], dataStreamTimestamp: 'window_start' }, '', 'sink');
    const [action, document] = lines(encode(target, record(row)));
    expect(action).toEqual({ create: { _index: 'bars', _id: `NVDA|${jan2}` } });
    expect(document).toEqual({ ...row, '@timestamp': jan2 });
    expect(target.mappings.properties['@timestamp']).toMatchObject({ type: 'date' });
    expect(encode(target, record(row, 'delete'))).toMatchObject({ detail: expect.stringContaining('data stream') });
  });

  it('refuses before sending: a null key column, a non-finite number, a date that does not exist', () => {
    const target = new TableTarget(spec, undefined, '', 'sink');
    expect(encode(target, record({ ...row, symbol: null }))).toMatchObject({ field: 'symbol', detail: expect.stringContaining('key column symbol is null') });
    expect(encode(target, record({ ...row, close: Number.NaN }))).toMatchObject({ field: 'close' });
    expect(encode(target, record({ ...row, close: Number.POSITIVE_INFINITY }))).toMatchObject({ field: 'close' });
    for (const day of ['2024-02-30', '2023-02-29', '2024-13-01', '2024-1-5', 'today']) expect(encode(target, record({ ...row, day }))).toMatchObject({ field: 'day' });
    expect('ndjson' in encode(target, record({ ...row, day: '2024-02-29' }))).toBe(true);
  });

  it('maps declared types: keyword or full text, long, double, boolean, dates', () => {
    const target = new TableTarget(spec, { textColumns: ['note'] }, '', 'sink');
    expect(target.mappings).toEqual({
      dynamic: 'strict',
      properties: {
        symbol: { type: 'keyword' },
        window_start: { type: 'date', format: 'epoch_millis||strict_date_optional_time' },
        close: { type: 'double' },
        trades: { type: 'long' },
        halted: { type: 'boolean' },
        day: { type: 'date', format: 'strict_date' },
        note: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 8191 } } },
      },
    });
  });

  it('fails at start naming the setting that does not fit the table', () => {
    const path = (settings: ConstructorParameters<typeof TableTarget>[1], prefix = ''): string => {
      try {
        new TableTarget(spec, settings, prefix, 'sinks.1');
      } catch (error) {
        if (error instanceof ConfigError) return error.path;
        throw error;
      }
      return 'no error';
    };
    expect(path({ textColumns: ['nope'] })).toBe('sinks.1.tableSettings.bars.textColumns.0');
    expect(path({ textColumns: ['close'] })).toBe('sinks.1.tableSettings.bars.textColumns.0');
    expect(path({ textColumns: [], versionColumn: 'symbol' })).toBe('sinks.1.tableSettings.bars.versionColumn');
    expect(path({ textColumns: [], monthlyBy: 'day' })).toBe('sinks.1.tableSettings.bars.monthlyBy');
    expect(path({ textColumns: [], dataStreamTimestamp: 'close' })).toBe('sinks.1.tableSettings.bars.dataStreamTimestamp');
    expect(path({ textColumns: [], index: 'Bad' })).toBe('sinks.1.tableSettings.bars.index');
    expect(path({ textColumns: [], index: 'good' })).toBe('no error');
    expect(path(undefined, '-x')).toBe('sinks.1.indexPrefix');
  });
});

import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineEvents, systemClock, type SourcePosition, type StreamRecord, type TableRow, type TableSpec } from '../../engine/index.js';
import { DeadLetterFileSink } from './dead-letter-file-sink.js';
import { FileSink } from './file-sink.js';

const spec: TableSpec = {
  name: 'bars',
  columns: [
    { name: 'symbol', type: 'text' },
    { name: 'window_start', type: 'timestamptz' },
    { name: 'close', type: 'numeric' },
    { name: 'bars', type: 'integer' },
  ],
  key: ['symbol', 'window_start'],
};

const pos = (offset: number): SourcePosition => ({ source: 'ticks.csv', partition: 'ticks.csv', offset });
const row = (offset: number, values: TableRow['row'], op?: 'delete'): StreamRecord<TableRow> => ({
  value: { table: 'bars', row: values },
  eventTime: 0,
  position: pos(offset),
  ...(op === undefined ? {} : { op }),
});
const openCtx = { topology: 't', tables: [spec], clock: systemClock, events: new EngineEvents() };
const writeCtx = (positions: SourcePosition[]) => ({ topology: 't', positions, deadLetter: () => {} });

describe('FileSink', () => {
  it('writes one row per key in declared column order, upserting re-emitted windows', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cp-file-'));
    const sink = new FileSink({ dir, format: 'csv', resume: false, fsync: false });
    await sink.open(openCtx);
    await sink.write([row(1, { symbol: 'NVDA', window_start: 0, close: 1.5, bars: 1 }), row(2, { symbol: 'A,B "x"', window_start: 60_000, close: null, bars: 2 })], writeCtx([pos(2)]));
    await sink.write([row(3, { bars: 3, close: 0.1 + 0.2, window_start: 0, symbol: 'NVDA' })], writeCtx([pos(3)]));
    await sink.flush(true);
    await sink.close();
    const text = await readFile(join(dir, 'bars.csv'), 'utf8');
    expect(text).toBe(
      'symbol,window_start,close,bars\n' +
        'NVDA,1970-01-01T00:00:00.000Z,0.30000000000000004,3\n' +
        '"A,B ""x""",1970-01-01T00:01:00.000Z,,2\n',
    );
    expect(await readdir(dir)).not.toContain('.cloudpulse-journal.jsonl');
  });

  it('removes a key on a delete record', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cp-file-'));
    const sink = new FileSink({ dir, format: 'jsonl', resume: false, fsync: false });
    await sink.open(openCtx);
    await sink.write([row(1, { symbol: 'A', window_start: 0, close: 1, bars: 1 }), row(2, { symbol: 'B', window_start: 0, close: 2, bars: 1 })], writeCtx([]));
    await sink.write([row(3, { symbol: 'A', window_start: 0, close: null, bars: null }, 'delete')], writeCtx([]));
    await sink.flush(true);
    expect(await readFile(join(dir, 'bars.jsonl'), 'utf8')).toBe('{"symbol":"B","window_start":"1970-01-01T00:00:00.000Z","close":2,"bars":1}\n');
  });

  it('resumes from its journal: stored positions and rows survive an interrupted run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cp-file-'));
    const first = new FileSink({ dir, format: 'csv', resume: false, fsync: true });
    await first.open(openCtx);
    await first.write([row(1, { symbol: 'A', window_start: 0, close: 1, bars: 1 })], writeCtx([pos(10)]));
    await first.flush(false); // a graceful stop: tables written, journal kept
    await first.close();

    const second = new FileSink({ dir, format: 'csv', resume: true, fsync: true });
    await second.open(openCtx);
    expect(await second.storedPositions('ticks.csv')).toEqual([pos(10)]);
    expect(await second.storedPositions('other.csv')).toEqual([]);
    await second.write([row(11, { symbol: 'B', window_start: 0, close: 2, bars: 1 })], writeCtx([pos(11)]));
    await second.flush(true);
    const lines = (await readFile(join(dir, 'bars.csv'), 'utf8')).trim().split('\n');
    expect(lines).toEqual(['symbol,window_start,close,bars', 'A,1970-01-01T00:00:00.000Z,1,1', 'B,1970-01-01T00:00:00.000Z,2,1']);

    const fresh = new FileSink({ dir, format: 'csv', resume: false, fsync: false });
    await fresh.open(openCtx);
    expect(await fresh.storedPositions('ticks.csv')).toEqual([]);
  });
});

describe('DeadLetterFileSink', () => {
  it('appends letters as CSV with source, position, reason and detail', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cp-dlq-'));
    const path = join(dir, 'dead_letter.csv');
    const sink = new DeadLetterFileSink(path, { append: false, fsync: false });
    await sink.write([{ position: pos(7), reason: 'parse_error', detail: 'not a number: "abc"', field: 'price', raw: 'x,abc' }]);
    await sink.write([{ position: { source: 'orders', partition: '3', offset: 42 }, reason: 'join_miss', detail: 'no customer 9' }]);
    await sink.close();
    expect(await readFile(path, 'utf8')).toBe(
      'source,position,reason,detail,field,raw\n' +
        'ticks.csv,7,parse_error,"not a number: ""abc""",price,"x,abc"\n' +
        'orders,3:42,join_miss,no customer 9,,\n',
    );
  });
});

describe('DeadLetterFileSink on resume', () => {
  it('does not write a letter twice when a resumed run re-reads its record', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cp-dlq-'));
    const path = join(dir, 'dead_letter.csv');
    const letter = { position: pos(7), reason: 'parse_error', detail: 'bad, "quoted"\nvalue', field: 'price' } as const;
    const first = new DeadLetterFileSink(path, { append: false, fsync: false });
    await first.write([letter]);
    await first.close();
    const resumed = new DeadLetterFileSink(path, { append: true, fsync: false });
    await resumed.write([letter, { ...letter, position: pos(8) }]);
    await resumed.close();
    const text = await readFile(path, 'utf8');
    expect(text.match(/^ticks\.csv,7,/gm)).toHaveLength(1);
    expect(text.match(/^ticks\.csv,8,/gm)).toHaveLength(1);
  });
});

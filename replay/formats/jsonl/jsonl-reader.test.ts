import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatPosition, type DeadLetter, type ReadOptions, type Row, type StreamRecord } from '../../../engine/index.js';
import { openJsonlReader } from './jsonl-reader.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloudpulse-jsonl-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readJsonl(text: string, read: ReadOptions, extra: { resumeAfter?: number; chunkBytes?: number } = {}): Promise<{ records: StreamRecord<Row>[]; letters: DeadLetter[] }> {
  const path = join(dir, 'events.jsonl');
  await writeFile(path, text);
  const letters: DeadLetter[] = [];
  const reader = await openJsonlReader(path, { read, deadLetter: (l) => letters.push(l), ...extra });
  const records: StreamRecord<Row>[] = [];
  for (;;) {
    const batch = await reader.next(2);
    records.push(...batch.records);
    if (batch.last) break;
  }
  return { records, letters };
}

const read: ReadOptions = { fields: [{ name: 'ts', type: 'timestamp' }, { name: 'price', type: 'number' }, { name: 'qty', type: 'integer' }], eventTime: 'ts', key: 'symbol' };

describe('JSON Lines reader', () => {
  it('types declared fields, keeps other values, and positions records at file:line', async () => {
    const text = '{"ts":"2024-01-02T09:30:00-05:00","symbol":"NVDA","price":"481.5","qty":3,"tags":["a"],"ok":true}\r\n'
      + '\n'
      + '{"ts":1704205800000,"symbol":"AMD","price":140.25,"qty":"7","note":null}\n';
    const { records, letters } = await readJsonl(text, read, { chunkBytes: 16 });
    expect(letters).toEqual([]);
    expect(records.map((r) => r.value)).toEqual([
      { ts: Date.UTC(2024, 0, 2, 14, 30), symbol: 'NVDA', price: 481.5, qty: 3, tags: '["a"]', ok: true },
      { ts: 1_704_205_800_000, symbol: 'AMD', price: 140.25, qty: 7, note: null },
    ]);
    expect(records.map((r) => [formatPosition(r.position), r.eventTime, r.key])).toEqual([
      ['events.jsonl:1', Date.UTC(2024, 0, 2, 14, 30), 'NVDA'],
      ['events.jsonl:3', 1_704_205_800_000, 'AMD'],
    ]);
  });

  it('dead-letters invalid JSON, non-objects and bad fields with file:line and the raw line', async () => {
    const text = '{"ts":"2024-01-02T00:00:00Z","price":1}\n{not json}\n[1,2]\n{"ts":"2024-01-02T00:00:00Z","price":"abc"}\n{"price":2}\n{"ts":"2024-01-03T00:00:00Z","price":3}';
    const { records, letters } = await readJsonl(text, read);
    expect(records.map((r) => r.value.price)).toEqual([1, 3]);
    expect(letters.map((l) => [formatPosition(l.position), l.reason, l.field, l.raw])).toEqual([
      ['events.jsonl:2', 'parse_error', undefined, '{not json}'],
      ['events.jsonl:3', 'parse_error', undefined, '[1,2]'],
      ['events.jsonl:4', 'parse_error', 'price', '{"ts":"2024-01-02T00:00:00Z","price":"abc"}'],
      ['events.jsonl:5', 'parse_error', 'ts', '{"price":2}'],
    ]);
    expect(letters[0]!.detail).toMatch(/^invalid JSON/);
    expect(letters[2]!.detail).toBe('cannot parse "abc" as number');
  });

  it('skips lines at or before the resume position', async () => {
    const text = [1, 2, 3, 4].map((i) => JSON.stringify({ ts: `2024-01-0${i}`, price: i })).join('\n');
    const { records } = await readJsonl(text, read, { resumeAfter: 2 });
    expect(records.map((r) => r.position.offset)).toEqual([3, 4]);
  });
});

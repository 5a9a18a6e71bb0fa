import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import avro from 'avsc';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatPosition, type DeadLetter, type ReadOptions, type Row, type StreamRecord } from '../../../engine/index.js';
import { openAvroReader } from './avro-reader.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloudpulse-avro-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const schema = {
  type: 'record',
  name: 'Tick',
  fields: [
    { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'symbol', type: 'string' },
    { name: 'price', type: 'double' },
    { name: 'volume', type: ['null', 'long'] },
    { name: 'venue', type: { type: 'record', name: 'Venue', fields: [{ name: 'mic', type: 'string' }] } },
  ],
} as const;

async function writeAvro(path: string, rows: readonly Record<string, unknown>[], blockSize: number): Promise<void> {
  const encoder = new avro.streams.BlockEncoder(schema as unknown as avro.Schema, { blockSize, codec: 'deflate' });
  const file = createWriteStream(path);
  encoder.pipe(file);
  for (const row of rows) encoder.write(row);
  encoder.end();
  await finished(file);
}

async function readAvro(path: string, read: ReadOptions, resumeAfter?: number): Promise<{ records: StreamRecord<Row>[]; letters: DeadLetter[] }> {
  const letters: DeadLetter[] = [];
  const reader = await openAvroReader(path, { read, deadLetter: (l) => letters.push(l), ...(resumeAfter === undefined ? {} : { resumeAfter }) });
  const records: StreamRecord<Row>[] = [];
  for (;;) {
    const batch = await reader.next(7);
    records.push(...batch.records);
    if (batch.last) break;
  }
  expect(reader.bytesRead()).toBe(reader.totalBytes);
  return { records, letters };
}

const base = Date.UTC(2024, 0, 2, 14, 30);
const rows = Array.from({ length: 50 }, (_, i) => ({ ts: base + i * 1000, symbol: i % 2 === 0 ? 'NVDA' : 'AMD', price: 100 + i / 4, volume: i % 5 === 0 ? null : i * 10, venue: { mic: 'XNAS' } }));

describe('Avro object container reader', () => {
  it('reads every record across blocks, typed, with position = record index', async () => {
    const path = join(dir, 'ticks.avro');
    await writeAvro(path, rows, 200);
    const { records, letters } = await readAvro(path, { fields: [{ name: 'ts', type: 'timestamp' }, { name: 'price', type: 'number' }], eventTime: 'ts', key: 'symbol' });
    expect(letters).toEqual([]);
    expect(records).toHaveLength(50);
    expect(records[3]!.value).toEqual({ ts: base + 3000, symbol: 'AMD', price: 100.75, volume: 30, venue: '{"mic":"XNAS"}' });
    expect(records[5]!.value.volume).toBeNull();
    expect(records.map((r) => r.eventTime)).toEqual(rows.map((r) => r.ts));
    expect(records.map((r) => r.key)).toEqual(rows.map((r) => r.symbol));
    expect(records.map((r) => formatPosition(r.position))).toEqual(rows.map((_, i) => `ticks.avro:${i + 1}`));
  });

  it('resumes after a record index and dead-letters records whose declared field does not fit', async () => {
    const path = join(dir, 'ticks.avro');
    await writeAvro(path, rows, 64);
    const { records, letters } = await readAvro(path, { fields: [{ name: 'volume', type: 'integer', required: true }] }, 40);
    expect(records.map((r) => r.position.offset)).toEqual([42, 43, 44, 45, 47, 48, 49, 50]);
    expect(letters.map((l) => [formatPosition(l.position), l.field, l.detail])).toEqual([
      ['ticks.avro:41', 'volume', 'required integer is missing'],
      ['ticks.avro:46', 'volume', 'required integer is missing'],
    ]);
  });

  it('dead-letters the position where a corrupt or truncated file stops decoding', async () => {
    for (const content of ['Obj\u0001 a header cut short', 'not an avro file at all']) {
      const path = join(dir, 'broken.avro');
      await writeFile(path, Buffer.from(content));
      const { records, letters } = await readAvro(path, {});
      expect(records).toEqual([]);
      expect(letters.map((l) => [formatPosition(l.position), l.reason])).toEqual([['broken.avro:1', 'decode_error']]);
    }
  });
});

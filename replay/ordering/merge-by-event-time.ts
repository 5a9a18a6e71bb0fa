import { partitionId, type Row, type StreamRecord } from '../../engine/index.js';
import type { BatchReader, OrderedBatch } from './ordered-batch.js';

interface Cursor {
  readonly reader: BatchReader;
  readonly id: string;
  batch: StreamRecord<Row>[];
  index: number;
  last: boolean;
}

/**
 * File order: each file's records in the order they appear. One file passes its batches through
 * untouched; several files are merged by event time (the smallest head first, ties to the earlier
 * file), each file keeping its own order, so files covering the same period interleave the way a
 * live feed would. Each file's partition id is listed in the batch holding its last record.
 */
export async function* mergeByEventTime(readers: readonly BatchReader[], batchSize: number): AsyncGenerator<OrderedBatch> {
  if (readers.length === 1) {
    const reader = readers[0]!;
    for (;;) {
      const { records, last } = await reader.next(batchSize);
      if (last) {
        yield { records, ended: [partitionId({ source: reader.name, partition: reader.name })] };
        return;
      }
      if (records.length > 0) yield { records, ended: [] };
    }
  }

  const cursors: Cursor[] = readers.map((reader) => ({ reader, id: partitionId({ source: reader.name, partition: reader.name }), batch: [], index: 0, last: false }));
  let ended: string[] = [];
  const active: Cursor[] = [];
  for (const cursor of cursors) {
    await refill(cursor, batchSize);
    if (cursor.index < cursor.batch.length) active.push(cursor);
    else ended.push(cursor.id);
  }
  let out: StreamRecord<Row>[] = [];
  while (active.length > 0) {
    let best = 0;
    let bestTime = active[0]!.batch[active[0]!.index]!.eventTime;
    for (let k = 1; k < active.length; k++) {
      const cursor = active[k]!;
      const time = cursor.batch[cursor.index]!.eventTime;
      if (time < bestTime) {
        best = k;
        bestTime = time;
      }
    }
    const cursor = active[best]!;
    out.push(cursor.batch[cursor.index++]!);
    if (cursor.index === cursor.batch.length) {
      if (!cursor.last) await refill(cursor, batchSize);
      if (cursor.index === cursor.batch.length) {
        ended.push(cursor.id);
        active.splice(best, 1);
      }
    }
    if (out.length >= batchSize) {
      yield { records: out, ended };
      out = [];
      ended = [];
    }
  }
  if (out.length > 0 || ended.length > 0) yield { records: out, ended };
}

/** Loads the cursor's next non-empty batch, or leaves it empty when its file has ended. */
async function refill(cursor: Cursor, batchSize: number): Promise<void> {
  for (;;) {
    const { records, last } = await cursor.reader.next(batchSize);
    cursor.batch = records;
    cursor.index = 0;
    cursor.last = last;
    if (records.length > 0 || last) return;
  }
}

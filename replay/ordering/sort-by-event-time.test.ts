import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { partitionId, type Row, type StreamRecord } from '../../engine/index.js';
import type { ReadBatch } from '../formats/record-reader.js';
import type { BatchReader, OrderedBatch } from './ordered-batch.js';
import { sortByEventTime } from './sort-by-event-time.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloudpulse-sort-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An in-memory reader of records with the given event times (offsets 1, 2, …), in batches of 10. */
function reader(name: string, times: readonly number[]): BatchReader {
  const records: StreamRecord<Row>[] = times.map((t, i) => ({
    value: { name, i, text: `row ${i} of ${name}, with "quotes" and a\nline break` },
    eventTime: t,
    key: i % 3 === 0 ? undefined : `k${i % 3}`,
    position: { source: name, partition: name, offset: i + 1 },
  }));
  let at = 0;
  return {
    name,
    async next(max: number): Promise<ReadBatch> {
      const batch = records.slice(at, at + Math.min(max, 10));
      at += batch.length;
      return { records: batch, last: at >= records.length };
    },
    bytesRead: () => at * 100,
  };
}

async function collect(source: AsyncGenerator<OrderedBatch>): Promise<OrderedBatch[]> {
  const out: OrderedBatch[] = [];
  for await (const batch of source) out.push(batch);
  return out;
}

function times(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 48_271) % 2_147_483_647;
    return (s % 500) * 1000;
  });
}

describe('sortByEventTime', () => {
  it('spills sorted runs to disk under a tiny memory budget and merges them into the same order as an in-memory sort', async () => {
    const inputs = (): BatchReader[] => [reader('a', times(900, 1)), reader('b', times(600, 2)), reader('c', []), reader('d', times(750, 3))];
    const inMemory = await collect(sortByEventTime(inputs(), { batchSize: 250, memoryBudgetBytes: 1 << 30, tempDir: dir }));
    let spills = 0;
    let loaded = -1;
    const external = await collect(sortByEventTime(inputs(), {
      batchSize: 250, memoryBudgetBytes: 8_000, tempDir: dir,
      onSpill: (runs) => {
        spills = runs;
      },
      onLoaded: (n) => {
        loaded = n;
      },
    }));
    // 2,250 records of ~260 estimated bytes each under an 8 kB budget: well over MAX_FAN_IN (64) runs, so a multi-pass merge ran too.
    expect(spills).toBeGreaterThan(64);
    expect(loaded).toBe(2250);
    expect(external).toEqual(inMemory);

    const records = external.flatMap((b) => b.records);
    expect(records).toHaveLength(2250);
    for (let i = 1; i < records.length; i++) {
      const p = records[i - 1]!;
      const q = records[i]!;
      expect(p.eventTime < q.eventTime || (p.eventTime === q.eventTime && (p.position.source < q.position.source || (p.position.source === q.position.source && p.position.offset < q.position.offset)))).toBe(true);
    }
    expect(external.every((b) => b.records.length <= 250)).toBe(true);
    expect(external[0]!.ended).toContain(partitionId({ source: 'c', partition: 'c' }));
    expect(external.flatMap((b) => b.ended).sort()).toEqual(['a', 'b', 'c', 'd'].map((n) => partitionId({ source: n, partition: n })));
    expect(await readdir(dir)).toEqual([]);
  });

  it('removes its temp files when the consumer stops early', async () => {
    const sorted = sortByEventTime([reader('a', times(500, 9))], { batchSize: 10, memoryBudgetBytes: 4_000, tempDir: dir });
    const first = await sorted.next();
    expect(first.done).toBe(false);
    expect((await readdir(dir)).length).toBe(1);
    await sorted.return(undefined);
    expect(await readdir(dir)).toEqual([]);
  });
});

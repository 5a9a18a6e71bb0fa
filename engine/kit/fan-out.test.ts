import { defer, of, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { BatchCollector } from '../../test/harness/batch-collector.js';
import { RecordFactory } from '../../test/harness/record-factory.js';
import { filterRecords } from '../operators/filter-records.js';
import { mapValues } from '../operators/map-records.js';
import type { StreamBatch } from '../record.js';
import { fanOut } from './fan-out.js';

const rec = new RecordFactory('s', '');

describe('fanOut', () => {
  it('feeds every batch to each branch and merges the outputs, watermark the branches’ minimum', () => {
    const input = new Subject<StreamBatch<number>>();
    const out = new BatchCollector(
      input.pipe(
        fanOut<number, string>(
          (s) => s.pipe(mapValues((n) => `a${n}`)),
          (s) => s.pipe(filterRecords((r) => r.value > 1), mapValues((n) => `b${n}`)),
        ),
      ),
    );
    input.next({ records: [rec.record(1, 1), rec.record(2, 2)], watermark: 5 });
    input.complete();
    expect(out.values).toEqual(['a1', 'a2', 'b2']);
    expect(out.watermarks).toEqual([5]);
    expect(out.completed).toBe(true);
  });

  it('subscribes the input once, after every branch, so a synchronous input reaches all branches', () => {
    let subscriptions = 0;
    const input = defer(() => {
      subscriptions++;
      return of<StreamBatch<number>>({ records: [rec.record(7, 7)] });
    });
    const out = new BatchCollector(input.pipe(fanOut<number, number>((s) => s, (s) => s.pipe(mapValues((n) => n * 10)))));
    expect(subscriptions).toBe(1);
    expect(out.values).toEqual([7, 70]);
  });
});

import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { BatchCollector } from '../../test/harness/batch-collector.js';
import { RecordFactory } from '../../test/harness/record-factory.js';
import type { StreamBatch } from '../record.js';
import { mergeStreams } from './merge-streams.js';

function setup(inputs = 2) {
  const subjects = Array.from({ length: inputs }, () => new Subject<StreamBatch<string>>());
  const out = new BatchCollector(mergeStreams(...subjects));
  const rec = new RecordFactory('s');
  return { subjects, out, rec };
}

describe('mergeStreams', () => {
  it('forwards batches in arrival order with the minimum of the inputs’ latest watermarks', () => {
    const { subjects, out, rec } = setup();
    const [a, b] = subjects as [Subject<StreamBatch<string>>, Subject<StreamBatch<string>>];
    const r1 = rec.record('a1', 10);
    a.next({ records: [r1], watermark: 100 });
    expect(out.batches).toEqual([{ records: [r1] }]); // b has no watermark yet: it holds the output back
    b.next({ records: [], watermark: 50 });
    expect(out.batches.at(-1)).toEqual({ records: [], watermark: 50 });
    b.next({ records: [], watermark: 300 });
    expect(out.batches.at(-1)).toEqual({ records: [], watermark: 100 });
    a.next({ records: [], watermark: 200 });
    expect(out.watermarks).toEqual([50, 100, 200]);
    a.next({ records: [], watermark: 150 }); // an input going backwards changes nothing
    expect(out.watermarks).toEqual([50, 100, 200]);
  });

  it('stops waiting for an input that completed, and completes when all have', () => {
    const { subjects, out } = setup(3);
    const [a, b, c] = subjects as [Subject<StreamBatch<string>>, Subject<StreamBatch<string>>, Subject<StreamBatch<string>>];
    a.next({ records: [], watermark: 500 });
    b.next({ records: [], watermark: 300 });
    c.next({ records: [], watermark: 100 });
    expect(out.watermark).toBe(100);
    c.complete();
    expect(out.batches.at(-1)).toEqual({ records: [], watermark: 300 });
    b.complete();
    expect(out.watermark).toBe(500);
    expect(out.completed).toBe(false);
    a.complete();
    expect(out.completed).toBe(true);
    expect(out.watermarks).toEqual([100, 300, 500]);
  });

  it('passes ended partitions through and drops batches that carry nothing', () => {
    const { subjects, out } = setup();
    subjects[0]!.next({ records: [], endOfPartitions: ['s\u00000'] });
    subjects[1]!.next({ records: [] });
    expect(out.batches).toEqual([{ records: [], endOfPartitions: ['s\u00000'] }]);
  });

  it('passes the first error on', () => {
    const { subjects, out } = setup();
    subjects[1]!.error(new Error('broken input'));
    expect(out.failed).toBe(true);
    expect((out.error as Error).message).toBe('broken input');
  });

  it('completes at once with no inputs', () => {
    expect(new BatchCollector(mergeStreams<string>()).completed).toBe(true);
  });
});

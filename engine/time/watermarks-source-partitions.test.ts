import { describe, expect, it } from 'vitest';
import { OperatorProbe } from '../../test/harness/batch-collector.js';
import { RecordFactory } from '../../test/harness/record-factory.js';
import { createTestContext } from '../../test/harness/test-context.js';
import { partitionId, type StreamRecord } from '../record.js';
import { assignWatermarks } from './watermarks.js';

// What a Kafka source tells the watermark operator about partitions it has not heard from yet.
describe('assignWatermarks with partitions announced by the source', () => {
  const id = (partition: string): string => partitionId({ source: 'topic', partition });

  function setup() {
    const test = createTestContext({ startTime: 1_000_000 });
    const probe = new OperatorProbe<number, number>(assignWatermarks(test.ctx, { name: 'wm', maxOutOfOrdernessMs: 0 }));
    const rec = new RecordFactory('topic');
    const at = (eventTime: number, partition: string): StreamRecord<number> => rec.record(eventTime, eventTime, { partition });
    return { probe, at };
  }

  it('an announced partition holds the watermark back before its first record', () => {
    const { probe, at } = setup();
    const announced = [id('0'), id('1')];
    expect(probe.send({ records: [at(5_000, '0')], startOfPartitions: announced })[0]!.watermark).toBeUndefined();
    expect(probe.send({ records: [at(1_000, '1')], startOfPartitions: announced })[0]!.watermark).toBe(999);
  });

  it('an idle partition stops holding it back until it sends again', () => {
    const { probe, at } = setup();
    const announced = [id('0'), id('1')];
    expect(probe.send({ records: [at(5_000, '0')], startOfPartitions: announced, idlePartitions: [id('1')] })[0]!.watermark).toBe(4_999);
    // Partition 1 sends again: it holds the watermark from its own time on (the watermark never goes back).
    expect(probe.send({ records: [at(6_000, '1')], startOfPartitions: announced })[0]!.watermark).toBeUndefined();
    expect(probe.send({ records: [at(7_000, '0'), at(6_500, '1')], startOfPartitions: announced })[0]!.watermark).toBe(6_499);
  });
});

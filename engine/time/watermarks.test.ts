import { describe, expect, it } from 'vitest';
import { OperatorProbe } from '../../test/harness/batch-collector.js';
import { RecordFactory } from '../../test/harness/record-factory.js';
import { createTestContext } from '../../test/harness/test-context.js';
import type { StreamRecord } from '../record.js';
import { assignWatermarks, type WatermarkOptions } from './watermarks.js';

function setup(options: Partial<WatermarkOptions> = {}) {
  const test = createTestContext({ startTime: 1_000_000 });
  const probe = new OperatorProbe<number, number>(assignWatermarks(test.ctx, { name: 'wm', maxOutOfOrdernessMs: 100, ...options }));
  const rec = new RecordFactory('topic');
  const at = (eventTime: number, partition = '0'): StreamRecord<number> => rec.record(eventTime, eventTime, { partition });
  return { test, probe, rec, at };
}

describe('assignWatermarks', () => {
  it('emits max event time − out-of-orderness − 1 with the batch, only when it advances', () => {
    const { test, probe, at } = setup();
    const first = [at(1_000), at(900)];
    expect(probe.push(first)).toEqual([{ records: first, watermark: 899 }]);
    const inside = [at(950)];
    expect(probe.push(inside)).toEqual([{ records: inside }]);
    expect(probe.push([at(1_200)])[0]!.watermark).toBe(1_099);
    expect(test.eventsOf('watermark')).toEqual([
      { type: 'watermark', topology: 'test', operator: 'wm', watermark: 899 },
      { type: 'watermark', topology: 'test', operator: 'wm', watermark: 1_099 },
    ]);
  });

  it('ignores watermarks on incoming batches (it defines them) and never goes backwards', () => {
    const { probe, at } = setup({ maxOutOfOrdernessMs: 0 });
    expect(probe.push([at(500)], 10_000)[0]!.watermark).toBe(499);
    expect(probe.push([at(100)], 20_000)[0]!.watermark).toBeUndefined();
    expect(probe.output.watermarks).toEqual([499]);
  });

  it('takes the minimum over partitions: a slow partition holds the watermark back', () => {
    const { probe, at } = setup({ maxOutOfOrdernessMs: 0 });
    expect(probe.push([at(1_000, 'a'), at(500, 'b')])[0]!.watermark).toBe(499);
    expect(probe.push([at(5_000, 'a')])[0]!.watermark).toBeUndefined();
    expect(probe.push([at(700, 'b')])[0]!.watermark).toBe(699);
    expect(probe.push([at(6_000, 'b'), at(5_500, 'a')])[0]!.watermark).toBe(5_499);
  });

  it('stops holding the watermark back for a partition that ended, counting its last records', () => {
    const { probe, at, rec } = setup({ maxOutOfOrdernessMs: 0 });
    probe.push([at(1_000, 'a'), at(200, 'b')]);
    expect(probe.output.watermark).toBe(199);
    const last = [at(300, 'b')];
    expect(probe.push(last, undefined, [rec.partitionId('b')])).toEqual([{ records: last, watermark: 999, endOfPartitions: [rec.partitionId('b')] }]);
  });

  it('knows a partition ended before it sent anything, and keeps the watermark when none is active', () => {
    const { probe, at, rec } = setup({ maxOutOfOrdernessMs: 0 });
    expect(probe.push([], undefined, [rec.partitionId('x')])).toEqual([{ records: [], endOfPartitions: [rec.partitionId('x')] }]);
    probe.push([at(1_000, 'a')]);
    expect(probe.output.watermark).toBe(999);
    expect(probe.push([at(2_000, 'a')], undefined, [rec.partitionId('a')])[0]!.watermark).toBeUndefined();
    expect(probe.output.watermarks).toEqual([999]);
  });

  it('lets an idle partition stop holding the watermark back after the idle timeout, on a clock timer', () => {
    const { test, probe, at } = setup({ maxOutOfOrdernessMs: 0, idleTimeoutMs: 5_000 });
    probe.push([at(100, 'slow'), at(1_000, 'fast')]);
    expect(probe.output.watermark).toBe(99);
    test.clock.advance(3_000);
    probe.push([at(2_000, 'fast')]);
    expect(probe.output.watermark).toBe(99);
    test.clock.advance(1_999);
    expect(probe.output.watermarks).toEqual([99]);
    test.clock.advance(1); // 'slow' sent nothing for 5 s: an empty batch carries the new watermark
    expect(probe.output.batches.at(-1)).toEqual({ records: [], watermark: 1_999 });
    expect(test.eventsOf('watermark').at(-1)).toMatchObject({ watermark: 1_999 });
    // 'slow' sends again: it holds the watermark back again (which never goes backwards).
    probe.push([at(1_500, 'slow'), at(9_000, 'fast')]);
    expect(probe.output.watermark).toBe(1_999);
    probe.push([at(4_000, 'slow')]);
    expect(probe.output.watermark).toBe(3_999);
  });

  it('does not advance when every partition is idle, and never without an idle timeout', () => {
    const idle = setup({ maxOutOfOrdernessMs: 0, idleTimeoutMs: 1_000 });
    idle.probe.push([idle.at(100, 'a'), idle.at(200, 'b')]);
    idle.test.clock.advance(10_000);
    expect(idle.probe.output.watermarks).toEqual([99]);

    const patient = setup({ maxOutOfOrdernessMs: 0 });
    patient.probe.push([patient.at(100, 'a'), patient.at(5_000, 'b')]);
    patient.test.clock.advance(3_600_000);
    patient.probe.push([patient.at(9_000, 'b')]);
    expect(patient.probe.output.watermarks).toEqual([99]);
  });

  it('completes without a final watermark and cancels its idle timer', () => {
    const { test, probe, at } = setup({ maxOutOfOrdernessMs: 0, idleTimeoutMs: 1_000 });
    probe.push([at(100, 'a'), at(5_000, 'b')]);
    expect(probe.complete()).toEqual([]);
    expect(probe.output.completed).toBe(true);
    const before = probe.output.batches.length;
    test.clock.advance(10_000);
    expect(probe.output.batches).toHaveLength(before);
  });

  it('rejects a negative out-of-orderness and a non-positive idle timeout', () => {
    const { ctx } = createTestContext();
    expect(() => assignWatermarks(ctx, { name: 'w', maxOutOfOrdernessMs: -1 })).toThrow(RangeError);
    expect(() => assignWatermarks(ctx, { name: 'w', maxOutOfOrdernessMs: 0, idleTimeoutMs: 0 })).toThrow(/idleTimeoutMs/);
  });

  it('handles negative event times', () => {
    const { probe, at } = setup({ maxOutOfOrdernessMs: 10 });
    expect(probe.push([at(-1_000)])[0]!.watermark).toBe(-1_011);
  });
});

import { describe, expect, it } from 'vitest';
import type { SourcePosition } from '../record.js';
import { partitionId } from '../record.js';
import { PositionTracker } from './position-tracker.js';

const at = (offset: number, partition = '0', source = 'topic'): SourcePosition => ({ source, partition, offset });
const noHolds = new Map<string, number>();

describe('PositionTracker', () => {
  it('commits nothing before any acknowledgement', () => {
    const tracker = new PositionTracker();
    tracker.register([at(1), at(2)]);
    expect(tracker.takeCommittable(noHolds)).toEqual([]);
  });

  it('commits the highest offset of an acknowledged batch', () => {
    const tracker = new PositionTracker();
    const ticket = tracker.register([at(1), at(2), at(3)]);
    tracker.ack(ticket);
    expect(tracker.takeCommittable(noHolds)).toEqual([at(3)]);
    expect(tracker.takeCommittable(noHolds)).toEqual([]);
  });

  it('never passes an unacknowledged batch when acks arrive out of order', () => {
    const tracker = new PositionTracker();
    const first = tracker.register([at(1), at(2)]);
    const second = tracker.register([at(3), at(4)]);
    const third = tracker.register([at(5)]);
    tracker.ack(second);
    tracker.ack(third);
    expect(tracker.takeCommittable(noHolds)).toEqual([]);
    tracker.ack(first);
    expect(tracker.takeCommittable(noHolds)).toEqual([at(5)]);
  });

  it('tracks partitions independently', () => {
    const tracker = new PositionTracker();
    const a = tracker.register([at(10, '0'), at(20, '1')]);
    const b = tracker.register([at(11, '0')]);
    tracker.ack(b);
    expect(tracker.takeCommittable(noHolds)).toEqual([]);
    tracker.ack(a);
    const committed = tracker.takeCommittable(noHolds);
    expect(committed).toHaveLength(2);
    expect(committed).toContainEqual(at(11, '0'));
    expect(committed).toContainEqual(at(20, '1'));
  });

  it('one batch interleaving partitions (and sources sharing a partition name) keeps the highest offset of each', () => {
    const tracker = new PositionTracker();
    tracker.ack(tracker.register([at(5, '0'), at(3, '1'), at(9, '0'), at(4, '1'), at(6, '0'), at(2, '0', 'other'), at(8, '0', 'other'), at(1, '0', 'other')]));
    const committed = tracker.takeCommittable(noHolds);
    expect(committed).toHaveLength(3);
    expect(committed).toContainEqual(at(9, '0'));
    expect(committed).toContainEqual(at(4, '1'));
    expect(committed).toContainEqual(at(8, '0', 'other'));
  });

  it('never passes an open window: stops just below the lowest held offset', () => {
    const tracker = new PositionTracker();
    tracker.ack(tracker.register([at(1), at(2), at(3), at(4), at(5)]));
    const holds = new Map([[partitionId(at(0)), 3]]);
    expect(tracker.takeCommittable(holds)).toEqual([at(2)]);
    // The window holding offset 3 fires; the next hold is 5.
    expect(tracker.takeCommittable(new Map([[partitionId(at(0)), 5]]))).toEqual([at(4)]);
    expect(tracker.takeCommittable(noHolds)).toEqual([at(5)]);
  });

  it('a hold on one partition does not block another', () => {
    const tracker = new PositionTracker();
    tracker.ack(tracker.register([at(1, '0'), at(1, '1')]));
    const holds = new Map([[partitionId(at(0, '0')), 1]]);
    const committed = tracker.takeCommittable(holds);
    expect(committed).toContainEqual(at(1, '1'));
    expect(committed.some((p) => p.partition === '0' && p.offset >= 1)).toBe(false);
  });

  it('peeks what acknowledging a ticket would allow, without committing', () => {
    const tracker = new PositionTracker();
    const first = tracker.register([at(1)]);
    const second = tracker.register([at(2)]);
    expect(tracker.peekCommittable(noHolds, [second])).toEqual([]);
    expect(tracker.peekCommittable(noHolds, [first, second])).toEqual([at(2)]);
    expect(tracker.takeCommittable(noHolds)).toEqual([]);
  });

  it('refuses to acknowledge a ticket twice', () => {
    const tracker = new PositionTracker();
    const ticket = tracker.register([at(1)]);
    tracker.ack(ticket);
    expect(() => tracker.ack(ticket)).toThrow(/unknown or already acknowledged/);
  });

  it('randomised: a commit never passes an unacknowledged or held offset', () => {
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const tracker = new PositionTracker();
    const pending: { ticket: ReturnType<PositionTracker['register']>; offsets: number[] }[] = [];
    const acked = new Set<number>();
    let next = 1;
    let lastCommitted = 0;
    for (let step = 0; step < 2000; step++) {
      if (random() < 0.5) {
        const offsets = Array.from({ length: 1 + Math.floor(random() * 4) }, () => next++);
        pending.push({ ticket: tracker.register(offsets.map((o) => at(o))), offsets });
      } else if (pending.length > 0) {
        const [job] = pending.splice(Math.floor(random() * pending.length), 1);
        tracker.ack(job!.ticket);
        for (const o of job!.offsets) acked.add(o);
      }
      const hold = next - Math.floor(random() * 10);
      for (const position of tracker.takeCommittable(new Map([[partitionId(at(0)), hold]]))) {
        expect(position.offset).toBeGreaterThan(lastCommitted);
        expect(position.offset).toBeLessThan(hold);
        for (let o = 1; o <= position.offset; o++) expect(acked.has(o)).toBe(true);
        lastCommitted = position.offset;
      }
    }
    expect(lastCommitted).toBeGreaterThan(0);
  });
});

import { describe, expect, it } from 'vitest';
import { OperatorProbe, recordsOf } from '../../test/harness/batch-collector.js';
import { RecordFactory } from '../../test/harness/record-factory.js';
import { createTestContext } from '../../test/harness/test-context.js';
import type { StreamBatch, StreamRecord } from '../record.js';
import { calendar, hopping, session, tumbling } from './assigners.js';
import { windowAggregate, type Aggregator, type WindowAggregateOptions, type WindowResult } from './window-aggregate.js';
import type { Window } from './window.js';

const MIN = 60_000;

interface Trade {
  readonly price: number;
}

/** Sum and count of prices, plus the order in which records were added (to check what went where). */
interface Acc {
  sum: number;
  count: number;
  prices: number[];
}

interface Summary {
  readonly sum: number;
  readonly count: number;
  readonly prices: readonly number[];
}

const sumAggregator: Aggregator<Trade, Acc, Summary> = {
  create: () => ({ sum: 0, count: 0, prices: [] }),
  add(acc, record) {
    acc.sum += record.value.price;
    acc.count++;
    acc.prices.push(record.value.price);
  },
  merge(target, other) {
    target.sum += other.sum;
    target.count += other.count;
    target.prices.push(...other.prices);
  },
  result: (acc) => ({ sum: acc.sum, count: acc.count, prices: [...acc.prices] }),
};

function setup(options: Partial<WindowAggregateOptions<Trade, Acc, Summary>> = {}) {
  const test = createTestContext();
  const operator = windowAggregate(test.ctx, { name: 'bars', assigner: tumbling(MIN), aggregator: sumAggregator, ...options });
  const probe = new OperatorProbe(operator);
  const rec = new RecordFactory('trades.csv', 'trades.csv');
  const trade = (price: number, eventTime: number, key = 'NVDA', partition?: string): StreamRecord<Trade> =>
    rec.record({ price }, eventTime, { key, ...(partition === undefined ? {} : { partition }) });
  return { test, probe, rec, trade };
}

/** A compact view of results: `key@start:sum/count` (+ `~` when not final, `-` for a delete). */
function brief(batches: readonly StreamBatch<WindowResult<Summary>>[]): string[] {
  return recordsOf(batches).map((r) => `${r.op === 'delete' ? '-' : ''}${r.value.key}@${r.value.window.start}:${r.value.result.sum}/${r.value.result.count}${r.value.final ? '' : '~'}`);
}

describe('windowAggregate on tumbling windows', () => {
  it('fires a window when the watermark reaches end - 1, with event time end - 1 and the last position', () => {
    const { probe, trade } = setup();
    expect(probe.push([trade(10, 1_000), trade(20, 30_000)], 50_000)).toEqual([{ records: [], watermark: 50_000 }]);
    expect(probe.push([trade(5, 59_999)], MIN - 2)).toEqual([{ records: [], watermark: MIN - 2 }]);
    const fired = probe.push([], MIN - 1);
    expect(brief(fired)).toEqual(['NVDA@0:35/3']);
    const [result] = recordsOf(fired);
    expect(result).toEqual({
      value: { key: 'NVDA', window: { start: 0, end: MIN }, result: { sum: 35, count: 3, prices: [10, 20, 5] }, final: true },
      eventTime: MIN - 1,
      key: 'NVDA',
      position: { source: 'trades.csv', partition: 'trades.csv', offset: 3 },
    });
    expect(fired[0]!.watermark).toBe(MIN - 1);
  });

  it('emits results in window-end order, then key order, whatever the arrival order', () => {
    const { probe, trade } = setup();
    probe.push([trade(1, MIN + 5, 'b'), trade(2, 5, 'c'), trade(3, MIN + 1, 'a'), trade(4, 7, 'a'), trade(5, 2 * MIN + 1, 'a')]);
    expect(brief(probe.push([], 2 * MIN - 1))).toEqual(['a@0:4/1', 'c@0:2/1', 'a@60000:3/1', 'b@60000:1/1']);
    expect(brief(probe.complete())).toEqual(['a@120000:5/1']);
    expect(probe.output.completed).toBe(true);
  });

  it('uses the same key order for windows with the same keys and a fresh one when keys change', () => {
    const { probe, trade } = setup();
    probe.push([trade(1, 1, 'z'), trade(1, 2, 'y'), trade(1, MIN + 1, 'y'), trade(1, MIN + 2, 'z'), trade(1, 2 * MIN, 'x'), trade(1, 2 * MIN, 'z')]);
    expect(recordsOf(probe.push([], 3 * MIN)).map((r) => `${r.key}@${r.value.window.start / MIN}`)).toEqual(['y@0', 'z@0', 'y@1', 'z@1', 'x@2', 'z@2']);
  });

  it('adds out-of-order records to windows that have not fired yet', () => {
    const { test, probe, trade } = setup();
    probe.push([trade(1, MIN + 10), trade(2, 10)], MIN - 100);
    probe.push([trade(4, 20)], MIN + 100); // older than the watermark, but its window is still open
    // Window [0, 1m) got 2 and, despite the watermark, 4 (its end is not reached yet); 1 is in [1m, 2m).
    expect(brief(probe.output.batches)).toEqual(['NVDA@0:6/2']);
    expect(test.late).toEqual([]);
  });

  it('judges a batch against the watermark before it, so records travel ahead of the watermark that closes their window', () => {
    const { test, probe, trade } = setup();
    expect(brief(probe.push([trade(1, 10), trade(2, MIN - 1)], 5 * MIN))).toEqual(['NVDA@0:3/2']);
    expect(test.late).toEqual([]);
  });

  it('sends records of closed windows to the late side output, counted, without changing results', () => {
    const { test, probe, trade } = setup();
    probe.push([trade(1, 10)], MIN - 1);
    const lateTrade = trade(100, 30_000);
    expect(probe.push([lateTrade, trade(2, MIN + 5)])).toEqual([]);
    expect(test.late).toEqual([{ record: lateTrade, operator: 'bars' }]);
    expect(test.eventsOf('late')).toEqual([{ type: 'late', topology: 'test', operator: 'bars', count: 1 }]);
    expect(brief(probe.complete())).toEqual(['NVDA@60000:2/1']);
    expect(brief(probe.output.batches)).toEqual(['NVDA@0:1/1', 'NVDA@60000:2/1']);
  });

  it('re-emits a fired window updated by a record within the allowed lateness, and drops state after it', () => {
    const { test, probe, trade } = setup({ allowedLatenessMs: 30_000 });
    probe.push([trade(1, 10, 'a'), trade(2, 20, 'b')], MIN - 1);
    expect(brief(probe.output.batches)).toEqual(['a@0:1/1', 'b@0:2/1']);
    // Within lateness: only the changed key's result is emitted again, final, same identity.
    expect(brief(probe.push([trade(10, 30, 'a')], MIN + 10_000))).toEqual(['a@0:11/2']);
    expect(test.eventsOf('window_state').at(-1)).toMatchObject({ openWindows: 1, keys: 2 });
    // The watermark reaches end - 1 + lateness: the window's state is dropped.
    probe.push([], MIN - 1 + 30_000);
    expect(test.eventsOf('window_state').at(-1)).toMatchObject({ openWindows: 0, keys: 0 });
    const tooLate = trade(100, 40, 'a');
    expect(probe.push([tooLate])).toEqual([]);
    expect(test.late.map((l) => l.record)).toEqual([tooLate]);
  });

  it('within the allowed lateness, opens and fires at once a window that had no records yet', () => {
    const { test, probe, trade } = setup({ allowedLatenessMs: 2 * MIN });
    probe.push([trade(1, 3 * MIN)], 3 * MIN);
    expect(brief(probe.push([trade(7, MIN + 5)]))).toEqual(['NVDA@60000:7/1']);
    expect(test.late).toEqual([]);
  });

  it('aggregates duplicate records each time (no de-duplication) into one result identity', () => {
    const { probe, rec } = setup();
    const dup = rec.record({ price: 3 }, 100, { key: 'a' });
    probe.push([dup, dup, { ...dup }]);
    const results = recordsOf(probe.complete());
    expect(brief([{ records: results }])).toEqual(['a@0:9/3']);
  });

  it('emits early, non-final results for the windows a batch changed, then the final one', () => {
    const { probe, trade } = setup({ emitEarly: true });
    expect(brief(probe.push([trade(1, 10, 'a'), trade(2, 20, 'b'), trade(3, MIN + 1, 'a')]))).toEqual(['a@0:1/1~', 'b@0:2/1~', 'a@60000:3/1~']);
    expect(brief(probe.push([trade(4, 30, 'b')]))).toEqual(['b@0:6/2~']);
    expect(probe.push([])).toEqual([]);
    // A batch that changes and closes a window emits only its final result.
    expect(brief(probe.push([trade(5, 40, 'a')], MIN - 1))).toEqual(['a@0:6/2', 'b@0:6/2']);
    expect(brief(probe.complete())).toEqual(['a@60000:3/1']);
  });

  it('passes the watermark and ended partitions through, and emits nothing for a batch that changes nothing visible', () => {
    const { probe, trade } = setup();
    expect(probe.push([trade(1, 10)])).toEqual([]);
    expect(probe.push([], 5)).toEqual([{ records: [], watermark: 5 }]);
    expect(probe.push([], 3)).toEqual([]); // watermarks never go backwards
    expect(probe.push([], undefined, ['p'])).toEqual([{ records: [], endOfPartitions: ['p'] }]);
  });

  it('fires windows of pre-1970 (negative) event times correctly', () => {
    const { probe, trade } = setup();
    probe.push([trade(1, -MIN - 1), trade(2, -1), trade(4, -MIN)]);
    expect(brief(probe.push([], -MIN - 1))).toEqual(['NVDA@-120000:1/1']);
    expect(brief(probe.push([], -1))).toEqual(['NVDA@-60000:6/2']);
    expect(recordsOf(probe.output.batches).map((r) => r.eventTime)).toEqual([-MIN - 1, -1]);
  });

  it('holds, per partition, the lowest offset of any open window; the hold moves only when windows fire', () => {
    const { test, probe, trade, rec } = setup();
    const p0 = rec.partitionId('0');
    const p1 = rec.partitionId('1');
    expect(test.lowestHeld()).toEqual(new Map());
    probe.push([trade(1, 10, 'a', '0'), trade(1, 20, 'b', '1'), trade(1, MIN + 1, 'a', '0'), trade(1, MIN + 2, 'a', '1')]);
    expect(test.lowestHeld()).toEqual(new Map([[p0, 1], [p1, 1]]));
    probe.push([trade(1, 2 * MIN + 1, 'a', '0'), trade(1, 30, 'c', '1')], MIN - 2);
    expect(test.lowestHeld()).toEqual(new Map([[p0, 1], [p1, 1]]));
    probe.push([], MIN - 1); // window 0 fires: offsets 1 (p0), 1 and 3 (p1) are released
    expect(test.lowestHeld()).toEqual(new Map([[p0, 2], [p1, 2]]));
    probe.push([], 2 * MIN - 1);
    expect(test.lowestHeld()).toEqual(new Map([[p0, 3]]));
    probe.complete();
    expect(test.lowestHeld()).toEqual(new Map());
    expect(test.holds.has('bars')).toBe(true);
  });

  it('keeps holding a fired window while it waits out its allowed lateness', () => {
    const { test, probe, trade, rec } = setup({ allowedLatenessMs: MIN });
    probe.push([trade(1, 10), trade(1, MIN + 10)], MIN - 1);
    expect(test.lowestHeld()).toEqual(new Map([[rec.partitionId(), 1]]));
    probe.push([], 2 * MIN - 1);
    expect(test.lowestHeld()).toEqual(new Map([[rec.partitionId(), 2]]));
  });

  it('reports window state after each batch', () => {
    const { test, probe, trade } = setup();
    probe.push([trade(1, 10, 'a'), trade(1, 10, 'b'), trade(1, MIN, 'a')]);
    expect(test.eventsOf('window_state').at(-1)).toEqual({ type: 'window_state', topology: 'test', operator: 'bars', openWindows: 2, keys: 3 });
    probe.push([], MIN - 1);
    expect(test.eventsOf('window_state').at(-1)).toMatchObject({ openWindows: 1, keys: 1 });
    probe.complete();
    expect(test.eventsOf('window_state').at(-1)).toMatchObject({ openWindows: 0, keys: 0 });
  });

  it('passes an aggregator error on as a stream error', () => {
    const test = createTestContext();
    const failing: Aggregator<Trade, Acc, Summary> = { ...sumAggregator, add: () => { throw new Error('boom'); } };
    const probe = new OperatorProbe(windowAggregate(test.ctx, { name: 'w', assigner: tumbling(MIN), aggregator: failing }));
    expect(() => probe.push([new RecordFactory().record({ price: 1 }, 0)])).toThrow('boom');
    expect(probe.output.failed).toBe(true);
  });
});

describe('windowAggregate on hopping and calendar windows', () => {
  it('adds a record to every window containing it; it is late only when every window is closed', () => {
    const { test, probe, trade } = setup({ assigner: hopping(2 * MIN, MIN) });
    probe.push([trade(1, MIN + 5)]);
    expect(brief(probe.push([], 2 * MIN - 1))).toEqual(['NVDA@0:1/1']);
    // 90 s belongs to [0, 2m) (closed) and [1m, 3m) (open): accepted, not late.
    probe.push([trade(2, 90_000)]);
    expect(test.late).toEqual([]);
    probe.push([], 3 * MIN - 1);
    expect(brief(probe.output.batches)).toEqual(['NVDA@0:1/1', 'NVDA@60000:3/2']);
    const late = trade(4, 100_000);
    probe.push([late]);
    expect(test.late.map((l) => l.record)).toEqual([late]);
  });

  it('aggregates ISO weeks across a year end', () => {
    const { probe, trade } = setup({ assigner: calendar('week') });
    const t = (iso: string): number => Date.parse(iso);
    probe.push([trade(1, t('2020-12-27T23:00:00Z')), trade(2, t('2020-12-28T00:00:00Z')), trade(4, t('2021-01-03T23:59:59Z')), trade(8, t('2021-01-04T00:00:00Z'))]);
    const results = recordsOf(probe.complete()).map((r) => [new Date(r.value.window.start).toISOString(), r.value.result.sum]);
    expect(results).toEqual([
      ['2020-12-21T00:00:00.000Z', 1],
      ['2020-12-28T00:00:00.000Z', 6],
      ['2021-01-04T00:00:00.000Z', 8],
    ]);
  });
});

describe('windowAggregate on session windows', () => {
  const GAP = 10 * MIN;

  it('groups records of a key closer than the gap and fires gap after the last record', () => {
    const { probe, trade } = setup({ assigner: session(GAP) });
    probe.push([trade(1, 0, 'a'), trade(2, 5 * MIN, 'a'), trade(4, 5 * MIN, 'b'), trade(8, 15 * MIN + 1, 'a')]);
    expect(probe.push([], 15 * MIN - 2)).toEqual([{ records: [], watermark: 15 * MIN - 2 }]);
    expect(brief(probe.push([], 15 * MIN - 1))).toEqual(['a@0:3/2', 'b@300000:4/1']);
    const [a] = recordsOf(probe.output.batches);
    expect(a!.value.window).toEqual({ start: 0, end: 15 * MIN });
    expect(a!.eventTime).toBe(15 * MIN - 1);
    expect(brief(probe.complete())).toEqual(['a@900001:8/1']);
  });

  it('merges two sessions when a record bridges them, folding accumulators with merge()', () => {
    const { probe, trade } = setup({ assigner: session(GAP) });
    probe.push([trade(1, 0), trade(2, 15 * MIN)]);
    // 7 min is within 10 min of both 0 and 15 min: one session [0, 25 min).
    probe.push([trade(4, 7 * MIN)]);
    const results = recordsOf(probe.complete());
    expect(brief([{ records: results }])).toEqual(['NVDA@0:7/3']);
    expect(results[0]!.value.window).toEqual({ start: 0, end: 25 * MIN });
    expect(results[0]!.value.result.prices).toEqual([1, 2, 4]);
    expect(results[0]!.position.offset).toBe(3);
  });

  it('retracts a session identity already emitted when a merge changes it', () => {
    const { probe, trade } = setup({ assigner: session(GAP), emitEarly: true });
    expect(brief(probe.push([trade(1, 0), trade(2, 15 * MIN)]))).toEqual(['NVDA@0:1/1~', 'NVDA@900000:2/1~']);
    // Bridging: the session starting at 15 min is merged into the one at 0 and its row is deleted.
    expect(brief(probe.push([trade(4, 7 * MIN)]))).toEqual(['-NVDA@900000:2/1', 'NVDA@0:7/3~']);
    // A record before the start moves the identity of the merged session too.
    expect(brief(probe.push([trade(8, -5 * MIN)]))).toEqual(['-NVDA@0:7/3', 'NVDA@-300000:15/4~']);
    expect(brief(probe.complete())).toEqual(['NVDA@-300000:15/4']);
  });

  it('re-emits a fired session a late record joins within the allowed lateness, and reopens one it extends', () => {
    const { test, probe, trade } = setup({ assigner: session(GAP), allowedLatenessMs: 20 * MIN });
    expect(brief(probe.push([trade(1, 0), trade(2, 3 * MIN), trade(16, 30 * MIN)], 14 * MIN))).toEqual(['NVDA@0:3/2']);
    // 1 min: inside the fired session [0, 13m) without extending it: re-emitted final at once.
    expect(brief(probe.push([trade(4, MIN)]))).toEqual(['NVDA@0:7/3']);
    // 5 min extends it to [0, 15m), past the watermark: it reopens and fires when the watermark gets there.
    expect(probe.push([trade(8, 5 * MIN)])).toEqual([]);
    expect(brief(probe.push([], 15 * MIN - 1))).toEqual(['NVDA@0:15/4']);
    // Watermark at 40 min: [0, 15m) is past its lateness (15m - 1 + 20m), a record at 1 min is late.
    expect(brief(probe.push([], 40 * MIN))).toEqual(['NVDA@1800000:16/1']);
    const late = trade(100, MIN);
    expect(probe.push([late])).toEqual([]);
    expect(test.late.map((l) => l.record)).toEqual([late]);
  });

  it('needs an aggregator with merge()', () => {
    const test = createTestContext();
    const { merge: _merge, ...withoutMerge } = sumAggregator;
    expect(() => windowAggregate(test.ctx, { name: 's', assigner: session(GAP), aggregator: withoutMerge })).toThrow(/merge/);
    expect(() => windowAggregate(test.ctx, { name: 't', assigner: tumbling(MIN), aggregator: sumAggregator, allowedLatenessMs: -1 })).toThrow(RangeError);
  });

  it('holds the lowest offset of open sessions', () => {
    const { test, probe, trade, rec } = setup({ assigner: session(GAP) });
    probe.push([trade(1, 0, 'a'), trade(1, 20 * MIN, 'b'), trade(1, 21 * MIN, 'a')]);
    expect(test.lowestHeld()).toEqual(new Map([[rec.partitionId(), 1]]));
    probe.push([], 10 * MIN - 1);
    expect(test.lowestHeld()).toEqual(new Map([[rec.partitionId(), 2]]));
  });
});

describe('windowAggregate window identity', () => {
  it('gives every result the identity (key, window start) and a window object matching its event time', () => {
    const { probe, trade } = setup({ assigner: hopping(3 * MIN, MIN) });
    probe.push([trade(1, 0), trade(1, 2 * MIN + 5), trade(1, 4 * MIN)]);
    const results = recordsOf(probe.complete());
    const ids = results.map((r) => `${r.value.key}@${r.value.window.start}`);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of results) expect(r.eventTime).toBe((r.value.window as Window).end - 1);
    expect(results.map((r) => r.value.window.start / MIN)).toEqual([-2, -1, 0, 1, 2, 3, 4]);
  });
});

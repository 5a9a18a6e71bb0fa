import { describe, expect, it } from 'vitest';
import { OperatorProbe } from '../../test/harness/batch-collector.js';
import { RecordFactory } from '../../test/harness/record-factory.js';
import { partitionId, type StreamRecord } from '../record.js';
import { createTestContext } from '../../test/harness/test-context.js';
import { keyedProcess } from './keyed-state.js';

/** Year-over-year growth per country: keyed state that outlives any window. */
function growth(ctx = createTestContext().ctx) {
  return keyedProcess<number, { previous: number | undefined }, string>(ctx, {
    name: 'growth',
    init: () => ({ previous: undefined }),
    process(state, record) {
      const out: StreamRecord<string>[] =
        state.previous === undefined ? [] : [{ ...record, value: `${record.key}:${(((record.value - state.previous) / state.previous) * 100).toFixed(0)}%` }];
      state.previous = record.value;
      return out;
    },
  });
}

describe('keyedProcess', () => {
  it('keeps one state per key across batches, in arrival order, passing watermarks through', () => {
    const probe = new OperatorProbe(growth());
    const rec = new RecordFactory('WorldBank.csv', '');
    expect(probe.push([rec.record(100, 1, { key: 'DE' }), rec.record(50, 1, { key: 'FR' }), rec.record(110, 2, { key: 'DE' })], 1, ['x'])).toEqual([
      { records: [{ value: 'DE:10%', eventTime: 2, key: 'DE', position: { source: 'WorldBank.csv', partition: '', offset: 3 } }], watermark: 1, endOfPartitions: ['x'] },
    ]);
    expect(probe.push([rec.record(75, 2, { key: 'FR' }), rec.record(99, 3, { key: 'DE' })])[0]!.records.map((r) => r.value)).toEqual(['FR:50%', 'DE:-10%']);
  });

  it('calls init once per key (also when the state is falsy) and shares the key "" for unkeyed records', () => {
    const inits: string[] = [];
    const probe = new OperatorProbe(
      keyedProcess<number, number, number>(createTestContext().ctx, {
        name: 'count',
        init: (key) => {
          inits.push(key);
          return 0;
        },
        process: (_state, record) => [record],
      }),
    );
    const rec = new RecordFactory();
    probe.push([rec.record(1, 1), rec.record(2, 2), rec.record(3, 3, { key: 'k' })]);
    expect(inits).toEqual(['', 'k']);
  });

  it('starts fresh state for each subscription', () => {
    const operator = growth();
    const rec = new RecordFactory();
    const first = new OperatorProbe(operator);
    first.push([rec.record(100, 1, { key: 'DE' })]);
    const second = new OperatorProbe(operator);
    expect(second.push([rec.record(200, 2, { key: 'DE' })])[0]!.records).toEqual([]);
  });

  it('pins every partition that fed the state, so no position of it is committed before a snapshot exists', () => {
    const context = createTestContext();
    const probe = new OperatorProbe(growth(context.ctx));
    expect(context.lowestHeld()).toEqual(new Map());
    const a = new RecordFactory('a.csv', '');
    const b = new RecordFactory('b.csv', 'p1');
    probe.push([a.record(1, 1, { key: 'DE' }), b.record(2, 1, { key: 'FR' }), a.record(3, 2, { key: 'DE' })]);
    expect(context.lowestHeld()).toEqual(
      new Map([
        [partitionId({ source: 'a.csv', partition: '' }), Number.NEGATIVE_INFINITY],
        [partitionId({ source: 'b.csv', partition: 'p1' }), Number.NEGATIVE_INFINITY],
      ]),
    );
  });
});

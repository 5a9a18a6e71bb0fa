import { describe, expect, it } from 'vitest';
import { OperatorProbe } from '../../test/harness/batch-collector.js';
import { RecordFactory } from '../../test/harness/record-factory.js';
import { createTestContext } from '../../test/harness/test-context.js';
import { RecordError } from '../errors.js';
import { filterRecords } from './filter-records.js';
import { flatMapRecords } from './flat-map-records.js';
import { keyBy } from './key-by.js';
import { mapRecords, mapValues } from './map-records.js';
import { parseRecords } from './parse-records.js';

const rec = new RecordFactory('input.csv', '');

describe('stateless operators', () => {
  it('mapRecords applies a function per record and keeps watermark and ended partitions', () => {
    const probe = new OperatorProbe(mapRecords<number, number>((r) => ({ ...r, value: r.value * 2, eventTime: r.eventTime + 1 })));
    const a = rec.record(1, 10);
    const b = rec.record(2, 20);
    expect(probe.push([a, b], 7, ['p'])).toEqual([{ records: [{ ...a, value: 2, eventTime: 11 }, { ...b, value: 4, eventTime: 21 }], watermark: 7, endOfPartitions: ['p'] }]);
    expect(probe.push([])).toEqual([{ records: [] }]);
  });

  it('mapValues maps only the value, seeing the record', () => {
    const probe = new OperatorProbe(mapValues<string, string>((value, record) => `${value}@${record.eventTime}`));
    const a = rec.record('x', 5, { key: 'k' });
    expect(probe.push([a])[0]!.records).toEqual([{ ...a, value: 'x@5' }]);
  });

  it('filterRecords keeps accepted records, keeps empty batches for their watermark, and counts what it drops', () => {
    const test = createTestContext();
    const probe = new OperatorProbe(filterRecords<number>((r) => r.value > 1, { ctx: test.ctx, operator: 'positive' }));
    const records = [rec.record(1, 1), rec.record(2, 2), rec.record(0, 3)];
    expect(probe.push(records, 3)).toEqual([{ records: [records[1]], watermark: 3 }]);
    expect(probe.push([rec.record(0, 4)], 4)).toEqual([{ records: [], watermark: 4 }]);
    expect(test.eventsOf('filtered')).toEqual([
      { type: 'filtered', topology: 'test', operator: 'positive', count: 2 },
      { type: 'filtered', topology: 'test', operator: 'positive', count: 1 },
    ]);
  });

  it('flatMapRecords turns a record into zero or more, in order', () => {
    const probe = new OperatorProbe(flatMapRecords<number, string>((r) => Array.from({ length: r.value }, (_, i) => ({ ...r, value: `${r.value}.${i}` }))));
    const out = probe.push([rec.record(2, 1), rec.record(0, 2), rec.record(1, 3)], 9);
    expect(out[0]!.records.map((r) => r.value)).toEqual(['2.0', '2.1', '1.0']);
    expect(out[0]!.watermark).toBe(9);
  });

  it('keyBy sets the key from the value', () => {
    const probe = new OperatorProbe(keyBy<{ symbol: string }>((v) => v.symbol));
    const a = rec.record({ symbol: 'NVDA' }, 1);
    expect(probe.push([a])[0]!.records).toEqual([{ ...a, key: 'NVDA' }]);
  });

  it('parseRecords dead-letters RecordErrors with position, field and reason, and propagates other errors', () => {
    const test = createTestContext();
    const probe = new OperatorProbe(
      parseRecords<string, number>(test.ctx, (r) => {
        if (r.value === 'bug') throw new TypeError('a bug');
        const n = Number(r.value);
        if (Number.isNaN(n)) throw new RecordError('parse_error', r.position, `not a number: ${r.value}`, 'close');
        if (n < 0) return undefined;
        return { ...r, value: n };
      }),
    );
    const records = [rec.record('1.5', 1), rec.record('abc', 2), rec.record('-1', 3), rec.record('2', 4)];
    expect(probe.push(records, 4)[0]!.records.map((r) => r.value)).toEqual([1.5, 2]);
    expect(test.deadLetters).toEqual([{ position: records[1]!.position, reason: 'parse_error', detail: 'not a number: abc', field: 'close' }]);
    expect(() => probe.push([rec.record('bug', 5)])).toThrow('a bug');
  });
});

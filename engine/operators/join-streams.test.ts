import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { BatchCollector } from '../../test/harness/batch-collector.js';
import { RecordFactory } from '../../test/harness/record-factory.js';
import { createTestContext } from '../../test/harness/test-context.js';
import type { StreamBatch, StreamRecord } from '../record.js';
import { joinStreams, type JoinStreamsOptions } from './join-streams.js';

interface Line {
  readonly orderId: string | null;
  readonly product: string;
}
interface Order {
  readonly orderId: string;
  readonly customer: string;
}

function setup(options: Partial<JoinStreamsOptions<Line, Order, string>> = {}) {
  const test = createTestContext();
  const lines = new Subject<StreamBatch<Line>>();
  const orders = new Subject<StreamBatch<Order>>();
  const out = new BatchCollector(
    joinStreams(test.ctx, {
      name: 'orders',
      many: lines,
      one: orders,
      manyKey: (line) => line.orderId ?? undefined,
      oneKey: (order) => order.orderId,
      combine: (line, order): StreamRecord<string> => ({
        value: `${order.value.customer}:${line.value.product}`,
        eventTime: order.eventTime,
        key: order.value.customer,
        position: line.position,
      }),
      ...options,
    }),
  );
  const lineRec = new RecordFactory('order_details.csv', '');
  const orderRec = new RecordFactory('orders.csv', '');
  const line = (orderId: string | null, product: string): StreamRecord<Line> => lineRec.record({ orderId, product }, 0);
  const order = (orderId: string, customer: string, eventTime: number): StreamRecord<Order> => orderRec.record({ orderId, customer }, eventTime);
  return { test, lines, orders, out, line, order, lineRec, orderRec };
}

describe('joinStreams', () => {
  it('joins lines to an order that arrived first, with the order’s event time', () => {
    const { lines, orders, out, line, order } = setup();
    orders.next({ records: [order('1', 'ALFKI', 1_000)], watermark: 900 });
    expect(out.batches).toEqual([{ records: [], watermark: 900 }]);
    lines.next({ records: [line('1', 'Chai'), line('1', 'Chang')] });
    expect(out.batches.at(-1)!.records.map((r) => [r.value, r.eventTime, r.position.offset])).toEqual([
      ['ALFKI:Chai', 1_000, 1],
      ['ALFKI:Chang', 1_000, 2],
    ]);
  });

  it('buffers lines that arrive before their order and emits them, in order, before the order batch’s watermark', () => {
    const { test, lines, orders, out, line, order, lineRec, orderRec } = setup();
    lines.next({ records: [line('2', 'Tofu'), line('3', 'Ikura'), line('2', 'Konbu')] });
    expect(out.batches).toEqual([]);
    expect(test.lowestHeld()).toEqual(new Map([[lineRec.partitionId(), 1]]));
    orders.next({ records: [order('2', 'BONAP', 2_000)], watermark: 1_500 });
    expect(out.batches).toEqual([
      {
        records: [
          { value: 'BONAP:Tofu', eventTime: 2_000, key: 'BONAP', position: { source: 'order_details.csv', partition: '', offset: 1 } },
          { value: 'BONAP:Konbu', eventTime: 2_000, key: 'BONAP', position: { source: 'order_details.csv', partition: '', offset: 3 } },
        ],
        watermark: 1_500,
      },
    ]);
    // Only line 2 ('Ikura', waiting for order 3) is still held; the orders partition stays pinned.
    expect(test.lowestHeld()).toEqual(
      new Map([
        [lineRec.partitionId(), 2],
        [orderRec.partitionId(), Number.NEGATIVE_INFINITY],
      ]),
    );
  });

  it('dead-letters lines still waiting when the order side completes, lines arriving after that, and lines without key', () => {
    const { test, lines, orders, out, line, order, orderRec } = setup();
    lines.next({ records: [line('9', 'Chai'), line(null, 'Chang')] });
    expect(test.deadLetters.map((d) => [d.position.offset, d.reason, d.detail])).toEqual([[2, 'join_miss', 'no orders key']]);
    orders.next({ records: [order('1', 'ALFKI', 1)] });
    orders.complete();
    expect(test.deadLetters.map((d) => [d.position.offset, d.detail])).toEqual([
      [2, 'no orders key'],
      [1, 'no orders match for key 9'],
    ]);
    expect(test.lowestHeld()).toEqual(new Map([[orderRec.partitionId(), Number.NEGATIVE_INFINITY]]));
    lines.next({ records: [line('7', 'Tofu'), line('1', 'Ikura')] });
    expect(test.deadLetters.map((d) => d.position.offset)).toEqual([2, 1, 3]);
    expect(out.records.map((r) => r.value)).toEqual(['ALFKI:Ikura']);
    expect(out.completed).toBe(false);
    lines.complete();
    expect(out.completed).toBe(true);
  });

  it('completes when both sides have, in either order', () => {
    const { lines, orders, out } = setup();
    lines.complete();
    expect(out.completed).toBe(false);
    orders.complete();
    expect(out.completed).toBe(true);
  });

  it('replaces an order by a later one with the same key, and forgets a deleted one', () => {
    const { lines, orders, out, line, order, test } = setup();
    orders.next({ records: [order('1', 'OLD', 1), order('1', 'NEW', 2)] });
    lines.next({ records: [line('1', 'Chai')] });
    orders.next({ records: [{ ...order('1', 'NEW', 3), op: 'delete' }] });
    lines.next({ records: [line('1', 'Chang')] });
    orders.complete();
    expect(out.records.map((r) => r.value)).toEqual(['NEW:Chai']);
    expect(test.deadLetters.map((d) => d.position.offset)).toEqual([2]);
  });

  it("with watermark 'one', a line arriving after its order's time passed the watermark is behind it (late downstream)", () => {
    const { lines, orders, out, line, order } = setup();
    orders.next({ records: [order('1', 'ALFKI', 1_000)], watermark: 5_000 });
    lines.next({ records: [line('1', 'Chai')] });
    expect(out.watermark).toBe(5_000);
    expect(out.records[0]!.eventTime).toBe(1_000);
  });

  it("with watermark 'both', a many side without watermarks holds the output watermark until it completes", () => {
    const { lines, orders, out, line, order } = setup({ watermark: 'both' });
    orders.next({ records: [order('1', 'ALFKI', 1_000)], watermark: 5_000 });
    lines.next({ records: [line('1', 'Chai')] });
    expect(out.watermarks).toEqual([]);
    lines.complete();
    expect(out.batches.at(-1)).toEqual({ records: [], watermark: 5_000 });
    orders.next({ records: [], watermark: 6_000 });
    expect(out.watermarks).toEqual([5_000, 6_000]);
  });

  it("with watermark 'both', takes the minimum of both sides' watermarks", () => {
    const { lines, orders, out } = setup({ watermark: 'both' });
    orders.next({ records: [], watermark: 5_000 });
    lines.next({ records: [], watermark: 3_000 });
    expect(out.watermarks).toEqual([3_000]);
    lines.next({ records: [], watermark: 8_000 });
    expect(out.watermarks).toEqual([3_000, 5_000]);
  });

  it('passes a combine error on as a stream error', () => {
    const { lines, orders, out, line, order } = setup({
      combine: () => {
        throw new Error('bad combine');
      },
    });
    orders.next({ records: [order('1', 'A', 1)] });
    lines.next({ records: [line('1', 'x')] });
    expect(out.failed).toBe(true);
    expect(out.error).toBeInstanceOf(Error);
  });
});

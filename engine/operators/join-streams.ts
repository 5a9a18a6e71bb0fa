import { Observable, Subscription } from 'rxjs';
import { partitionId, type StreamBatch, type StreamRecord } from '../record.js';
import type { TopologyContext } from '../topology.js';
import { MinWatermark } from './min-watermark.js';
import { PinnedPartitions } from './pinned-partitions.js';

export interface JoinStreamsOptions<L, R, O> {
  readonly name: string;
  /** Many records per key (order lines). */
  readonly many: Observable<StreamBatch<L>>;
  /** At most one record per key (the order); a later one with the same key replaces it, an `op: 'delete'` removes it. */
  readonly one: Observable<StreamBatch<R>>;
  /** The join key of a many-side record; undefined is a miss, dead-lettered at once. */
  readonly manyKey: (value: L) => string | undefined;
  readonly oneKey: (value: R) => string;
  /**
   * Builds the joined record. By convention its event time is the `one` record's (the many side has
   * none) and its position the `many` record's (a dead letter downstream names the line).
   */
  readonly combine: (many: StreamRecord<L>, one: StreamRecord<R>) => StreamRecord<O>;
  /**
   * Which watermark the output carries. `'one'` (default): the one side's. `'both'`: the minimum of
   * both sides' latest watermarks, a completed side no longer holding it back; a many side that sends
   * no watermarks then holds the output watermark back until it completes (see `joinStreams`).
   */
  readonly watermark?: 'one' | 'both';
  /** Detail for a miss's dead letter (default: `no <name> match for key <k>`). */
  readonly describeMiss?: (value: L, key: string | undefined) => string;
}

/**
 * Joins a many-side stream to a one-side stream by key (order lines to orders), whichever arrives
 * first: unmatched many-side records wait in keyed state (registered as state hold `name`: per
 * partition, the lowest offset of a waiting record). One-side records are kept for the life of the
 * subscription (a line may come any time later), so the one side's partitions are pinned in the same
 * hold: never committed, re-read from their start after a restart.
 *
 * Misses are dead-lettered as `join_miss` with the line's position: a line without key at once; lines
 * still waiting when the one side completes at that moment (no order can come any more), and lines
 * arriving after that at once. The output completes when both inputs have; the first error is passed on.
 *
 * Watermark safety. Joined records take the order's event time. (1) Lines waiting for their order are
 * emitted when the order arrives, in the order's batch, before that batch's watermark: on time whenever
 * the order is. (2) A line arriving after its order yields a record with the order's (older) event time,
 * which may already be behind the output watermark: with `watermark: 'one'` it is late downstream (a
 * window operator counts it late) when lines lag their orders by more than the one side's
 * out-of-orderness. (3) An order late relative to its own watermark makes its lines late too. Use
 * `watermark: 'both'` when the many side can lag: its watermark (if any) is taken as the promise that no
 * later line belongs to an order at or before it, and without one the output watermark waits for the
 * many side to complete, so in a bounded replay no joined record is late and windows fire at the end.
 * `endOfPartitions` of both inputs pass through.
 */
export function joinStreams<L, R, O>(ctx: TopologyContext, options: JoinStreamsOptions<L, R, O>): Observable<StreamBatch<O>> {
  const { name, many, one, manyKey, oneKey, combine } = options;
  const both = options.watermark === 'both';
  const describeMiss = options.describeMiss ?? ((_value: L, key: string | undefined) => (key === undefined ? `no ${name} key` : `no ${name} match for key ${key}`));
  const live = new Set<Map<string, StreamRecord<L>[]>>();
  // The one side is kept whole for the life of the stream: its partitions are pinned (see PinnedPartitions).
  const onePartitions = new PinnedPartitions();
  ctx.holds.register(name, () => {
    const held = new Map<string, number>(onePartitions.holds());
    for (const pending of live) {
      for (const lines of pending.values()) {
        for (const line of lines) {
          const pid = partitionId(line.position);
          const current = held.get(pid);
          if (current === undefined || line.position.offset < current) held.set(pid, line.position.offset);
        }
      }
    }
    return held;
  });

  return new Observable<StreamBatch<O>>((subscriber) => {
    const ones = new Map<string, StreamRecord<R>>();
    const pending = new Map<string, StreamRecord<L>[]>();
    live.add(pending);
    // Input 0 is the one side, input 1 (only with 'both') the many side.
    const watermarks = new MinWatermark(both ? 2 : 1);
    let oneDone = false;
    let manyDone = false;

    const miss = (line: StreamRecord<L>, key: string | undefined): void => {
      ctx.deadLetter({ position: line.position, reason: 'join_miss', detail: describeMiss(line.value, key) });
    };
    const emit = (records: StreamRecord<O>[], watermark: number | undefined, endOfPartitions: readonly string[] | undefined): void => {
      if (records.length === 0 && watermark === undefined && endOfPartitions === undefined) return;
      subscriber.next({
        records,
        ...(watermark === undefined ? {} : { watermark }),
        ...(endOfPartitions === undefined ? {} : { endOfPartitions }),
      });
    };
    const finish = (): void => {
      live.delete(pending);
      subscriber.complete();
    };
    const fail = (error: unknown): void => {
      live.delete(pending);
      subscriber.error(error);
    };

    const subscriptions = new Subscription();
    subscriptions.add(() => live.delete(pending));
    subscriptions.add(
      one.subscribe({
        next(batch) {
          try {
            const out: StreamRecord<O>[] = [];
            for (const order of batch.records) {
              onePartitions.add(partitionId(order.position));
              const key = oneKey(order.value);
              if (order.op === 'delete') {
                ones.delete(key);
                continue;
              }
              ones.set(key, order);
              const waiting = pending.get(key);
              if (waiting !== undefined) {
                pending.delete(key);
                for (const line of waiting) out.push(combine(line, order));
              }
            }
            const watermark = batch.watermark === undefined ? undefined : watermarks.update(0, batch.watermark);
            emit(out, watermark, batch.endOfPartitions);
          } catch (error) {
            fail(error);
          }
        },
        error: fail,
        complete() {
          try {
            oneDone = true;
            for (const [key, lines] of pending) for (const line of lines) miss(line, key);
            pending.clear();
            const watermark = watermarks.complete(0);
            if (manyDone) finish();
            else emit([], watermark, undefined);
          } catch (error) {
            fail(error);
          }
        },
      }),
    );
    subscriptions.add(
      many.subscribe({
        next(batch) {
          try {
            const out: StreamRecord<O>[] = [];
            for (const line of batch.records) {
              const key = manyKey(line.value);
              const order = key === undefined ? undefined : ones.get(key);
              if (order !== undefined) out.push(combine(line, order));
              else if (key === undefined || oneDone) miss(line, key);
              else {
                const waiting = pending.get(key);
                if (waiting === undefined) pending.set(key, [line]);
                else waiting.push(line);
              }
            }
            const watermark = both && batch.watermark !== undefined ? watermarks.update(1, batch.watermark) : undefined;
            emit(out, watermark, batch.endOfPartitions);
          } catch (error) {
            fail(error);
          }
        },
        error: fail,
        complete() {
          manyDone = true;
          const watermark = both ? watermarks.complete(1) : undefined;
          if (oneDone) finish();
          else emit([], watermark, undefined);
        },
      }),
    );
    return subscriptions;
  });
}

import { Observable, type OperatorFunction } from 'rxjs';
import { partitionId, type StreamBatch } from '../record.js';
import type { TopologyContext } from '../topology.js';

export interface WatermarkOptions {
  /** Operator name for metrics. */
  readonly name: string;
  /** Bounded out-of-orderness: watermark = max event time seen − this − 1 (per partition). */
  readonly maxOutOfOrdernessMs: number;
  /**
   * An unbounded partition with no records for this long (clock time) stops holding the watermark
   * back until it sends again. Absent: idle partitions hold it back forever (safe default).
   */
  readonly idleTimeoutMs?: number;
}

interface PartitionState {
  maxEventTime: number;
  lastSeenAt: number;
  idle: boolean;
  ended: boolean;
}

/**
 * Assigns watermarks per partition (`partitionId` of each record's position) and emits the minimum
 * over active partitions on each batch where it advances. Watermarks never go backwards.
 *
 * - A partition's own watermark is `max event time − maxOutOfOrdernessMs − 1`. A partition holds the
 *   watermark back from its first record on (the operator cannot know partitions that sent nothing).
 * - Partitions named in a batch's `endOfPartitions` stop holding it back (their records in that batch
 *   still count). With `idleTimeoutMs`, a partition that sent nothing for that long on `ctx.clock`
 *   stops holding it back until it sends again; a timer on the clock checks this, so the watermark can
 *   advance with no input: it then emits an empty batch carrying the new watermark.
 * - While no partition is active (all ended or idle) the watermark stays where it is: nothing tells
 *   how far a partition not yet seen may be behind.
 * - `startOfPartitions` (a Kafka source's assignment) creates the named partitions' state at once, so
 *   they hold the watermark back before their first record; `idlePartitions` marks the named ones idle
 *   (the source's own idle rule) unless they have records in the batch.
 * - Watermarks on incoming batches are ignored (this operator defines them); `endOfPartitions` passes
 *   through. Each advance emits a `watermark` engine event.
 * - Completion of the input completes the output without a final watermark: completion itself is the
 *   end-of-input signal every stateful operator acts on (`windowAggregate` fires all open windows,
 *   `joinStreams` dead-letters leftovers), and a finite watermark stays JSON- and metrics-safe.
 *
 * Throws at construction for a negative out-of-orderness or a non-positive idle timeout.
 */
export function assignWatermarks<T>(ctx: TopologyContext, options: WatermarkOptions): OperatorFunction<StreamBatch<T>, StreamBatch<T>> {
  const { name, maxOutOfOrdernessMs: lag, idleTimeoutMs } = options;
  if (!Number.isFinite(lag) || lag < 0) throw new RangeError(`${name}: maxOutOfOrdernessMs must be a finite number ≥ 0, got ${lag}`);
  if (idleTimeoutMs !== undefined && !(idleTimeoutMs > 0)) throw new RangeError(`${name}: idleTimeoutMs must be > 0, got ${idleTimeoutMs}`);

  return (source) =>
    new Observable<StreamBatch<T>>((subscriber) => {
      const partitions = new Map<string, PartitionState>();
      let watermark = Number.NEGATIVE_INFINITY;
      let cancelIdleCheck: (() => void) | undefined;
      let lastSource: string | undefined;
      let lastPartition: string | undefined;
      let last: PartitionState | undefined;

      const partitionOf = (source: string, partition: string, now: number): PartitionState => {
        const id = partitionId({ source, partition });
        let state = partitions.get(id);
        if (state === undefined) {
          state = { maxEventTime: Number.NEGATIVE_INFINITY, lastSeenAt: now, idle: false, ended: false };
          partitions.set(id, state);
        }
        return state;
      };

      /** Moves the watermark to the minimum over active partitions, if higher; true when it moved. */
      const advance = (): boolean => {
        let min = Number.POSITIVE_INFINITY;
        for (const p of partitions.values()) {
          if (p.ended || p.idle) continue;
          const own = p.maxEventTime - lag - 1;
          if (own < min) min = own;
        }
        if (min === Number.POSITIVE_INFINITY || min <= watermark) return false;
        watermark = min;
        ctx.events.emit({ type: 'watermark', topology: ctx.topology, operator: name, watermark });
        return true;
      };

      const idleCheck = (): void => {
        cancelIdleCheck = undefined;
        const now = ctx.clock.now();
        for (const p of partitions.values()) {
          if (!p.ended && !p.idle && now - p.lastSeenAt >= idleTimeoutMs!) p.idle = true;
        }
        if (advance()) subscriber.next({ records: [], watermark });
        scheduleIdleCheck();
      };

      // One pending timer at a time, set for the earliest partition that could go idle; a partition that
      // sent meanwhile just makes the check find nothing and set the next one.
      const scheduleIdleCheck = (): void => {
        if (idleTimeoutMs === undefined || cancelIdleCheck !== undefined) return;
        let earliest = Number.POSITIVE_INFINITY;
        for (const p of partitions.values()) if (!p.ended && !p.idle && p.lastSeenAt < earliest) earliest = p.lastSeenAt;
        if (earliest === Number.POSITIVE_INFINITY) return;
        cancelIdleCheck = ctx.clock.setTimeout(idleCheck, earliest + idleTimeoutMs - ctx.clock.now());
      };

      const stopIdleCheck = (): void => {
        cancelIdleCheck?.();
        cancelIdleCheck = undefined;
      };

      const subscription = source.subscribe({
        next(batch) {
          try {
            const now = ctx.clock.now();
            const { records } = batch;
            for (let i = 0; i < records.length; i++) {
              const record = records[i]!;
              const { source: src, partition } = record.position;
              if (last === undefined || src !== lastSource || partition !== lastPartition) {
                last = partitionOf(src, partition, now);
                lastSource = src;
                lastPartition = partition;
                last.lastSeenAt = now;
                last.idle = false;
              }
              if (record.eventTime > last.maxEventTime) last.maxEventTime = record.eventTime;
            }
            // A partition announced by the source holds the watermark back before its first record.
            if (batch.startOfPartitions !== undefined) {
              for (const id of batch.startOfPartitions) if (!partitions.has(id)) partitions.set(id, { maxEventTime: Number.NEGATIVE_INFINITY, lastSeenAt: now, idle: false, ended: false });
            }
            if (batch.idlePartitions !== undefined) {
              const sent = new Set(records.map((r) => partitionId(r.position)));
              for (const id of batch.idlePartitions) {
                const p = partitions.get(id);
                if (p !== undefined && !sent.has(id)) p.idle = true;
              }
            }
            if (batch.endOfPartitions !== undefined) {
              for (const id of batch.endOfPartitions) {
                const p = partitions.get(id);
                if (p === undefined) partitions.set(id, { maxEventTime: Number.NEGATIVE_INFINITY, lastSeenAt: now, idle: false, ended: true });
                else p.ended = true;
              }
            }
            // The cached partition may have ended; the next batch looks it up again.
            last = undefined;
            const advanced = advance();
            subscriber.next({
              records,
              ...(advanced ? { watermark } : {}),
              ...(batch.endOfPartitions === undefined ? {} : { endOfPartitions: batch.endOfPartitions }),
            });
            scheduleIdleCheck();
          } catch (error) {
            subscriber.error(error);
          }
        },
        error(error) {
          stopIdleCheck();
          subscriber.error(error);
        },
        complete() {
          stopIdleCheck();
          subscriber.complete();
        },
      });
      return () => {
        stopIdleCheck();
        subscription.unsubscribe();
      };
    });
}

import { Observable, type OperatorFunction } from 'rxjs';
import { partitionId, tumbling, type StreamBatch, type StreamRecord, type TopologyContext, type WindowAssigner } from '../../engine/index.js';
import { FALLBACK_BAR_PERIOD_MS, periodAssigner, TICK_BAR_MS } from './bar-size.js';
import type { PricePoint } from './price-input.js';

/** How many bars are looked at to measure the input's own period. */
export const PERIOD_SAMPLE_BARS = 16;

/**
 * The smallest positive gap between consecutive event times (sorted; equal times are not a gap),
 * or undefined when there are fewer than two distinct times.
 */
export function smallestPositiveGap(eventTimes: readonly number[]): number | undefined {
  const sorted = [...eventTimes].sort((a, b) => a - b);
  let gap: number | undefined;
  for (let i = 1; i < sorted.length; i++) {
    const d = sorted[i]! - sorted[i - 1]!;
    if (d > 0 && (gap === undefined || d < gap)) gap = d;
  }
  return gap;
}

export interface MeasureBarSizeOptions {
  readonly name: string;
  /** Receives the bar size once known, before any record is passed on. */
  readonly onResolved: (assigner: WindowAssigner) => void;
  readonly sampleSize?: number;
}

/**
 * Decides the default bar size from the stream itself, since a topology sees records only as they
 * arrive: tick input gets 1-minute bars at once; bar input is held back until `sampleSize` bars
 * (or the end of the input, or of a partition) have arrived, and the smallest positive gap between
 * them is taken as the input's own period (`periodAssigner`). Then the held bars and everything
 * after pass through unchanged.
 *
 * Measuring a prefix rather than the whole file keeps this usable on an unbounded topic; for bar
 * files with a regular period (daily, five-minute) the prefix's smallest gap is the whole file's —
 * the golden test checks that on the real files. Held records are a state hold, so the position
 * tracker never commits past them.
 */
export function measureBarSize(ctx: TopologyContext, options: MeasureBarSizeOptions): OperatorFunction<StreamBatch<PricePoint>, StreamBatch<PricePoint>> {
  const sampleSize = options.sampleSize ?? PERIOD_SAMPLE_BARS;
  return (source) =>
    new Observable<StreamBatch<PricePoint>>((subscriber) => {
      let held: StreamRecord<PricePoint>[] | undefined = [];
      ctx.holds.register(options.name, () => {
        const lowest = new Map<string, number>();
        for (const record of held ?? []) {
          const id = partitionId(record.position);
          const current = lowest.get(id);
          if (current === undefined || record.position.offset < current) lowest.set(id, record.position.offset);
        }
        return lowest;
      });

      const resolve = (): StreamRecord<PricePoint>[] => {
        const records = held ?? [];
        held = undefined;
        const first = records[0];
        if (first?.value.kind === 'tick') options.onResolved(tumbling(TICK_BAR_MS));
        else options.onResolved(periodAssigner(smallestPositiveGap(records.map((r) => r.eventTime)) ?? FALLBACK_BAR_PERIOD_MS));
        return records;
      };

      const subscription = source.subscribe({
        next(batch) {
          try {
            if (held === undefined) {
              subscriber.next(batch);
              return;
            }
            for (const record of batch.records) held.push(record);
            const decide = held.length >= sampleSize || held[0]?.value.kind === 'tick' || (batch.endOfPartitions?.length ?? 0) > 0;
            if (!decide) return;
            subscriber.next({ ...batch, records: resolve() });
          } catch (error) {
            subscriber.error(error);
          }
        },
        error(error) {
          subscriber.error(error);
        },
        complete() {
          try {
            if (held !== undefined && held.length > 0) subscriber.next({ records: resolve() });
            subscriber.complete();
          } catch (error) {
            subscriber.error(error);
          }
        },
      });
      return () => subscription.unsubscribe();
    });
}

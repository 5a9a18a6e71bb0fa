import { Observable, type OperatorFunction } from 'rxjs';
import type { StreamBatch, StreamRecord } from '../record.js';
import type { TopologyContext } from '../topology.js';
import type { Aggregator, WindowResult } from './aggregator.js';
import { FixedWindowStore } from './fixed-window-store.js';
import { SessionWindowStore } from './session-window-store.js';
import type { WindowAssigner } from './window.js';
import { mergeHeld, type WindowStore } from './window-store.js';

export type { Aggregator, WindowResult } from './aggregator.js';

export interface WindowAggregateOptions<T, A, R> {
  /** Operator name, used in metrics, late-record accounting and state holds. */
  readonly name: string;
  readonly assigner: WindowAssigner;
  readonly aggregator: Aggregator<T, A, R>;
  /** How long after the watermark passes a window's end late records still update it (default 0). */
  readonly allowedLatenessMs?: number;
  /** Emit updated (non-final) results for changed windows after every batch, before they close. */
  readonly emitEarly?: boolean;
}

/**
 * Event-time window aggregation per record key (unkeyed records share the key `''`).
 *
 * - A batch's records are judged against the watermark known *before* the batch; then the batch's
 *   watermark (if higher) applies, and the windows it closes fire. A window fires when the watermark
 *   reaches `end - 1`.
 * - Each output batch holds the results the input batch caused, in window-end order, then window
 *   start, then key: records with event time `end - 1`, key = the window's key, position = the last
 *   input record added to it (so a dead letter downstream names a real input line).
 * - Allowed lateness keeps a fired window until the watermark reaches `end - 1 + allowedLatenessMs`;
 *   a record arriving meanwhile updates it and its result is re-emitted (`final: true`, same identity).
 *   A record all of whose windows are past that point goes to `ctx.late(record, name)` (Flink's rule:
 *   a hopping-window record accepted by at least one window is not late).
 * - `emitEarly`: after each batch, the windows it changed that have not fired yet are emitted with
 *   `final: false`.
 * - Session windows need `aggregator.merge`. When a merge changes the identity (key, start) of a session
 *   already emitted, the old identity is retracted by a record with `op: 'delete'` (first in its batch).
 * - Completion of the input fires every open window (one last batch), then completes; no watermark is
 *   emitted for it.
 * - The output watermark is the input's, passed through (results are emitted before it in the batch).
 * - State hold `name`: per partition, the lowest input offset of any window still kept (open, or within
 *   its allowed lateness), so the position tracker never commits input an open window was built from.
 * - Emits `window_state` after each batch: `openWindows` = windows kept, `keys` = (key, window)
 *   accumulators kept (sessions: one per session).
 *
 * Keyed state lives in Maps inside the operator; batches with nothing to fire do no scanning or sorting.
 * Throws at construction for a negative lateness or a session assigner without `merge`.
 */
export function windowAggregate<T, A, R>(
  ctx: TopologyContext,
  options: WindowAggregateOptions<T, A, R>,
): OperatorFunction<StreamBatch<T>, StreamBatch<WindowResult<R>>> {
  const { name, assigner, aggregator } = options;
  const latenessMs = options.allowedLatenessMs ?? 0;
  const emitEarly = options.emitEarly ?? false;
  if (!(latenessMs >= 0) || !Number.isFinite(latenessMs)) throw new RangeError(`${name}: allowedLatenessMs must be a finite number ≥ 0, got ${latenessMs}`);
  const createStore = (): WindowStore<T, R> =>
    assigner.kind === 'session'
      ? new SessionWindowStore(assigner, aggregator, latenessMs, emitEarly)
      : new FixedWindowStore(assigner, aggregator, latenessMs, emitEarly);
  createStore(); // fail at construction, not at the first subscription, on an invalid combination

  const live = new Set<WindowStore<T, R>>();
  ctx.holds.register(name, () => {
    const held = new Map<string, number>();
    for (const store of live) mergeHeld(held, store.lowestHeld());
    return held;
  });

  return (source) =>
    new Observable<StreamBatch<WindowResult<R>>>((subscriber) => {
      const store = createStore();
      live.add(store);
      let watermark = Number.NEGATIVE_INFINITY;

      const reportState = (): void => {
        ctx.events.emit({ type: 'window_state', topology: ctx.topology, operator: name, openWindows: store.openWindows, keys: store.keyedStates });
      };

      const subscription = source.subscribe({
        next(batch) {
          try {
            const { records } = batch;
            for (let i = 0; i < records.length; i++) {
              const record = records[i]!;
              if (!store.add(record, record.key ?? '', watermark)) ctx.late(record, name);
            }
            const incoming = batch.watermark;
            const advanced = incoming !== undefined && incoming > watermark;
            if (advanced) watermark = incoming;
            const out: StreamRecord<WindowResult<R>>[] = [];
            store.flush(watermark, out);
            reportState();
            if (out.length > 0 || advanced || batch.endOfPartitions !== undefined) {
              subscriber.next({
                records: out,
                ...(advanced ? { watermark } : {}),
                ...(batch.endOfPartitions === undefined ? {} : { endOfPartitions: batch.endOfPartitions }),
              });
            }
          } catch (error) {
            subscriber.error(error);
          }
        },
        error(error) {
          live.delete(store);
          subscriber.error(error);
        },
        complete() {
          try {
            const out: StreamRecord<WindowResult<R>>[] = [];
            store.flushAll(out);
            live.delete(store);
            reportState();
            if (out.length > 0) subscriber.next({ records: out });
            subscriber.complete();
          } catch (error) {
            subscriber.error(error);
          }
        },
      });
      return () => {
        live.delete(store);
        subscription.unsubscribe();
      };
    });
}

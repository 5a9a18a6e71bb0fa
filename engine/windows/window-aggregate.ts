import type { OperatorFunction } from 'rxjs';
import type { StreamBatch, StreamRecord } from '../record.js';
import type { TopologyContext } from '../topology.js';
import type { Window, WindowAssigner } from './window.js';

/**
 * An incremental aggregation with a mutable accumulator (allocation-free on the hot path).
 * `merge` is required for session windows.
 */
export interface Aggregator<T, A, R> {
  create(): A;
  add(accumulator: A, record: StreamRecord<T>): void;
  merge?(target: A, other: A): void;
  result(accumulator: A, key: string, window: Window): R;
}

/** A window's result: deterministic identity (key, window.start) so sinks upsert re-emissions. */
export interface WindowResult<R> {
  readonly key: string;
  readonly window: Window;
  readonly result: R;
  /** False for an early (speculative) result emitted before the watermark closed the window. */
  readonly final: boolean;
}

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
 * A window fires when the watermark reaches `end - 1`; results are emitted in window-end order, then
 * key order, with event time `end - 1`. A record for a window already past `end - 1 + allowedLateness`
 * goes to `ctx.late`; one within the lateness updates the window and re-emits it (same identity).
 * Completion of the input fires every open window. Keyed state lives in one Map inside the operator.
 */
export function windowAggregate<T, A, R>(
  ctx: TopologyContext,
  options: WindowAggregateOptions<T, A, R>,
): OperatorFunction<StreamBatch<T>, StreamBatch<WindowResult<R>>> {
  void ctx; void options;
  throw new Error('not implemented yet');
}

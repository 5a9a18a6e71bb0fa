import type { StreamRecord } from '../record.js';
import type { Window } from './window.js';

/**
 * An incremental aggregation with a mutable accumulator (allocation-free on the hot path).
 * `merge` is required for session windows: it folds `other` into `target` when a record bridges two sessions.
 */
export interface Aggregator<T, A, R> {
  create(): A;
  add(accumulator: A, record: StreamRecord<T>): void;
  merge?(target: A, other: A): void;
  /** Called each time a window's result is emitted (it may be emitted again after late or early updates). */
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

import type { Observable } from 'rxjs';
import type { StreamBatch, StreamRecord } from '../record.js';
import type { TopologyContext } from '../topology.js';

export interface JoinStreamsOptions<L, R, O> {
  readonly name: string;
  /** Many records per key (order lines). */
  readonly many: Observable<StreamBatch<L>>;
  /** At most one record per key (the order); a later one with the same key replaces it. */
  readonly one: Observable<StreamBatch<R>>;
  readonly manyKey: (value: L) => string | undefined;
  readonly oneKey: (value: R) => string;
  /** Builds the joined record; its event time is the `one` record's unless `combine` sets another. */
  readonly combine: (many: StreamRecord<L>, one: StreamRecord<R>) => StreamRecord<O>;
}

/**
 * Joins a many-side stream to a one-side stream by key (order lines to orders), whichever arrives
 * first: unmatched many-side records wait in keyed state (registered as a state hold). When both inputs
 * complete, still-unmatched many-side records are dead-lettered as `join_miss`. The output watermark is
 * the one-side's watermark (the many side carries no event time of its own).
 */
export function joinStreams<L, R, O>(ctx: TopologyContext, options: JoinStreamsOptions<L, R, O>): Observable<StreamBatch<O>> {
  void ctx; void options;
  throw new Error('not implemented yet');
}

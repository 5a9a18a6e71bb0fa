import { connect, type OperatorFunction } from 'rxjs';
import { mergeStreams } from '../operators/merge-streams.js';
import type { StreamBatch } from '../record.js';

/**
 * Feeds one stream into several branches and merges their outputs (`mergeStreams`: the output watermark
 * is the branches' minimum). The input is subscribed once, after every branch has subscribed, so no branch
 * misses a batch even when the input emits synchronously on subscription.
 */
export function fanOut<T, R>(...branches: readonly OperatorFunction<StreamBatch<T>, StreamBatch<R>>[]): OperatorFunction<StreamBatch<T>, StreamBatch<R>> {
  return connect((shared) => mergeStreams(...branches.map((branch) => shared.pipe(branch))));
}

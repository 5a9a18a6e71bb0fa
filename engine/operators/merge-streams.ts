import type { Observable } from 'rxjs';
import type { StreamBatch } from '../record.js';

/**
 * Merges several streams into one; the output watermark is the minimum of the inputs' latest
 * watermarks (an input that completed no longer holds it back).
 */
export function mergeStreams<T>(...streams: readonly Observable<StreamBatch<T>>[]): Observable<StreamBatch<T>> {
  void streams;
  throw new Error('not implemented yet');
}

import { Observable, Subscription } from 'rxjs';
import type { StreamBatch } from '../record.js';
import { MinWatermark } from './min-watermark.js';

/**
 * Merges several streams into one, batch by batch in arrival order; the output watermark is the minimum
 * of the inputs' latest watermarks. An input that has sent no watermark yet holds it back; an input that
 * completed no longer does (if its completion advances the minimum, an empty batch carries the new
 * watermark). `endOfPartitions` pass through. Completes when every input has; the first error is passed on.
 */
export function mergeStreams<T>(...streams: readonly Observable<StreamBatch<T>>[]): Observable<StreamBatch<T>> {
  return new Observable<StreamBatch<T>>((subscriber) => {
    const watermarks = new MinWatermark(streams.length);
    let active = streams.length;
    const subscriptions = new Subscription();
    if (active === 0) subscriber.complete();
    streams.forEach((stream, index) => {
      subscriptions.add(
        stream.subscribe({
          next(batch) {
            const watermark = batch.watermark === undefined ? undefined : watermarks.update(index, batch.watermark);
            if (batch.records.length === 0 && watermark === undefined && batch.endOfPartitions === undefined) return;
            subscriber.next({
              records: batch.records,
              ...(watermark === undefined ? {} : { watermark }),
              ...(batch.endOfPartitions === undefined ? {} : { endOfPartitions: batch.endOfPartitions }),
            });
          },
          error(error) {
            subscriber.error(error);
          },
          complete() {
            active--;
            const watermark = watermarks.complete(index);
            if (active === 0) subscriber.complete();
            else if (watermark !== undefined) subscriber.next({ records: [], watermark });
          },
        }),
      );
    });
    return subscriptions;
  });
}

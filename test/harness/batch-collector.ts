import { Subject, type Observable, type OperatorFunction, type Subscription } from 'rxjs';
import type { StreamBatch, StreamRecord } from '../../engine/index.js';

/** Subscribes to a stream of batches and keeps everything it emits. */
export class BatchCollector<T> {
  readonly batches: StreamBatch<T>[] = [];
  completed = false;
  error: unknown = undefined;
  failed = false;
  private readonly subscription: Subscription;
  private taken = 0;

  constructor(stream: Observable<StreamBatch<T>>) {
    this.subscription = stream.subscribe({
      next: (batch) => this.batches.push(batch),
      error: (error: unknown) => {
        this.failed = true;
        this.error = error;
      },
      complete: () => {
        this.completed = true;
      },
    });
  }

  get records(): StreamRecord<T>[] {
    return this.batches.flatMap((batch) => batch.records);
  }

  get values(): T[] {
    return this.records.map((record) => record.value);
  }

  /** Every watermark emitted, in order. */
  get watermarks(): number[] {
    return this.batches.flatMap((batch) => (batch.watermark === undefined ? [] : [batch.watermark]));
  }

  /** The latest watermark emitted, if any. */
  get watermark(): number | undefined {
    return this.watermarks.at(-1);
  }

  /** The batches emitted since the previous call (all of them on the first call). */
  take(): StreamBatch<T>[] {
    const fresh = this.batches.slice(this.taken);
    this.taken = this.batches.length;
    return fresh;
  }

  /** Rethrows the stream's error, if it failed (so a test fails with the operator's own error). */
  throwIfFailed(): void {
    if (this.failed) throw this.error;
  }

  unsubscribe(): void {
    this.subscription.unsubscribe();
  }
}

/**
 * Drives one operator synchronously: each call pushes input and returns the batches the operator
 * emitted in response (operators run synchronously per batch). Timer-driven output (idle watermarks)
 * shows in `output` after the test advances its clock.
 */
export class OperatorProbe<A, B> {
  readonly input = new Subject<StreamBatch<A>>();
  readonly output: BatchCollector<B>;

  constructor(operator: OperatorFunction<StreamBatch<A>, StreamBatch<B>>) {
    this.output = new BatchCollector(this.input.pipe(operator));
  }

  /** Pushes one batch of records, with an optional watermark and ended partitions. */
  push(records: readonly StreamRecord<A>[], watermark?: number, endOfPartitions?: readonly string[]): StreamBatch<B>[] {
    return this.send({
      records,
      ...(watermark === undefined ? {} : { watermark }),
      ...(endOfPartitions === undefined ? {} : { endOfPartitions }),
    });
  }

  send(batch: StreamBatch<A>): StreamBatch<B>[] {
    this.output.take();
    this.input.next(batch);
    this.output.throwIfFailed();
    return this.output.take();
  }

  /** Completes the input; returns what the operator emitted on completion. */
  complete(): StreamBatch<B>[] {
    this.output.take();
    this.input.complete();
    this.output.throwIfFailed();
    return this.output.take();
  }
}

/** The records of some batches, flattened. */
export function recordsOf<T>(batches: readonly StreamBatch<T>[]): StreamRecord<T>[] {
  return batches.flatMap((batch) => batch.records);
}

import { Observable, Subject } from 'rxjs';
import type { Boundedness, Row, Source, SourceContext, SourcePosition, StreamBatch } from '../../engine/index.js';

/**
 * An in-memory source for runtime tests: emits the given batches one per macrotask (so pause/resume
 * and the runner's asynchronous writes interleave as with a real source) and records commits.
 */
export class MemorySource implements Source<Row> {
  readonly committed: SourcePosition[][] = [];
  readonly pauses: boolean[] = [];
  resumeFrom: readonly SourcePosition[] = [];
  private paused = false;
  private readonly wake = new Subject<void>();

  constructor(
    readonly name: string,
    private readonly batches: readonly StreamBatch<Row>[],
    readonly boundedness: Boundedness = 'bounded',
  ) {}

  open(ctx: SourceContext): Observable<StreamBatch<Row>> {
    this.resumeFrom = ctx.resumeFrom;
    return new Observable<StreamBatch<Row>>((subscriber) => {
      let index = 0;
      let closed = false;
      const step = (): void => {
        if (closed) return;
        if (this.paused) return;
        const batch = this.batches[index++];
        if (batch === undefined) {
          if (this.boundedness === 'bounded') subscriber.complete();
          return;
        }
        subscriber.next(batch);
        setImmediate(step);
      };
      const resumed = this.wake.subscribe(() => setImmediate(step));
      setImmediate(step);
      return () => {
        closed = true;
        resumed.unsubscribe();
      };
    });
  }

  pause(): void {
    this.paused = true;
    this.pauses.push(true);
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.pauses.push(false);
    this.wake.next();
  }

  async commit(positions: readonly SourcePosition[]): Promise<void> {
    this.committed.push([...positions]);
  }

  async close(): Promise<void> {}
}

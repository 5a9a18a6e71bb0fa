import type { Window, WindowAssigner } from '../../engine/index.js';

/**
 * A fixed window assigner whose actual assigner is chosen after construction (once the input's own
 * period is known). `windowAggregate` takes its assigner when the pipeline is built; this lets the
 * period be measured from the stream itself. Assigning before `resolve` is a bug and throws.
 */
export class DeferredAssigner implements WindowAssigner {
  readonly kind = 'fixed' as const;
  private inner: WindowAssigner | undefined;

  get describe(): string {
    return this.inner?.describe ?? 'bar size of the input period (not yet known)';
  }

  get resolved(): WindowAssigner | undefined {
    return this.inner;
  }

  resolve(assigner: WindowAssigner): void {
    if (assigner.kind !== 'fixed') throw new RangeError(`bar windows must be fixed windows, got ${assigner.describe}`);
    this.inner = assigner;
  }

  assign(eventTime: number): readonly Window[] {
    if (this.inner === undefined) throw new Error('bar size used before the input period was measured');
    return this.inner.assign(eventTime);
  }
}

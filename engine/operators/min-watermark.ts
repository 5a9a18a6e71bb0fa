/**
 * The watermark of several inputs: the minimum of their latest watermarks, where an input that has
 * sent none yet holds it at −∞ and a completed input no longer holds it back. Never goes backwards.
 * (Internal helper of the multi-input operators.)
 */
export class MinWatermark {
  private readonly latest: number[];
  private readonly done: boolean[];
  private current = Number.NEGATIVE_INFINITY;

  constructor(inputs: number) {
    this.latest = new Array<number>(inputs).fill(Number.NEGATIVE_INFINITY);
    this.done = new Array<boolean>(inputs).fill(false);
  }

  /** The output watermark so far (−∞ before any). */
  get value(): number {
    return this.current;
  }

  /** Records input `index`'s watermark; returns the output watermark when it advanced. */
  update(index: number, watermark: number): number | undefined {
    if (watermark > this.latest[index]!) this.latest[index] = watermark;
    return this.recompute();
  }

  /** Input `index` completed; returns the output watermark when that advanced it. */
  complete(index: number): number | undefined {
    this.done[index] = true;
    return this.recompute();
  }

  private recompute(): number | undefined {
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.latest.length; i++) if (!this.done[i] && this.latest[i]! < min) min = this.latest[i]!;
    // All inputs completed: no watermark is emitted for that, completion is the signal.
    if (min === Number.POSITIVE_INFINITY || min <= this.current) return undefined;
    this.current = min;
    return min;
  }
}

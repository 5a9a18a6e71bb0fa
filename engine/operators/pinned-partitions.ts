/**
 * Partitions whose whole history an operator's state depends on (keyed state, a join's table side).
 * Without state snapshots none of their positions may ever be committed: each is held at −∞, which the
 * position tracker reads as "commit nothing of this partition".
 */
export class PinnedPartitions {
  private readonly ids = new Set<string>();
  private cached: ReadonlyMap<string, number> = new Map();

  add(id: string): void {
    if (this.ids.has(id)) return;
    this.ids.add(id);
    this.cached = new Map([...this.ids].map((pinned) => [pinned, Number.NEGATIVE_INFINITY]));
  }

  /** The state hold: every pinned partition at −∞. */
  holds(): ReadonlyMap<string, number> {
    return this.cached;
  }
}

import type { SourcePosition, StreamRecord } from '../record.js';
import type { Aggregator, WindowResult } from './aggregator.js';
import type { Window, WindowAssigner } from './window.js';
import { compareStrings, holdOffset, mergeHeld, PartitionIdCache, resultRecord, type WindowStore } from './window-store.js';

interface Entry<A> {
  readonly key: string;
  readonly acc: A;
  position: SourcePosition;
  /** Changed since its last emission and waiting for an early or late re-emission. */
  dirty: boolean;
}

/** One window shared by every key: fixed assigners give the same window to all keys. */
interface Bucket<A> {
  readonly window: Window;
  readonly entries: Map<string, Entry<A>>;
  /** Per partition id, the lowest input offset added to this window. */
  readonly held: Map<string, number>;
  fired: boolean;
  /** Set while a flush emits every entry of the bucket (it fires now). */
  emitAll: boolean;
  readonly dirty: Entry<A>[];
}

/**
 * State of fixed windows (tumbling, hopping, calendar): a Map from window start to a bucket holding a
 * Map from key to accumulator. Flushes scan buckets only when the watermark reaches the earliest
 * pending window end, so batches that close nothing cost nothing beyond the adds.
 */
export class FixedWindowStore<T, A, R> implements WindowStore<T, R> {
  private readonly buckets = new Map<number, Bucket<A>>();
  /** Lowest `end - 1` over unfired buckets (+Infinity when none). */
  private nextFireAt = Number.POSITIVE_INFINITY;
  /** Lowest `end - 1 + lateness` over fired buckets still kept (+Infinity when none). */
  private nextPurgeAt = Number.POSITIVE_INFINITY;
  private dirtyBuckets: Bucket<A>[] = [];
  private lastWindow: Window | undefined;
  private lastBucket: Bucket<A> | undefined;
  private readonly pids = new PartitionIdCache();
  /** The key order of the last bucket sorted: consecutive windows usually hold the same keys. */
  private keyOrder: string[] = [];
  private entryCount = 0;
  private heldBucket: Bucket<A> | undefined;
  private heldPid = '';
  private heldOffset = 0;

  constructor(
    private readonly assigner: WindowAssigner,
    private readonly aggregator: Aggregator<T, A, R>,
    private readonly latenessMs: number,
    private readonly emitEarly: boolean,
  ) {}

  get openWindows(): number {
    return this.buckets.size;
  }

  get keyedStates(): number {
    return this.entryCount;
  }

  add(record: StreamRecord<T>, key: string, watermark: number): boolean {
    const windows = this.assigner.assign(record.eventTime);
    let accepted = false;
    for (let i = 0; i < windows.length; i++) {
      const window = windows[i]!;
      let bucket: Bucket<A>;
      // A cached bucket is never past its lateness: buckets are dropped (and the cache cleared)
      // exactly when the watermark passes it, and the watermark only moves in flush.
      if (window === this.lastWindow) bucket = this.lastBucket!;
      else {
        if (window.end - 1 + this.latenessMs <= watermark) continue;
        bucket = this.buckets.get(window.start) ?? this.open(window);
        this.lastWindow = window;
        this.lastBucket = bucket;
      }
      let entry = bucket.entries.get(key);
      if (entry === undefined) {
        entry = { key, acc: this.aggregator.create(), position: record.position, dirty: false };
        bucket.entries.set(key, entry);
        this.entryCount++;
      }
      this.aggregator.add(entry.acc, record);
      entry.position = record.position;
      if ((bucket.fired || this.emitEarly) && !entry.dirty) {
        entry.dirty = true;
        if (bucket.dirty.length === 0) this.dirtyBuckets.push(bucket);
        bucket.dirty.push(entry);
      }
      this.hold(bucket, record.position);
      accepted = true;
    }
    return accepted;
  }

  /**
   * Offsets grow within a partition, so once a bucket holds a partition, the following records of that
   * partition cannot lower its hold: skip the Map lookup for runs of (bucket, partition).
   */
  private hold(bucket: Bucket<A>, position: SourcePosition): void {
    const pid = this.pids.of(position);
    if (bucket === this.heldBucket && pid === this.heldPid && position.offset >= this.heldOffset) return;
    holdOffset(bucket.held, pid, position.offset);
    this.heldBucket = bucket;
    this.heldPid = pid;
    this.heldOffset = bucket.held.get(pid)!;
  }

  private open(window: Window): Bucket<A> {
    const bucket: Bucket<A> = { window, entries: new Map(), held: new Map(), fired: false, emitAll: false, dirty: [] };
    this.buckets.set(window.start, bucket);
    if (window.end - 1 < this.nextFireAt) this.nextFireAt = window.end - 1;
    return bucket;
  }

  flush(watermark: number, out: StreamRecord<WindowResult<R>>[]): void {
    let emitting: Bucket<A>[] | undefined;
    if (watermark >= this.nextFireAt) {
      emitting = [];
      let next = Number.POSITIVE_INFINITY;
      for (const bucket of this.buckets.values()) {
        if (bucket.fired) continue;
        const fireAt = bucket.window.end - 1;
        if (fireAt <= watermark) {
          bucket.fired = true;
          bucket.emitAll = true;
          emitting.push(bucket);
          const purgeAt = fireAt + this.latenessMs;
          if (purgeAt < this.nextPurgeAt) this.nextPurgeAt = purgeAt;
        } else if (fireAt < next) next = fireAt;
      }
      this.nextFireAt = next;
    }
    if (this.dirtyBuckets.length > 0) {
      emitting ??= [];
      for (const bucket of this.dirtyBuckets) if (!bucket.emitAll) emitting.push(bucket);
      this.dirtyBuckets = [];
    }
    if (emitting !== undefined && emitting.length > 0) {
      if (emitting.length > 1) emitting.sort((a, b) => a.window.end - b.window.end || a.window.start - b.window.start);
      for (const bucket of emitting) this.emit(bucket, out);
    }
    if (watermark >= this.nextPurgeAt) this.purge(watermark);
  }

  private emit(bucket: Bucket<A>, out: StreamRecord<WindowResult<R>>[]): void {
    const entries = bucket.emitAll ? this.inKeyOrder(bucket) : bucket.dirty.sort((a, b) => compareStrings(a.key, b.key));
    const final = bucket.fired;
    for (const entry of entries) {
      out.push(resultRecord(entry.key, bucket.window, this.aggregator.result(entry.acc, entry.key, bucket.window), final, entry.position));
      entry.dirty = false;
    }
    bucket.emitAll = false;
    bucket.dirty.length = 0;
  }

  private inKeyOrder(bucket: Bucket<A>): Entry<A>[] {
    const { entries } = bucket;
    if (this.keyOrder.length === entries.size) {
      const ordered = new Array<Entry<A>>(entries.size);
      let i = 0;
      for (; i < this.keyOrder.length; i++) {
        const entry = entries.get(this.keyOrder[i]!);
        if (entry === undefined) break;
        ordered[i] = entry;
      }
      if (i === this.keyOrder.length) return ordered;
    }
    this.keyOrder = [...entries.keys()].sort(compareStrings);
    return this.keyOrder.map((key) => entries.get(key)!);
  }

  private purge(watermark: number): void {
    let next = Number.POSITIVE_INFINITY;
    for (const [start, bucket] of this.buckets) {
      if (!bucket.fired) continue;
      const purgeAt = bucket.window.end - 1 + this.latenessMs;
      if (purgeAt <= watermark) {
        this.buckets.delete(start);
        this.entryCount -= bucket.entries.size;
        if (bucket === this.lastBucket) {
          this.lastBucket = undefined;
          this.lastWindow = undefined;
        }
      } else if (purgeAt < next) next = purgeAt;
    }
    this.nextPurgeAt = next;
  }

  flushAll(out: StreamRecord<WindowResult<R>>[]): void {
    this.flush(Number.POSITIVE_INFINITY, out);
  }

  lowestHeld(): Map<string, number> {
    const held = new Map<string, number>();
    for (const bucket of this.buckets.values()) mergeHeld(held, bucket.held);
    return held;
  }
}

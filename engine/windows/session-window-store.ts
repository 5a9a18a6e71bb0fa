import type { SourcePosition, StreamRecord } from '../record.js';
import type { Aggregator, WindowResult } from './aggregator.js';
import type { WindowAssigner } from './window.js';
import { compareStrings, holdOffset, mergeHeld, PartitionIdCache, resultRecord, type WindowStore } from './window-store.js';

interface Session<A> {
  start: number;
  end: number;
  readonly acc: A;
  position: SourcePosition;
  /** Order of the last record added, to keep the latest position when sessions merge. */
  seq: number;
  readonly held: Map<string, number>;
  fired: boolean;
  /** Waiting for an early (non-final) emission. */
  dirty: boolean;
  /** A result with identity (key, start) has been emitted (early or final). */
  emitted: boolean;
}

interface Pending<A> {
  readonly key: string;
  readonly session: Session<A>;
  readonly final: boolean;
}

/**
 * State of merging session windows: per key, a list of non-overlapping sessions sorted by start.
 * A record's proto-window `[t, t + gap)` merges every session it overlaps (`aggregator.merge`).
 * When a merge changes the identity (key, start) of a session whose result was already emitted, the
 * old identity is retracted with an `op: 'delete'` record, so sinks do not keep a stale session row.
 */
export class SessionWindowStore<T, A, R> implements WindowStore<T, R> {
  private readonly sessions = new Map<string, Session<A>[]>();
  /** A lower bound of `end - 1` over unfired sessions (+Infinity when none). */
  private nextFireAt = Number.POSITIVE_INFINITY;
  /** A lower bound of `end - 1 + lateness` over fired sessions still kept. */
  private nextPurgeAt = Number.POSITIVE_INFINITY;
  private dirty: { key: string; session: Session<A> }[] = [];
  private retractions: StreamRecord<WindowResult<R>>[] = [];
  private readonly pids = new PartitionIdCache();
  private seq = 0;
  private sessionCount = 0;

  constructor(
    private readonly assigner: WindowAssigner,
    private readonly aggregator: Aggregator<T, A, R>,
    private readonly latenessMs: number,
    private readonly emitEarly: boolean,
  ) {
    if (aggregator.merge === undefined) throw new TypeError(`session windows (${assigner.describe}) need an aggregator with merge()`);
  }

  get openWindows(): number {
    return this.sessionCount;
  }

  get keyedStates(): number {
    return this.sessionCount;
  }

  add(record: StreamRecord<T>, key: string, watermark: number): boolean {
    const proto = this.assigner.assign(record.eventTime)[0];
    if (proto === undefined) return false;
    let list = this.sessions.get(key);
    if (list === undefined) {
      list = [];
      this.sessions.set(key, list);
    }
    // Sessions of a key never overlap, so those the proto-window overlaps are contiguous; new records
    // mostly extend the latest session, hence the backward scan.
    let lo = -1;
    let hi = -1;
    let insertAt = 0;
    for (let i = list.length - 1; i >= 0; i--) {
      const s = list[i]!;
      if (s.end <= proto.start) {
        insertAt = i + 1;
        break;
      }
      if (s.start < proto.end) {
        if (hi < 0) hi = i;
        lo = i;
      }
    }
    let target: Session<A>;
    if (lo < 0) {
      if (proto.end - 1 + this.latenessMs <= watermark) {
        if (list.length === 0) this.sessions.delete(key);
        return false;
      }
      target = { start: proto.start, end: proto.end, acc: this.aggregator.create(), position: record.position, seq: 0, held: new Map(), fired: false, dirty: false, emitted: false };
      list.splice(insertAt, 0, target);
      this.sessionCount++;
    } else {
      target = list[lo]!;
      const start = Math.min(proto.start, target.start);
      if (start !== target.start) this.retract(key, target);
      for (let i = lo + 1; i <= hi; i++) {
        const other = list[i]!;
        this.retract(key, other);
        this.aggregator.merge!(target.acc, other.acc);
        mergeHeld(target.held, other.held);
        if (other.seq > target.seq) {
          target.seq = other.seq;
          target.position = other.position;
        }
        if (other.end > target.end) target.end = other.end;
        other.dirty = false;
      }
      if (hi > lo) {
        list.splice(lo + 1, hi - lo);
        this.sessionCount -= hi - lo;
      }
      target.start = start;
      if (proto.end > target.end) target.end = proto.end;
    }
    this.aggregator.add(target.acc, record);
    target.position = record.position;
    target.seq = ++this.seq;
    holdOffset(target.held, this.pids.of(record.position), record.position.offset);
    // A changed session fires (again) once the watermark covers its possibly extended end: a late
    // update to a fired session is re-emitted as final, one extended past the watermark reopens.
    if (target.fired) {
      target.fired = false;
      target.dirty = false;
    }
    if (target.end - 1 < this.nextFireAt) this.nextFireAt = target.end - 1;
    if (this.emitEarly && !target.dirty) {
      target.dirty = true;
      this.dirty.push({ key, session: target });
    }
    return true;
  }

  /** Queues the deletion of a session's emitted identity before a merge changes or removes it. */
  private retract(key: string, session: Session<A>): void {
    if (!session.emitted) return;
    const window = { start: session.start, end: session.end };
    this.retractions.push(resultRecord(key, window, this.aggregator.result(session.acc, key, window), true, session.position, 'delete'));
    session.emitted = false;
  }

  flush(watermark: number, out: StreamRecord<WindowResult<R>>[]): void {
    if (this.retractions.length > 0) {
      for (const record of this.retractions) out.push(record);
      this.retractions = [];
    }
    const pending: Pending<A>[] = [];
    if (watermark >= this.nextFireAt) {
      let next = Number.POSITIVE_INFINITY;
      for (const [key, list] of this.sessions) {
        for (const session of list) {
          if (session.fired) continue;
          const fireAt = session.end - 1;
          if (fireAt <= watermark) {
            session.fired = true;
            session.dirty = false;
            pending.push({ key, session, final: true });
            const purgeAt = fireAt + this.latenessMs;
            if (purgeAt < this.nextPurgeAt) this.nextPurgeAt = purgeAt;
          } else if (fireAt < next) next = fireAt;
        }
      }
      this.nextFireAt = next;
    }
    if (this.dirty.length > 0) {
      // Merged-away sessions were un-dirtied; fired ones are already pending as final.
      for (const { key, session } of this.dirty) if (session.dirty) pending.push({ key, session, final: false });
      this.dirty = [];
    }
    pending.sort((a, b) => a.session.end - b.session.end || a.session.start - b.session.start || compareStrings(a.key, b.key));
    for (const { key, session, final } of pending) {
      const window = { start: session.start, end: session.end };
      out.push(resultRecord(key, window, this.aggregator.result(session.acc, key, window), final, session.position));
      session.dirty = false;
      session.emitted = true;
    }
    if (watermark >= this.nextPurgeAt) this.purge(watermark);
  }

  private purge(watermark: number): void {
    let next = Number.POSITIVE_INFINITY;
    for (const [key, list] of this.sessions) {
      let kept = 0;
      for (const session of list) {
        const purgeAt = session.end - 1 + this.latenessMs;
        if (session.fired && purgeAt <= watermark) continue;
        if (session.fired && purgeAt < next) next = purgeAt;
        list[kept++] = session;
      }
      this.sessionCount -= list.length - kept;
      list.length = kept;
      if (kept === 0) this.sessions.delete(key);
    }
    this.nextPurgeAt = next;
  }

  flushAll(out: StreamRecord<WindowResult<R>>[]): void {
    this.flush(Number.POSITIVE_INFINITY, out);
  }

  lowestHeld(): Map<string, number> {
    const held = new Map<string, number>();
    for (const list of this.sessions.values()) for (const session of list) mergeHeld(held, session.held);
    return held;
  }
}

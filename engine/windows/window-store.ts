import { partitionId, type SourcePosition, type StreamRecord } from '../record.js';
import type { WindowResult } from './aggregator.js';
import type { Window } from './window.js';

/**
 * Keyed window state inside one window operator (internal to `engine/windows/`). A store judges
 * each record against the watermark known before its batch, and emits results after the batch.
 */
export interface WindowStore<T, R> {
  /** Adds a record to its windows; false when every window it belongs to is past its allowed lateness. */
  add(record: StreamRecord<T>, key: string, watermark: number): boolean;
  /**
   * Appends, in window-end then key order, the results a batch caused: early and late updates and the
   * windows the watermark closed; then drops windows past their allowed lateness.
   */
  flush(watermark: number, out: StreamRecord<WindowResult<R>>[]): void;
  /** End of input: fires and drops every window. */
  flushAll(out: StreamRecord<WindowResult<R>>[]): void;
  /** Per partition id, the lowest input offset any kept window was built from. */
  lowestHeld(): Map<string, number>;
  /** Windows currently kept (open, or fired and waiting out their allowed lateness). */
  readonly openWindows: number;
  /** (key, window) accumulators currently kept. */
  readonly keyedStates: number;
}

/** Code-unit order, the same as `Array.prototype.sort`'s default for strings but without conversions. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Lowers `held`'s offset for `pid` to `offset` when smaller. */
export function holdOffset(held: Map<string, number>, pid: string, offset: number): void {
  const current = held.get(pid);
  if (current === undefined || offset < current) held.set(pid, offset);
}

/** Merges `from` into `into`, keeping the lower offset per partition. */
export function mergeHeld(into: Map<string, number>, from: ReadonlyMap<string, number>): void {
  for (const [pid, offset] of from) holdOffset(into, pid, offset);
}

/**
 * `partitionId` with a one-entry cache: records of a batch usually share a partition, so this avoids
 * building the same string for every record.
 */
export class PartitionIdCache {
  private source: string | undefined;
  private partition: string | undefined;
  private id = '';

  of(position: SourcePosition): string {
    if (position.source !== this.source || position.partition !== this.partition) {
      this.source = position.source;
      this.partition = position.partition;
      this.id = partitionId(position);
    }
    return this.id;
  }
}

/** Builds the output record of one window result: event time `end - 1`, the window's key and last input position. */
export function resultRecord<R>(
  key: string,
  window: Window,
  result: R,
  final: boolean,
  position: SourcePosition,
  op?: 'delete',
): StreamRecord<WindowResult<R>> {
  const value: WindowResult<R> = { key, window, result, final };
  return op === undefined
    ? { value, eventTime: window.end - 1, key, position }
    : { value, eventTime: window.end - 1, key, position, op };
}

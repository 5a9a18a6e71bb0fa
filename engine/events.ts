import type { DeadLetterReason } from './errors.js';

/**
 * Typed events the engine emits for observability. `metrics/` maps them to Prometheus; the engine
 * itself knows no metrics library. Labels are bounded: never a record key.
 */
export type EngineEvent =
  | { readonly type: 'records_in'; readonly topology: string; readonly source: string; readonly partition: string; readonly count: number }
  | { readonly type: 'records_out'; readonly topology: string; readonly sink: string; readonly table: string; readonly count: number }
  | { readonly type: 'dead_letter'; readonly topology: string; readonly source: string; readonly reason: DeadLetterReason; readonly count: number }
  | { readonly type: 'late'; readonly topology: string; readonly operator: string; readonly count: number }
  | { readonly type: 'filtered'; readonly topology: string; readonly operator: string; readonly count: number }
  | { readonly type: 'batch_processed'; readonly topology: string; readonly records: number; readonly seconds: number }
  | { readonly type: 'sink_write'; readonly topology: string; readonly sink: string; readonly records: number; readonly seconds: number; readonly ok: boolean }
  | { readonly type: 'retry'; readonly topology: string; readonly component: string; readonly errorCode: string; readonly attempt: number }
  | { readonly type: 'commit'; readonly topology: string; readonly source: string; readonly partitions: number; readonly seconds: number }
  | { readonly type: 'watermark'; readonly topology: string; readonly operator: string; readonly watermark: number }
  | { readonly type: 'window_state'; readonly topology: string; readonly operator: string; readonly openWindows: number; readonly keys: number }
  | { readonly type: 'in_flight'; readonly topology: string; readonly records: number; readonly paused: boolean }
  | { readonly type: 'replay_progress'; readonly topology: string; readonly source: string; readonly rows: number; readonly totalBytes?: number; readonly bytesRead?: number; readonly speed: number | 'max' }
  | { readonly type: 'lifecycle'; readonly topology: string; readonly state: 'starting' | 'ready' | 'draining' | 'stopped' | 'failed'; readonly reason?: string }
  /**
   * Consumer lag of one partition of a log source (Kafka), emitted by the source after each commit and
   * periodically: `endOffset` is the partition's log end offset (the next offset to be written) and
   * `committedOffset` the group's committed offset (the next offset to read), so lag = end − committed.
   */
  | { readonly type: 'consumer_lag'; readonly topology: string; readonly source: string; readonly partition: string; readonly endOffset: number; readonly committedOffset: number };

/** Receives engine events; must be cheap and must not throw. */
export type EngineEventListener = (event: EngineEvent) => void;

/** A tiny fan-out of engine events to listeners (metrics, logs, tests). */
export class EngineEvents {
  private readonly listeners = new Set<EngineEventListener>();

  on(listener: EngineEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: EngineEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
